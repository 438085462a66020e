import { useEffect, useRef } from 'react';

import type { FileEntryDto } from '../../../../src/contracts/files.dto.ts';
import { ApiError } from '../../api-client.ts';
import { EmptyState, ErrorState, LoadingState } from '../../components/page-states.tsx';
import { Link, useLocation } from '../../router.tsx';
import { kindLabels } from '../connections/connection-kinds.ts';
import { crumbsOf, filesPagePath, formatDate, formatSize, parentPath } from './file-paths.ts';
import { FileUploadForm } from './file-upload-form.tsx';
import { useConnection, useFileListing } from './files-api.ts';
import './files.css';

/** Browse the folders of a file-service connection and upload files into them. */
export function FilesPage({ connectionId }: { connectionId: string }) {
  const { searchParams } = useLocation();
  const folder = (searchParams.get('path') ?? '').replace(/^\/+|\/+$/g, '');
  const connection = useConnection(connectionId);
  const isFileService = connection.data?.kind === 'file_service';
  const listing = useFileListing(connectionId, folder, isFileService);

  // After opening another folder, keyboard and screen-reader users land on its heading.
  const headingRef = useRef<HTMLHeadingElement>(null);
  const shownFolder = useRef(folder);
  useEffect(() => {
    if (shownFolder.current === folder) return;
    shownFolder.current = folder;
    headingRef.current?.focus();
  }, [folder]);

  const name = connection.data?.name;
  const backLink = (
    <Link className="back-link" to="/connections?kind=file_service">
      ← Connections
    </Link>
  );

  if (connection.isPending) return <LoadingState label="Loading connection…" />;
  if (connection.isError) {
    return (
      <section className="page-section">
        {backLink}
        <h1 className="files-title">Files</h1>
        <ErrorState
          error={connection.error}
          onRetry={
            connection.error instanceof ApiError && connection.error.status === 404
              ? undefined
              : () => void connection.refetch()
          }
        />
      </section>
    );
  }
  if (!isFileService) {
    return (
      <section className="page-section">
        {backLink}
        <h1 className="files-title">Files · {name}</h1>
        <p className="alert alert-info">
          {name} is a {kindLabels[connection.data.kind].toLowerCase()} connection; only file services hold files.
        </p>
      </section>
    );
  }

  const items = listing.data ? sortEntries(listing.data.items) : undefined;
  const crumbs = crumbsOf(folder);

  return (
    <section className="page-section files-page" aria-labelledby="files-title">
      {backLink}
      <div className="page-header">
        <div>
          <h1 id="files-title" className="files-title">
            Files · {name}
          </h1>
          <p className="muted">
            File service <code>{connection.data.type}</code>
            {connection.data.description && ` · ${connection.data.description}`}
          </p>
        </div>
      </div>

      <div className="files-layout">
        <div className="files-browser">
          <nav className="breadcrumb" aria-label="Folder path">
            <ol>
              <li>
                {crumbs.length === 0 ? (
                  <span aria-current="page">{name}</span>
                ) : (
                  <Link to={filesPagePath(connectionId)}>{name}</Link>
                )}
              </li>
              {crumbs.map((crumb, index) => (
                <li key={crumb.path}>
                  {index === crumbs.length - 1 ? (
                    <span aria-current="page">{crumb.name}</span>
                  ) : (
                    <Link to={filesPagePath(connectionId, crumb.path)}>{crumb.name}</Link>
                  )}
                </li>
              ))}
            </ol>
          </nav>

          <div className="toolbar files-toolbar">
            <h2 ref={headingRef} tabIndex={-1} className="files-folder-heading">
              {folder ? `/${folder}` : 'Root folder'}
            </h2>
            {folder && (
              <Link className="button button-small" to={filesPagePath(connectionId, parentPath(folder))}>
                <span aria-hidden="true">↑</span> Up one folder
              </Link>
            )}
            <button
              className="button button-small"
              type="button"
              onClick={() => void listing.refetch()}
              disabled={listing.isFetching}
            >
              Refresh
            </button>
            {items && (
              <span className="muted" aria-live="polite">
                {countText(items)}
              </span>
            )}
            {listing.isFetching && !listing.isPending && <span className="spinner spinner-small" aria-hidden="true" />}
          </div>

          {listing.isPending ? (
            <LoadingState label="Loading files…" />
          ) : listing.isError ? (
            <>
              <ErrorState error={listing.error} onRetry={() => void listing.refetch()} />
              {folder && (
                <Link className="button" to={filesPagePath(connectionId)}>
                  Go to the root folder
                </Link>
              )}
            </>
          ) : items && items.length === 0 ? (
            <EmptyState title={folder ? 'This folder is empty.' : 'No files yet.'}>
              <p className="muted">Upload a file with the form.</p>
            </EmptyState>
          ) : (
            <div className="table-wrap">
              <table className="data-table files-table">
                <caption className="visually-hidden">Contents of {folder ? `/${folder}` : 'the root folder'}</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col" className="cell-size">
                      Size
                    </th>
                    <th scope="col">Modified</th>
                  </tr>
                </thead>
                <tbody>
                  {items?.map((entry) => (
                    <FileRow key={entry.path} connectionId={connectionId} entry={entry} />
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>

        <aside className="files-upload" aria-label="Upload">
          <FileUploadForm connectionId={connectionId} folder={folder} entries={listing.data?.items} />
        </aside>
      </div>
    </section>
  );
}

function FileRow({ connectionId, entry }: { connectionId: string; entry: FileEntryDto }) {
  return (
    <tr>
      <th scope="row" className="cell-file-name">
        <span className="file-name">
          {entry.isDirectory ? <FolderIcon /> : <FileIcon />}
          {entry.isDirectory ? (
            <Link to={filesPagePath(connectionId, entry.path)}>{entry.name}</Link>
          ) : (
            <span>{entry.name}</span>
          )}
        </span>
      </th>
      <td className="cell-size" title={entry.isDirectory ? undefined : `${entry.size.toLocaleString()} bytes`}>
        {entry.isDirectory ? <span className="muted">folder</span> : formatSize(entry.size)}
      </td>
      <td className="cell-modified">
        <time dateTime={entry.modified}>{formatDate(entry.modified)}</time>
      </td>
    </tr>
  );
}

function FolderIcon() {
  return (
    <svg className="file-icon file-icon-folder" viewBox="0 0 20 16" role="img" aria-label="Folder">
      <path d="M1 3a2 2 0 0 1 2-2h4.2l2 2H17a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2H3a2 2 0 0 1-2-2z" />
    </svg>
  );
}

function FileIcon() {
  return (
    <svg className="file-icon file-icon-file" viewBox="0 0 16 20" role="img" aria-label="File">
      <path d="M2 1h8l5 5v12a1 1 0 0 1-1 1H2a1 1 0 0 1-1-1V2a1 1 0 0 1 1-1z" />
      <path d="M10 1v5h5" fill="none" />
    </svg>
  );
}

/** Folders first, then by name as people sort (`file2` before `file10`). */
function sortEntries(entries: readonly FileEntryDto[]): FileEntryDto[] {
  const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
  return [...entries].sort((a, b) => Number(b.isDirectory) - Number(a.isDirectory) || collator.compare(a.name, b.name));
}

function countText(items: readonly FileEntryDto[]): string {
  const folders = items.filter((entry) => entry.isDirectory).length;
  const files = items.length - folders;
  const part = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;
  return [folders > 0 && part(folders, 'folder', 'folders'), part(files, 'file', 'files')].filter(Boolean).join(', ');
}
