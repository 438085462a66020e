/**
 * Shared by the server (bulk import) and the web UI (its preview of the same file), so both read
 * a file the same way. An RFC 4180 CSV reader for files people make in spreadsheets: quoted fields with `""` escapes,
 * embedded delimiters and newlines, CRLF or LF, a UTF-8 BOM, `,` or `;` (detected from the header
 * line). The first non-empty record is the header; every record must have as many fields.
 */

export type CsvDelimiter = ',' | ';';

/** One record; `line` is where it starts (1-based), so messages point at the right line. */
export interface CsvRecord {
  line: number;
  fields: string[];
}

/** A record that was left out (stray quote, wrong number of fields); the rest of the file is fine. */
export interface CsvProblem {
  line: number;
  message: string;
}

export interface CsvTable {
  delimiter: CsvDelimiter;
  header: CsvRecord;
  records: CsvRecord[];
  problems: CsvProblem[];
}

/** The file cannot be read past this point (an unterminated quote swallows the rest) or is empty. */
export class CsvSyntaxError extends Error {
  readonly line: number;

  constructor(line: number, reason: string) {
    super(`line ${line}: ${reason}`);
    this.name = 'CsvSyntaxError';
    this.line = line;
  }
}

const QUOTE = 34;
const LF = 10;
const CR = 13;

/** The delimiter used more often outside quotes in `line`; `;` on a tie (Task Manager's format), `,` if neither. */
export function detectDelimiter(line: string): CsvDelimiter {
  let commas = 0;
  let semicolons = 0;
  let quoted = false;
  for (const c of line) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === ',') commas++;
    else if (!quoted && c === ';') semicolons++;
  }
  return semicolons === 0 && commas === 0 ? ',' : semicolons >= commas ? ';' : ',';
}

/** Parses `source`; empty (or blank) lines are skipped. Throws CsvSyntaxError only for what cannot be recovered. */
export function parseCsv(source: string, options: { delimiter?: CsvDelimiter } = {}): CsvTable {
  const text = source.startsWith('\uFEFF') ? source.slice(1) : source;
  const delimiter = options.delimiter ?? detectDelimiter(firstNonBlankLine(text));
  const all = readRecords(text, delimiter.charCodeAt(0));
  const header = all.records[0];
  if (!header) throw new CsvSyntaxError(1, 'the file is empty: the first line must name the columns');
  // A broken header line would otherwise make the next line the header, silently.
  const broken = all.problems.find((p) => p.line < header.line);
  if (broken) throw new CsvSyntaxError(broken.line, `the header line cannot be read: ${broken.message}`);
  const records: CsvRecord[] = [];
  const problems = all.problems;
  for (const record of all.records.slice(1)) {
    if (record.fields.length === header.fields.length) records.push(record);
    else {
      const what = record.fields.length > header.fields.length ? 'too many' : 'too few';
      const message = `${what} fields: ${record.fields.length} where the header has ${header.fields.length}`;
      problems.push({ line: record.line, message });
    }
  }
  problems.sort((a, b) => a.line - b.line);
  return { delimiter, header, records, problems };
}

function readRecords(text: string, delim: number): { records: CsvRecord[]; problems: CsvProblem[] } {
  const records: CsvRecord[] = [];
  const problems: CsvProblem[] = [];
  const n = text.length;
  let pos = 0;
  let line = 1;
  /** Moves past the line break at `pos` (CRLF, LF or CR) if there is one. */
  const newline = (): void => {
    const c = text.charCodeAt(pos);
    if (c === CR) pos += text.charCodeAt(pos + 1) === LF ? 2 : 1;
    else if (c === LF) pos++;
    else return;
    line++;
  };
  while (pos < n) {
    const start = line;
    const fields: string[] = [];
    let problem: string | undefined;
    let anyQuoted = false;
    for (;;) {
      let c = text.charCodeAt(pos);
      if (c === QUOTE) {
        anyQuoted = true;
        let value = '';
        let from = pos + 1;
        const opened = line;
        for (;;) {
          const q = text.indexOf('"', from);
          if (q === -1) throw new CsvSyntaxError(opened, 'the quoted field opened here is never closed (missing ")');
          line += countLineBreaks(text, from, q);
          if (text.charCodeAt(q + 1) === QUOTE) {
            value += text.slice(from, q + 1);
            from = q + 2;
            continue;
          }
          value += text.slice(from, q);
          pos = q + 1;
          break;
        }
        fields.push(value);
        c = text.charCodeAt(pos);
        if (c !== delim && c !== LF && c !== CR && pos < n) {
          problem = `field ${fields.length}: text after the closing quote (write "" for a quote inside a quoted field)`;
        }
      } else {
        const from = pos;
        while (pos < n && (c = text.charCodeAt(pos)) !== delim && c !== LF && c !== CR) {
          if (c === QUOTE && problem === undefined) {
            problem = `field ${fields.length + 1}: stray quote (quote the whole field and double the quote: "a ""b""")`;
          }
          pos++;
        }
        fields.push(text.slice(from, pos));
      }
      if (problem !== undefined || text.charCodeAt(pos) !== delim) break;
      pos++;
    }
    if (problem !== undefined) {
      // Resynchronise at the next line break: the rest of this line cannot be trusted.
      while (pos < n && text.charCodeAt(pos) !== LF && text.charCodeAt(pos) !== CR) pos++;
      problems.push({ line: start, message: problem });
    } else if (anyQuoted || fields.length > 1 || (fields[0] as string).trim() !== '') {
      records.push({ line: start, fields });
    }
    newline();
  }
  return { records, problems };
}

function countLineBreaks(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === LF || (c === CR && text.charCodeAt(i + 1) !== LF)) count++;
  }
  return count;
}

function firstNonBlankLine(text: string): string {
  const at = text.search(/\S/);
  if (at === -1) return '';
  const end = text.slice(at).search(/[\r\n]/);
  return text.slice(at, end === -1 ? undefined : at + end);
}
