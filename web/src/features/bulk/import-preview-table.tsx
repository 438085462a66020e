import { Link } from '../../router.tsx';
import type { BulkImportRow } from './bulk-api.ts';
import type { ImportPreview, PreviewColumn, PreviewRow } from './csv-preview.ts';

/** Rows shown at once; rows with a problem or an import error are shown whatever their place. */
const shownRows = 300;

const roleLabels: Partial<Record<PreviewColumn['role'], string>> = {
  name: 'required',
  unknown: 'unknown',
  invalid: 'invalid',
};

/** The CSV as a table, each row with what the import will do (before) or did (after). */
export function ImportPreviewTable({
  preview,
  results,
}: {
  preview: ImportPreview;
  /** The import's answer by line, once sent. */
  results: Map<number, BulkImportRow> | undefined;
}) {
  const flagged = (row: PreviewRow, index: number) =>
    index < shownRows || row.problems.length > 0 || results?.get(row.line)?.ok === false;
  const visible = preview.rows.filter(flagged);
  return (
    <>
      {visible.length < preview.rows.length && (
        <p className="muted">
          Showing {visible.length} of {preview.rows.length} rows: the first {shownRows} and every row with a problem.
        </p>
      )}
      <div className="table-wrap bulk-preview-wrap">
        <table className="data-table bulk-table bulk-preview">
          <caption className="visually-hidden">Rows of the CSV file</caption>
          <thead>
            <tr>
              <th scope="col">Line</th>
              {preview.columns.map((column, index) => (
                <th
                  scope="col"
                  key={index}
                  className={column.problem ? 'bulk-column-bad' : undefined}
                  title={column.problem}
                >
                  <span className="bulk-column-name">{column.name || '(blank)'}</span>
                  {column.required && <span className="bulk-column-tag"> required</span>}
                  {roleLabels[column.role] && <span className="bulk-column-tag"> {roleLabels[column.role]}</span>}
                </th>
              ))}
              <th scope="col">{results ? 'Result' : 'Check'}</th>
            </tr>
          </thead>
          <tbody>
            {visible.map((row) => (
              <PreviewRowView key={row.line} row={row} columns={preview.columns} result={results?.get(row.line)} />
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function PreviewRowView({
  row,
  columns,
  result,
}: {
  row: PreviewRow;
  columns: PreviewColumn[];
  result: BulkImportRow | undefined;
}) {
  const failed = result ? !result.ok : row.problems.length > 0;
  return (
    <tr className={failed ? 'bulk-row-failed' : result?.ok ? 'bulk-row-ok' : undefined} data-line={row.line}>
      <th scope="row" className="bulk-line">
        {row.line}
      </th>
      {row.fields ? (
        columns.map((column, index) => (
          <td key={index} className="bulk-cell" title={row.fields?.[index]}>
            {row.fields?.[index] || <span className="muted">—</span>}
          </td>
        ))
      ) : (
        <td colSpan={columns.length} className="muted">
          (this line cannot be read as a row)
        </td>
      )}
      <td className="bulk-check">
        <RowOutcome row={row} result={result} />
      </td>
    </tr>
  );
}

function RowOutcome({ row, result }: { row: PreviewRow; result: BulkImportRow | undefined }) {
  if (result?.ok) {
    return (
      <span className="bulk-ok">
        <span aria-hidden="true">✓ </span>Created{' '}
        {result.id && <Link to={`/configurations/${result.id}`}>{result.name}</Link>}
        {result.validated === false && <span className="bulk-warning"> (not validated yet: open it to see why)</span>}
      </span>
    );
  }
  if (result) {
    return (
      <span className="bulk-error">
        <span aria-hidden="true">✕ </span>Error: {result.message ?? 'not imported'}
      </span>
    );
  }
  if (row.problems.length > 0) {
    return (
      <span className="bulk-error">
        <span aria-hidden="true">✕ </span>Will be skipped: {row.problems.join('; ')}
      </span>
    );
  }
  if (row.warnings.length > 0) return <span className="bulk-warning">{row.warnings.join('; ')}</span>;
  return <span className="muted">Ready</span>;
}
