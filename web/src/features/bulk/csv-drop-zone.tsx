import { type DragEvent, useId, useState } from 'react';

/** The server takes at most 20 MiB of CSV (src/api/routes/configurations.routes.ts). */
export const MAX_CSV_BYTES = 20 * 1024 * 1024;

/** A file input that also takes a file dropped on it; the input stays the keyboard's way in. */
export function CsvDropZone({
  fileName,
  disabled,
  onFile,
}: {
  fileName: string | undefined;
  disabled: boolean;
  onFile: (file: File) => void;
}) {
  const id = useId();
  const [over, setOver] = useState(false);

  function drop(event: DragEvent<HTMLDivElement>) {
    event.preventDefault();
    setOver(false);
    const file = event.dataTransfer.files[0];
    if (file && !disabled) onFile(file);
  }

  return (
    <div
      className={`bulk-drop-zone${over ? ' bulk-drop-zone-over' : ''}`}
      onDragOver={(event) => {
        event.preventDefault();
        event.dataTransfer.dropEffect = disabled ? 'none' : 'copy';
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={drop}
    >
      <label className="field-label" htmlFor={id}>
        CSV file
      </label>
      <p className="muted" id={`${id}-hint`}>
        Drop a file here or choose one. First line: <code>name</code>, optional <code>description</code> and{' '}
        <code>workspace</code>, then the template’s attribute names; separated by <code>,</code> or <code>;</code>.
      </p>
      <div className="bulk-file-row">
        {/* The native input says "No file chosen" after a drop, so it is hidden behind a button-like label. */}
        <input
          id={id}
          className="visually-hidden bulk-file-input"
          type="file"
          accept=".csv,text/csv,text/plain"
          disabled={disabled}
          aria-describedby={`${id}-hint`}
          onChange={(event) => {
            const file = event.target.files?.[0];
            if (file) onFile(file);
            // The same file chosen again (after editing it) must still be read.
            event.target.value = '';
          }}
        />
        <label className="button bulk-file-button" htmlFor={id}>
          Choose a file…
        </label>
        <span className="bulk-file-name">
          {fileName ? <strong>{fileName}</strong> : <span className="muted">No file yet</span>}
        </span>
      </div>
    </div>
  );
}
