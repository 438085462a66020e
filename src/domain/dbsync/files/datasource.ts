/**
 * The connection string of a QGIS `postgres` layer (QgsDataSourceUri's text form): libpq-style
 * `key=value` pairs, values bare or single-quoted with backslash escapes, then
 * `table="schema"."name" (geom)` and `sql=` taking the rest. Only this one string is tokenized;
 * the project around it is read with the XML parser.
 */

/** The central database, as projects made at the central point at it. */
export interface CentralDatabase {
  host: string;
  port: number;
  dbname: string;
  /** A pg_service name projects may use instead of host/port/dbname; `service=` matches only it. */
  service?: string;
}

/** Where the clone's copy of the data is: projects copied to the clone are pointed there. */
export interface CloneDatabase {
  host: string;
  port: number;
  dbname: string;
  user?: string;
  /** When given, projects get `service='…'` instead of host, port, database and user. */
  service?: string;
}

interface Segment {
  key: string;
  /** The decoded value (for `table`, the first identifier; for `sql`, the clause). */
  value: string;
  /** The segment exactly as written, kept verbatim when it is not a connection key. */
  raw: string;
}

/** Keys that say which server, database and login: replaced as a whole, never kept in part. */
const CONNECTION_KEYS = new Set(['dbname', 'service', 'host', 'hostaddr', 'port', 'user', 'username', 'password']);

const isBlank = (c: string | undefined) => c !== undefined && /\s/.test(c);

/** Reads a value at `i` (QgsDataSourceUri::getValue): quoted with `'` or `"`, or bare up to a blank. */
function readValue(text: string, start: number): { value: string; end: number } {
  let i = start;
  let value = '';
  const quote = text[i];
  if (quote === "'" || quote === '"') {
    i++;
    while (i < text.length && text[i] !== quote) {
      if (text[i] === '\\' && (text[i + 1] === quote || text[i + 1] === '\\')) i++;
      value += text[i++];
    }
    return { value, end: Math.min(i + 1, text.length) };
  }
  while (i < text.length && !isBlank(text[i])) {
    if (text[i] === '\\' && (text[i + 1] === '\\' || text[i + 1] === "'")) i++;
    value += text[i++];
  }
  return { value, end: i };
}

/** After `table=`'s first identifier: an optional `.name` and an optional ` (geometry)`. */
function tableEnd(text: string, afterFirst: number): number {
  let i = afterFirst;
  if (text[i] === '.') i = readValue(text, i + 1).end;
  let j = i;
  while (isBlank(text[j])) j++;
  if (text[j] !== '(') return i;
  j++;
  while (j < text.length && text[j] !== ')') j += text[j] === '\\' ? 2 : 1;
  return Math.min(j + 1, text.length);
}

export function parseDatasource(text: string): Segment[] {
  const segments: Segment[] = [];
  let i = 0;
  while (i < text.length) {
    while (isBlank(text[i])) i++;
    const start = i;
    while (i < text.length && text[i] !== '=' && !isBlank(text[i])) i++;
    const key = text.slice(start, i);
    let j = i;
    while (isBlank(text[j])) j++;
    if (text[j] !== '=') {
      // A word without `=`: not a parameter (QGIS skips it); kept as written.
      if (key) segments.push({ key: '', value: key, raw: key });
      if (i === start) i++;
      continue;
    }
    j++;
    while (isBlank(text[j])) j++;
    if (key === 'sql') {
      segments.push({ key, value: text.slice(j), raw: text.slice(start) });
      break;
    }
    const { value, end } = readValue(text, j);
    i = key === 'table' ? tableEnd(text, end) : end;
    segments.push({ key, value, raw: text.slice(start, i) });
  }
  return segments;
}

/** A value as libpq and QGIS read it back: quoted, with `\` and `'` escaped. */
export const quoteValue = (value: string): string => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** Host and port stay bare as QGIS writes them, unless they hold something that needs quotes. */
const bareOrQuoted = (value: string): string => (/^[^\s'"\\=]+$/.test(value) ? value : quoteValue(value));

function valueOf(segments: Segment[], ...keys: string[]): string | undefined {
  return segments.find((s) => keys.includes(s.key))?.value;
}

/** Whether the connection is the central's: same service, or same database and (when given) host and port. */
export function pointsAtCentral(segments: Segment[], central: CentralDatabase): boolean {
  const service = valueOf(segments, 'service');
  if (service !== undefined) return central.service !== undefined && service === central.service;
  if (valueOf(segments, 'dbname') !== central.dbname) return false;
  const host = valueOf(segments, 'host', 'hostaddr');
  if (host !== undefined && host.toLowerCase() !== central.host.toLowerCase()) return false;
  const port = valueOf(segments, 'port');
  return port === undefined || Number(port) === central.port;
}

function cloneConnection(clone: CloneDatabase): string {
  if (clone.service !== undefined) return `service=${quoteValue(clone.service)}`;
  const items = [`dbname=${quoteValue(clone.dbname)}`, `host=${bareOrQuoted(clone.host)}`, `port=${clone.port}`];
  if (clone.user !== undefined) items.push(`user=${quoteValue(clone.user)}`);
  return items.join(' ');
}

/**
 * The datasource pointed at the clone when it points at the central, else undefined. The central's
 * host, port, database, user and any password go; the clone's connection takes the place of the
 * first of them; every other key, the table and the SQL filter stay exactly as written.
 */
export function rewriteDatasource(text: string, central: CentralDatabase, clone: CloneDatabase): string | undefined {
  const segments = parseDatasource(text);
  if (!segments.some((s) => s.key === 'table') || !pointsAtCentral(segments, central)) return undefined;
  const parts: string[] = [];
  let placed = false;
  for (const segment of segments) {
    if (!CONNECTION_KEYS.has(segment.key)) {
      parts.push(segment.raw);
    } else if (!placed) {
      parts.push(cloneConnection(clone));
      placed = true;
    }
  }
  if (!placed) parts.unshift(cloneConnection(clone));
  return parts.join(' ');
}
