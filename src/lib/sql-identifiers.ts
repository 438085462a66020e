/**
 * SQL identifiers for PostgreSQL: quoting, and reading the table names users write in tasks.
 * Values never go through here (they are query parameters); only names that cannot be
 * parameters (tables, columns, schemas) do.
 */

/** `"name"`, with embedded quotes doubled. Rejects what PostgreSQL cannot name: empty, NUL. */
export function quoteIdent(name: string): string {
  if (name.length === 0) throw new Error('An SQL identifier cannot be empty');
  if (name.includes('\0')) throw new Error('An SQL identifier cannot contain a NUL character');
  return `"${name.replaceAll('"', '""')}"`;
}

export interface QualifiedName {
  schema: string;
  name: string;
}

/** `"schema"."name"`. */
export function quoteQualified({ schema, name }: QualifiedName): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/** One identifier at `from`: quoted (`"a""b"`) or raw up to the next dot; undefined if malformed. */
function readPart(text: string, from: number): { value: string; end: number; quoted: boolean } | undefined {
  if (text[from] !== '"') {
    const dot = text.indexOf('.', from);
    const end = dot === -1 ? text.length : dot;
    const value = text.slice(from, end);
    return value.length > 0 && !value.includes('"') ? { value, end, quoted: false } : undefined;
  }
  let value = '';
  for (let i = from + 1; i < text.length; i++) {
    if (text[i] !== '"') value += text[i];
    else if (text[i + 1] === '"') value += text[++i];
    else return value.length > 0 ? { value, end: i + 1, quoted: true } : undefined;
  }
  return undefined;
}

/** `a`, `a.b`, `"a"."b"`...: the parts if `text` is one or two well-formed parts with a quoted one. */
function quotedParts(text: string): string[] | undefined {
  const parts: string[] = [];
  let quoted = false;
  for (let at = 0; ;) {
    const part = readPart(text, at);
    if (!part) return undefined;
    parts.push(part.value);
    quoted ||= part.quoted;
    if (part.end === text.length) break;
    if (text[part.end] !== '.') return undefined;
    at = part.end + 1;
  }
  return quoted && parts.length <= 2 ? parts : undefined;
}

/**
 * Reads a table name as written in a task: `table`, `schema.table`, or with quoted parts
 * (`"My.Table"`, `public."a""b"`). Unquoted parts are taken exactly as written, without
 * PostgreSQL's lower-casing, because listTables returns names raw (`Mixed.Case`) and a user
 * picks from that list. A raw name with dots splits at the first dot (`a.b.c` is schema `a`,
 * table `b.c`); see `tableNameCandidates` for reading an existing table.
 */
export function parseQualifiedName(text: string, defaultSchema: string): QualifiedName {
  const parts = quotedParts(text);
  if (parts) {
    return parts.length === 2 ? { schema: parts[0]!, name: parts[1]! } : { schema: defaultSchema, name: parts[0]! };
  }
  const dot = text.indexOf('.');
  if (dot > 0 && dot < text.length - 1) return { schema: text.slice(0, dot), name: text.slice(dot + 1) };
  return { schema: defaultSchema, name: text };
}

/**
 * The tables an existing-table name may mean, most likely first: a raw name with a dot is
 * first a table of that exact name in the default schema (listTables returns `Mixed.Case` for
 * the table "Mixed.Case"), then the schema-qualified reading. Quoted names mean one table.
 */
export function tableNameCandidates(text: string, defaultSchema: string): QualifiedName[] {
  const parsed = parseQualifiedName(text, defaultSchema);
  const rawWithDot = !quotedParts(text) && parsed.name !== text;
  return rawWithDot ? [{ schema: defaultSchema, name: text }, parsed] : [parsed];
}
