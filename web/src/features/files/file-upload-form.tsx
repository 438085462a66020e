import { type FormEvent, useEffect, useRef, useState } from 'react';

import type { FileEntryDto } from '../../../../src/contracts/files.dto.ts';
import { ApiError, type UploadProgress, errorMessage } from '../../api-client.ts';
import { CheckboxField, FormField } from '../../components/form-field.tsx';
import { formatSize, joinPath } from './file-paths.ts';
import { useUploadFile } from './files-api.ts';
import { PrepareReportView } from './prepare-report.tsx';

/** The upload panel of the Files page: into `folder`, optionally through the prepare script. */
export function FileUploadForm({
  connectionId,
  folder,
  entries,
}: {
  connectionId: string;
  folder: string;
  /** The folder's listing when loaded, to warn before a file is replaced. */
  entries: readonly FileEntryDto[] | undefined;
}) {
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState('');
  const [prepare, setPrepare] = useState(false);
  const [fieldErrors, setFieldErrors] = useState<{ file?: string; name?: string }>({});
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  const fileInputRef = useRef<HTMLInputElement>(null);
  const nameInputRef = useRef<HTMLInputElement>(null);
  const resultRef = useRef<HTMLDivElement>(null);
  const abortRef = useRef<AbortController | null>(null);
  const upload = useUploadFile(connectionId);
  // Counts finished uploads: after each, the outcome gets focus (so it is scrolled into view and read).
  const [finished, setFinished] = useState(0);
  useEffect(() => {
    if (finished > 0) resultRef.current?.focus();
  }, [finished]);

  const trimmedName = name.trim();
  const existing = trimmedName ? entries?.find((entry) => entry.name === trimmedName) : undefined;
  const sent = progress && progress.total > 0 ? Math.min(1, progress.loaded / progress.total) : 0;
  const allSent = progress !== null && sent >= 1;
  const cancelled = upload.error instanceof DOMException && upload.error.name === 'AbortError';

  function chooseFile(next: File | null) {
    setFile(next);
    setName(next?.name ?? '');
    setFieldErrors({});
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (upload.isPending) return;
    const errors: { file?: string; name?: string } = {};
    if (!file) errors.file = 'Choose a file';
    if (!trimmedName) errors.name = 'Required';
    setFieldErrors(errors);
    if (!file || !trimmedName) {
      (errors.file ? fileInputRef.current : nameInputRef.current)?.focus();
      return;
    }
    const controller = new AbortController();
    abortRef.current = controller;
    setProgress({ loaded: 0, total: file.size });
    upload.mutate(
      { file, path: joinPath(folder, trimmedName), prepare, signal: controller.signal, onProgress: setProgress },
      {
        onSuccess: () => {
          chooseFile(null);
          if (fileInputRef.current) fileInputRef.current.value = '';
        },
        onSettled: () => {
          abortRef.current = null;
          setProgress(null);
          setFinished((count) => count + 1);
        },
      },
    );
  }

  const folderLabel = folder ? `/${folder}` : 'the root folder';

  return (
    <form className="upload-form" onSubmit={submit} noValidate aria-labelledby="upload-title">
      <h2 id="upload-title">Upload a file</h2>
      <p className="muted upload-target">
        Into <span className="upload-folder">{folderLabel}</span>
      </p>

      <FormField label="File" required error={fieldErrors.file}>
        {(control) => (
          <input
            {...control}
            ref={fileInputRef}
            type="file"
            disabled={upload.isPending}
            onChange={(event) => chooseFile(event.target.files?.[0] ?? null)}
          />
        )}
      </FormField>

      <FormField
        label="Save as"
        required
        error={fieldErrors.name}
        hint={
          existing?.isDirectory ? (
            <span className="warning-text">A folder has this name; choose another.</span>
          ) : existing ? (
            <span className="warning-text">A file with this name exists here and will be replaced.</span>
          ) : (
            'Defaults to the file’s name. Write sub/name.ext to put it in a new sub-folder.'
          )
        }
      >
        {(control) => (
          <input
            {...control}
            ref={nameInputRef}
            type="text"
            autoComplete="off"
            spellCheck={false}
            value={name}
            disabled={upload.isPending}
            onChange={(event) => setName(event.target.value)}
          />
        )}
      </FormField>

      <CheckboxField
        label="Run the prepare script"
        checked={prepare}
        disabled={upload.isPending}
        onChange={setPrepare}
        hint="The server’s prepare script processes the file (e.g. with GDAL) before it is stored; if it fails, nothing is stored."
      />

      <div className="upload-actions">
        <button className="button button-primary" type="submit" disabled={upload.isPending}>
          {upload.isPending ? (
            <>
              <span className="spinner spinner-small spinner-inverse" aria-hidden="true" />
              {allSent ? (prepare ? 'Preparing…' : 'Storing…') : 'Uploading…'}
            </>
          ) : (
            'Upload'
          )}
        </button>
        {upload.isPending && (
          <button className="button" type="button" onClick={() => abortRef.current?.abort()} disabled={allSent}>
            Cancel
          </button>
        )}
      </div>

      {upload.isPending && progress && (
        <div className="upload-progress">
          <progress max={1} value={sent} aria-label="Upload progress" aria-valuetext={`${Math.round(sent * 100)} %`} />
          <span className="muted" role="status">
            {allSent
              ? prepare
                ? 'Sent. The server is running the prepare script…'
                : 'Sent. The server is storing the file…'
              : `Sending ${formatSize(progress.loaded)} of ${formatSize(progress.total)} (${Math.round(sent * 100)} %)`}
          </span>
        </div>
      )}

      <div ref={resultRef} tabIndex={-1} className="upload-result-anchor">
        {upload.isError &&
          (cancelled ? (
            <p className="alert alert-info" role="status">
              The upload was cancelled; nothing was stored.
            </p>
          ) : (
            <UploadErrorView error={upload.error} />
          ))}
        {upload.isSuccess && (
          <div className="upload-result" role="status" aria-label="Upload result">
            <p className="alert alert-success">
              Uploaded <strong>{upload.data.file.path}</strong> ({formatSize(upload.data.file.size)}).
            </p>
            {upload.data.prepare && <PrepareReportView report={upload.data.prepare} />}
          </div>
        )}
      </div>
    </form>
  );
}

const codeHints: Record<string, string> = {
  prepare_not_configured: 'Upload without “Run the prepare script”, or ask an administrator to configure one.',
  body_too_large: 'The file is larger than this server accepts (setting files.uploadLimitBytes).',
  path_outside_root: 'Choose a name inside this file service.',
};

function UploadErrorView({ error }: { error: unknown }) {
  const code = error instanceof ApiError ? error.code : undefined;
  const tooLarge = error instanceof ApiError && error.status === 413;
  const hint = code ? (codeHints[code] ?? (tooLarge ? codeHints.body_too_large : undefined)) : undefined;
  return (
    <div className="alert alert-error upload-error" role="alert">
      <p className="upload-error-title">
        <strong>Upload failed</strong>
        {code && <code>{code}</code>}
      </p>
      <p className="upload-error-detail">{errorMessage(error)}</p>
      {hint && <p>{hint}</p>}
    </div>
  );
}
