/**
 * MySQL identifiers: names of databases, tables and columns cannot be query parameters, so they
 * are quoted here (and only here). Values always go as parameters.
 */

/** `` `name` `` with embedded backticks doubled. MySQL cannot name anything with NUL or nothing. */
export function quoteMysqlIdent(name: string): string {
  if (name.length === 0) throw new Error('A MySQL identifier cannot be empty');
  if (name.includes('\0')) throw new Error('A MySQL identifier cannot contain a NUL character');
  return `\`${name.replaceAll('`', '``')}\``;
}

export interface MysqlTableName {
  /** Undefined: the connection's database. */
  database?: string;
  table: string;
}

/** One part at `from`: `` `a``b` `` (quoted) or raw up to the next dot. */
function readPart(text: string, from: number): { value: string; end: number } | undefined {
  if (text[from] !== '`') {
    const dot = text.indexOf('.', from);
    const end = dot === -1 ? text.length : dot;
    const value = text.slice(from, end);
    return value.length > 0 && !value.includes('`') ? { value, end } : undefined;
  }
  let value = '';
  for (let i = from + 1; i < text.length; i++) {
    if (text[i] !== '`') value += text[i];
    else if (text[i + 1] === '`') value += text[++i];
    else return value.length > 0 ? { value, end: i + 1 } : undefined;
  }
  return undefined;
}

/**
 * Reads a name written in the settings (the raw geometry table): `table`, `database.table`, or
 * with backtick-quoted parts (`` `my.table` ``, `` db.`a``b` ``). A raw name splits at its first
 * dot. Anything malformed is taken whole, as one table name.
 */
export function parseMysqlTableName(text: string): MysqlTableName {
  const first = readPart(text, 0);
  if (!first) return { table: text };
  if (first.end === text.length) return { table: first.value };
  const second = text[first.end] === '.' ? readPart(text, first.end + 1) : undefined;
  if (!second || second.end !== text.length) return { table: text };
  return { database: first.value, table: second.value };
}
