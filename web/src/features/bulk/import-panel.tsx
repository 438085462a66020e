import { useEffect, useId, useMemo, useRef, useState } from 'react';

import { ApiError, errorMessage } from '../../api-client.ts';
import { EmptyState, ErrorState, LoadingState } from '../../components/page-states.tsx';
import { Link } from '../../router.tsx';
import { type BulkImportRow, useBulkImport, useTemplate, useTemplates } from './bulk-api.ts';
import { CsvDropZone, MAX_CSV_BYTES } from './csv-drop-zone.tsx';
import { type ImportPreview, previewImport } from './csv-preview.ts';
import { ImportPreviewTable } from './import-preview-table.tsx';

interface ChosenFile {
  name: string;
  text: string;
}

/** Import configurations from a template and a CSV file: choose, preview in the browser, import, per-row results. */
export function ImportPanel({ canImport }: { canImport: (workspace: string) => boolean }) {
  const templates = useTemplates();
  const [templateId, setTemplateId] = useState('');
  const template = useTemplate(templateId);
  const [file, setFile] = useState<ChosenFile | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const mutation = useBulkImport();
  const selectId = useId();
  const resultRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (mutation.isSuccess || mutation.isError) resultRef.current?.focus();
  }, [mutation.isSuccess, mutation.isError]);

  const attributes = template.data?.attributes;
  const preview = useMemo<ImportPreview | null>(
    () => (file && attributes ? previewImport(file.text, attributes) : null),
    [file, attributes],
  );
  const results = useMemo(
    () => (mutation.data ? new Map(mutation.data.rows.map((row) => [row.line, row])) : undefined),
    [mutation.data],
  );

  function chooseTemplate(id: string) {
    setTemplateId(id);
    mutation.reset();
  }

  async function chooseFile(chosen: File) {
    mutation.reset();
    setFile(null);
    if (chosen.size > MAX_CSV_BYTES) {
      setFileError(`${chosen.name} is larger than the 20 MiB the server accepts: split it into several files.`);
      return;
    }
    try {
      setFile({ name: chosen.name, text: await chosen.text() });
      setFileError(null);
    } catch (error) {
      setFileError(`Cannot read ${chosen.name}: ${errorMessage(error)}`);
    }
  }

  if (templates.isPending) return <LoadingState label="Loading templates…" />;
  if (templates.isError) return <ErrorState error={templates.error} onRetry={() => void templates.refetch()} />;
  if (templates.data.items.length === 0) {
    return (
      <EmptyState title="No templates yet.">
        <p className="muted">
          Configurations are imported from a template: <Link to="/templates/new">create a template</Link> first.
        </p>
      </EmptyState>
    );
  }

  const allowed = template.data ? canImport(template.data.workspace) : false;
  const sendable = preview !== null && preview.headerProblems.length === 0 && preview.importable > 0;
  return (
    <div className="bulk-panel-body">
      <p className="muted bulk-intro">
        One new configuration per row of the file, made from the template with the row’s attribute values. The file is
        checked here first; nothing is created until you import.
      </p>
      <div className="field bulk-template-field">
        <label className="field-label" htmlFor={selectId}>
          Template
        </label>
        <select id={selectId} value={templateId} onChange={(event) => chooseTemplate(event.target.value)}>
          <option value="">Choose a template…</option>
          {templates.data.items.map((item) => (
            <option key={item.id} value={item.id}>
              {item.workspace} / {item.name}
            </option>
          ))}
        </select>
      </div>

      {templateId !== '' && template.isPending && <LoadingState label="Loading the template…" />}
      {template.isError && <ErrorState error={template.error} onRetry={() => void template.refetch()} />}
      {template.data && (
        <div className="bulk-template-info">
          <p>
            Columns it takes: <code>name</code> (required), <code>description</code>, <code>workspace</code> (default{' '}
            <strong>{template.data.workspace}</strong>)
            {template.data.attributes.map((attribute) => (
              <span key={attribute.name}>
                , <code>{attribute.name}</code>
                {attribute.required && !attribute.value ? ' (required)' : ''}
              </span>
            ))}
            .{' '}
            <a download={`${template.data.name}.csv`} href={exampleCsvHref(template.data.attributes)}>
              Download an empty file with these columns
            </a>
          </p>
          {!allowed && (
            <p className="alert alert-info">
              Creating configurations in {template.data.workspace} needs the admin level there: you can check a file but
              not import it.
            </p>
          )}
        </div>
      )}

      <CsvDropZone fileName={file?.name} disabled={mutation.isPending} onFile={(chosen) => void chooseFile(chosen)} />
      {fileError && (
        <p className="alert alert-error" role="alert">
          {fileError}
        </p>
      )}

      {preview && file && !mutation.isSuccess && <PreviewSummary preview={preview} />}
      <div ref={resultRef} tabIndex={-1} className="bulk-result" aria-live="polite">
        {mutation.isError && <ImportError error={mutation.error} />}
        {mutation.data && <ImportSummary rows={mutation.data.rows} created={mutation.data.created} />}
      </div>
      {preview && preview.columns.length > 0 && <ImportPreviewTable preview={preview} results={results} />}

      {preview && allowed && !mutation.isSuccess && (
        <div className="bulk-actions">
          <button
            className="button button-primary"
            type="button"
            disabled={!sendable || mutation.isPending}
            onClick={() => file && mutation.mutate({ templateId, csv: file.text })}
          >
            {mutation.isPending
              ? 'Importing…'
              : `Import ${preview.importable} ${preview.importable === 1 ? 'configuration' : 'configurations'}`}
          </button>
        </div>
      )}
    </div>
  );
}

function PreviewSummary({ preview }: { preview: ImportPreview }) {
  const skipped = preview.rows.filter((row) => row.problems.length > 0).length;
  return (
    <div className="bulk-preview-summary">
      {preview.headerProblems.length > 0 ? (
        <div className="alert alert-error" role="alert">
          <p>The first line must be fixed: the server refuses the whole file.</p>
          <ul>
            {preview.headerProblems.map((problem) => (
              <li key={problem}>{problem}</li>
            ))}
          </ul>
        </div>
      ) : (
        <p>
          <strong>{preview.importable}</strong> {preview.importable === 1 ? 'row' : 'rows'} ready to import
          {skipped > 0 && <span className="bulk-summary-failed">, {skipped} will be skipped</span>}.
        </p>
      )}
      {preview.missingRequired.length > 0 && (
        <p className="alert alert-info">
          No column for the required {preview.missingRequired.length === 1 ? 'attribute' : 'attributes'}{' '}
          {preview.missingRequired.join(', ')}: the configurations are created but will not validate until a value is
          set.
        </p>
      )}
    </div>
  );
}

function ImportSummary({ rows, created }: { rows: BulkImportRow[]; created: number }) {
  const failed = rows.filter((row) => !row.ok);
  return (
    <p className={`alert ${failed.length > 0 ? 'alert-error' : 'alert-info'}`} role="status">
      {created} {created === 1 ? 'configuration' : 'configurations'} created
      {failed.length > 0 &&
        `, ${failed.length} ${failed.length === 1 ? 'row' : 'rows'} not imported (see the table)`}.{' '}
      {created > 0 && <Link to="/configurations">Open the configurations</Link>}
      {created > 0 ? '. ' : ''}To import more, choose another file.
    </p>
  );
}

function ImportError({ error }: { error: unknown }) {
  const details = error instanceof ApiError ? error.errors : [];
  return (
    <div className="alert alert-error" role="alert">
      <p>{errorMessage(error)}</p>
      {details.length > 1 && (
        <ul>
          {details.map((detail, index) => (
            <li key={index}>{detail.message}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

function exampleCsvHref(attributes: { name: string }[]): string {
  const header = ['name', 'description', ...attributes.map((attribute) => attribute.name)].join(';');
  return `data:text/csv;charset=utf-8,${encodeURIComponent(`${header}\n`)}`;
}
