import { CsvSyntaxError, parseCsv } from '../../../../src/contracts/csv.ts';
import { nameSchema } from '../../../../src/contracts/common.dto.ts';

/**
 * What the bulk import will make of a CSV file, worked out in the browser before anything is
 * sent (the API has no dry run). Same checks as the server's bulk-csv.ts: a header problem
 * refuses the whole file, a bad row is left out and the others are imported.
 */

export type ColumnRole = 'name' | 'description' | 'workspace' | 'attribute' | 'unknown' | 'invalid';

export interface PreviewColumn {
  name: string;
  role: ColumnRole;
  /** For attributes: the template says a value is needed. */
  required: boolean;
  problem?: string;
}

export interface PreviewRow {
  line: number;
  /** Absent when the line could not be read as a row (stray quote, wrong number of fields). */
  fields?: string[];
  /** The server will refuse the row for these. */
  problems: string[];
  /** The row is imported, but the configuration will not validate as it is. */
  warnings: string[];
}

export interface ImportPreview {
  columns: PreviewColumn[];
  /** Any of these refuses the whole file. */
  headerProblems: string[];
  /** Required template attributes without a column and without a value in the template. */
  missingRequired: string[];
  rows: PreviewRow[];
  /** Rows the server will try to create. */
  importable: number;
}

export interface TemplateAttribute {
  name: string;
  required: boolean;
  value: string | null;
}

const RESERVED: Record<string, ColumnRole> = { name: 'name', description: 'description', workspace: 'workspace' };
const LIMITS = { name: 63, description: 2000, workspace: 63, attribute: 65_536 };

export function previewImport(text: string, attributes: readonly TemplateAttribute[]): ImportPreview {
  let table;
  try {
    table = parseCsv(text);
  } catch (error) {
    if (!(error instanceof CsvSyntaxError)) throw error;
    return { columns: [], headerProblems: [error.message], missingRequired: [], rows: [], importable: 0 };
  }
  const known = new Map(attributes.map((attribute) => [attribute.name, attribute]));
  const names = table.header.fields.map((field) => field.trim());
  const columns = names.map((name, index) => describeColumn(name, index, names, known));
  const headerProblems = columns.flatMap((column) =>
    column.problem ? [`${column.name || '(blank)'}: ${column.problem}`] : [],
  );
  if (!names.includes('name')) {
    const near = names.find((name) => name.toLowerCase() === 'name');
    headerProblems.unshift(
      `The first line must have a 'name' column${near ? ` (column '${near}': column names are case-sensitive)` : ''}`,
    );
  }
  const missingRequired = attributes
    .filter((attribute) => attribute.required && !attribute.value && !names.includes(attribute.name))
    .map((attribute) => attribute.name);

  const rows: PreviewRow[] = table.problems.map((problem) => ({
    line: problem.line,
    problems: [problem.message],
    warnings: [],
  }));
  for (const record of table.records) rows.push(checkRow(record.line, record.fields, columns, known));
  markDuplicateNames(rows, columns);
  rows.sort((a, b) => a.line - b.line);
  const importable = headerProblems.length > 0 ? 0 : rows.filter((row) => row.problems.length === 0).length;
  return { columns, headerProblems, missingRequired, rows, importable };
}

function describeColumn(
  name: string,
  index: number,
  all: string[],
  known: Map<string, TemplateAttribute>,
): PreviewColumn {
  const column: PreviewColumn = { name, role: RESERVED[name] ?? 'attribute', required: false };
  if (name === '') return { ...column, role: 'invalid', problem: `column ${index + 1} has no name` };
  if (all.indexOf(name) !== index) return { ...column, role: 'invalid', problem: 'the column appears twice' };
  if (column.role !== 'attribute') return column;
  if (name === '__proto__') return { ...column, role: 'invalid', problem: 'cannot be an attribute name' };
  const attribute = known.get(name);
  if (!attribute) {
    const list = [...known.keys()].join(', ') || 'no attributes';
    return { ...column, role: 'unknown', problem: `the template does not know this attribute (it has: ${list})` };
  }
  return { ...column, required: attribute.required };
}

function checkRow(
  line: number,
  fields: string[],
  columns: PreviewColumn[],
  known: Map<string, TemplateAttribute>,
): PreviewRow {
  const row: PreviewRow = { line, fields, problems: [], warnings: [] };
  columns.forEach((column, index) => {
    const value = fields[index] ?? '';
    if (column.role === 'name' || column.role === 'workspace') {
      const limit = LIMITS[column.role];
      if (value.trim().length > limit) row.problems.push(`${column.name} is longer than ${limit} characters`);
      if (column.role === 'name' && value.trim() === '') {
        row.problems.push('name is empty: every row needs a configuration name');
      } else if (
        column.role === 'name' &&
        value.trim().length <= limit &&
        !nameSchema.safeParse(value.trim()).success
      ) {
        row.problems.push(
          `name '${value.trim()}' must start with a letter, then letters, digits, _ . - only (63 at most)`,
        );
      }
    } else if (column.role === 'description') {
      if (value.length > LIMITS.description) {
        row.problems.push(`description is longer than ${LIMITS.description} characters`);
      }
    } else {
      if (value.length > LIMITS.attribute) {
        row.problems.push(`${column.name}: the value is longer than ${LIMITS.attribute} characters`);
      }
      // An empty cell replaces the template's value with '' (the server keeps cells as they are).
      if (value === '' && known.get(column.name)?.required) row.warnings.push(`${column.name} is required but empty`);
    }
  });
  return row;
}

/** A name used twice is ambiguous, so the server refuses every row that uses it. */
function markDuplicateNames(rows: PreviewRow[], columns: PreviewColumn[]): void {
  const at = columns.findIndex((column) => column.role === 'name');
  if (at === -1) return;
  const lines = new Map<string, number[]>();
  const candidates = rows.filter((row) => row.fields && row.problems.length === 0);
  for (const row of candidates) {
    const name = (row.fields?.[at] ?? '').trim();
    lines.set(name, [...(lines.get(name) ?? []), row.line]);
  }
  for (const row of candidates) {
    const used = lines.get((row.fields?.[at] ?? '').trim()) ?? [];
    if (used.length < 2) continue;
    const others = used.filter((line) => line !== row.line).join(', ');
    row.problems.push(
      `the name is also used on line${used.length > 2 ? 's' : ''} ${others}: names must be unique in the file`,
    );
  }
}
