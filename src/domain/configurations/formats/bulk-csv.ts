import { type CsvRecord, CsvSyntaxError, parseCsv } from '../../../contracts/csv.ts';
import { nameSchema } from '../../../contracts/common.dto.ts';
import { type ErrorDetail, UserError } from '../../../errors/errors.ts';
import { summarizeProblems } from './document-consistency.ts';

/** One configuration to create or update from a template: a CSV row that passed every check. */
export interface BulkRow {
  /** Line in the file where the row starts. */
  line: number;
  name: string;
  description?: string;
  workspace?: string;
  /** Attribute columns; an empty cell is kept as '' (the importer decides what empty means). */
  attributes: Record<string, string>;
}

/** A row that was left out, and why; `field` is the column at fault when there is one. */
export interface RowError {
  line: number;
  message: string;
  field?: string;
}

export interface BulkCsvOptions {
  /** The template's attribute names: other columns are refused. null = accept any attribute column. */
  knownAttributes: string[] | null;
}

const RESERVED = ['name', 'description', 'workspace'] as const;
// Same limits as the configuration document, so a row that passes here also fits there.
const LIMITS = { name: 63, description: 2000, workspace: 63, attribute: 65_536 };

/**
 * Reads a bulk-import CSV (Task Manager's "Import Configurations", but real CSV: quoting, `,` or
 * `;`). The first line names the columns: `name` (required), optional `description` and
 * `workspace`, and attribute names. Header problems refuse the whole file (UserError
 * `invalid_csv`, naming every bad column); bad rows are reported and left out, the rest kept.
 * Names and workspaces are trimmed; descriptions and attribute values are kept exactly.
 */
export function parseBulkCsv(text: string, options: BulkCsvOptions): { rows: BulkRow[]; errors: RowError[] } {
  let table;
  try {
    table = parseCsv(text);
  } catch (error) {
    if (!(error instanceof CsvSyntaxError)) throw error;
    throw new UserError('invalid_csv', `Invalid CSV: ${error.message}`, { details: [{ message: error.message }] });
  }
  const columns = table.header.fields.map((c) => c.trim());
  const headerProblems = checkHeader(columns, options.knownAttributes);
  if (headerProblems.length > 0) {
    throw new UserError(
      'invalid_csv',
      `Invalid CSV header (line ${table.header.line}): ${summarizeProblems(headerProblems)}`,
      {
        details: headerProblems,
      },
    );
  }
  const errors: RowError[] = table.problems.map((p) => ({ line: p.line, message: p.message }));
  const rows: BulkRow[] = [];
  for (const record of table.records) {
    const row = readRow(record, columns, errors);
    if (row) rows.push(row);
  }
  const kept = withoutDuplicateNames(rows, errors);
  errors.sort((a, b) => a.line - b.line);
  return { rows: kept, errors };
}

function checkHeader(columns: string[], known: string[] | null): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  if (!columns.includes('name')) {
    const near = columns.find((c) => c.toLowerCase() === 'name');
    const hint = near ? ` (column '${near}': column names are case-sensitive)` : '';
    problems.push({ message: `The first line must have a 'name' column${hint}` });
  }
  const positions = new Map<string, number[]>();
  columns.forEach((c, i) => {
    const at = positions.get(c);
    if (at) at.push(i + 1);
    else positions.set(c, [i + 1]);
  });
  for (const [column, at] of positions) {
    if (column === '') problems.push({ message: `Column ${at.join(', ')} has no name` });
    else if (at.length > 1) {
      problems.push({
        field: column,
        message: `Column '${column}' appears ${at.length} times (columns ${at.join(', ')})`,
      });
    }
  }
  const attributes = [...positions.keys()].filter((c) => c !== '' && !(RESERVED as readonly string[]).includes(c));
  for (const column of attributes.filter((c) => c === '__proto__')) {
    problems.push({ field: column, message: `'${column}' cannot be an attribute name` });
  }
  if (known) {
    const knownSet = new Set(known);
    const unknown = attributes.filter((c) => !knownSet.has(c) && c !== '__proto__');
    if (unknown.length > 0) {
      const list = unknown.map((c) => `'${c}'`).join(', ');
      const message = `Unknown attribute column${unknown.length > 1 ? 's' : ''} ${list}; the template has: ${known.join(', ') || 'no attributes'}`;
      problems.push(...unknown.map((c) => ({ field: c, message })));
    }
  }
  return problems;
}

function readRow(record: CsvRecord, columns: string[], errors: RowError[]): BulkRow | undefined {
  const row: BulkRow = { line: record.line, name: '', attributes: {} };
  const before = errors.length;
  const fail = (field: string, message: string): void => void errors.push({ line: record.line, field, message });
  columns.forEach((column, i) => {
    const value = record.fields[i] as string;
    if (column === 'name' || column === 'workspace') {
      const trimmed = value.trim();
      if (trimmed.length > LIMITS[column]) fail(column, `${column} is longer than ${LIMITS[column]} characters`);
      if (column === 'name') row.name = trimmed;
      else if (trimmed !== '') row.workspace = trimmed;
    } else if (column === 'description') {
      if (value.length > LIMITS.description) {
        fail(column, `description is longer than ${LIMITS.description} characters`);
      }
      if (value !== '') row.description = value;
    } else {
      if (value.length > LIMITS.attribute) fail(column, `the value is longer than ${LIMITS.attribute} characters`);
      row.attributes[column] = value;
    }
  });
  if (row.name === '') fail('name', 'name is empty: every row needs a configuration name');
  // The same rule as a configuration created one by one (the API's name schema).
  else if (row.name.length <= LIMITS.name && !nameSchema.safeParse(row.name).success) {
    fail('name', `name '${row.name}' must start with a letter, then letters, digits, _ . - only (63 at most)`);
  }
  return errors.length === before ? row : undefined;
}

/** A name used twice is ambiguous (which row wins?), so every row using it is refused. */
function withoutDuplicateNames(rows: BulkRow[], errors: RowError[]): BulkRow[] {
  const lines = new Map<string, number[]>();
  for (const row of rows) {
    const used = lines.get(row.name);
    if (used) used.push(row.line);
    else lines.set(row.name, [row.line]);
  }
  return rows.filter((row) => {
    const used = lines.get(row.name) as number[];
    if (used.length === 1) return true;
    const others = used.filter((l) => l !== row.line).join(', ');
    errors.push({
      line: row.line,
      field: 'name',
      message: `name '${row.name}' is also used on line${used.length > 2 ? 's' : ''} ${others}: names must be unique in the file`,
    });
    return false;
  });
}
