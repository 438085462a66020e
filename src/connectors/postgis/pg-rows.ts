import { UserError } from '../../errors/errors.ts';
import { abortable } from '../../lib/abortable.ts';
import { quoteIdent, quoteQualified } from '../../lib/sql-identifiers.ts';
import { GeometryValue, type PgSession, type SourceValue } from '../database.ts';
import { type CatalogScope, resolveTable } from './pg-catalog.ts';

/** Rows per FETCH: small enough to bound memory, large enough that round trips do not dominate. */
export const fetchSize = 5000;

/** Runs `fn` on one connection held until it settles (PostgresDatabase.withSession). */
export type SessionRunner = <T>(fn: (session: PgSession) => Promise<T>, signal: AbortSignal) => Promise<T>;

type Row = Record<string, unknown>;

/** How one column is selected and turned into a SourceValue. */
interface ColumnReader {
  select: string;
  /** The output columns `select` names. */
  keys: string[];
  read(row: Row): SourceValue;
}

const asBuffer = (value: unknown): Buffer =>
  Buffer.isBuffer(value)
    ? value
    : Buffer.from((value as Uint8Array).buffer, (value as Uint8Array).byteOffset, (value as Uint8Array).byteLength);

/** Types both drivers (pg, PGlite) return as the same JS value; everything else is read as text. */
const nativeTypes = new Set(['bool', 'int2', 'int4', 'float4', 'float8']);

/**
 * Geometries as ISO WKB plus SRID (GeometryValue); int8 as bigint; bytea as Buffer; other
 * types as PostgreSQL's text output (numeric keeps its digits, timestamps their microseconds,
 * json its text), which is what COPY reads back. Text output depends on session settings, so
 * the read transaction pins DateStyle and friends.
 */
function readerFor(column: string, type: string, index: number): ColumnReader {
  const q = quoteIdent(column);
  const key = `c${index}`;
  if (type === 'geometry' || type === 'geography') {
    const g = type === 'geometry' ? q : `${q}::geometry`;
    return {
      select: `ST_AsBinary(${g}) AS ${key}, ST_SRID(${g}) AS ${key}_srid`,
      keys: [key, `${key}_srid`],
      read: (row) => (row[key] == null ? null : new GeometryValue(asBuffer(row[key]), Number(row[`${key}_srid`]))),
    };
  }
  if (type === 'bytea') {
    return { select: `${q} AS ${key}`, keys: [key], read: (row) => (row[key] == null ? null : asBuffer(row[key])) };
  }
  if (type === 'int8') {
    return {
      select: `${q}::text AS ${key}`,
      keys: [key],
      read: (row) => (row[key] == null ? null : BigInt(row[key] as string)),
    };
  }
  if (nativeTypes.has(type)) return { select: `${q} AS ${key}`, keys: [key], read: (row) => row[key] as SourceValue };
  return { select: `${q}::text AS ${key}`, keys: [key], read: (row) => row[key] as string | null };
}

/** The readers of `columns`, by their base type (a domain reads as what it is based on). */
async function readersOf(
  session: PgSession,
  oid: number,
  table: string,
  columns: readonly string[],
): Promise<ColumnReader[]> {
  const { rows } = await session.query<{ name: string; type: string }>(
    `SELECT a.attname AS name, coalesce(base.typname, t.typname)::text AS type
       FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
       LEFT JOIN pg_type base ON t.typtype = 'd' AND base.oid = t.typbasetype
      WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped AND a.attname = ANY($2)`,
    [oid, [...columns]],
  );
  const types = new Map(rows.map((row) => [row.name, row.type]));
  return columns.map((column, index) => {
    const type = types.get(column);
    if (type === undefined) {
      throw new UserError('column_not_found', `Column '${column}' does not exist in '${table}'`, {
        details: [{ field: 'columns', message: `${column} does not exist` }],
      });
    }
    return readerFor(column, type, index);
  });
}

/** Session settings the text output of dates, intervals and floats depends on. */
const stableTextOutput = [
  "SET LOCAL DateStyle = 'ISO, YMD'",
  "SET LOCAL IntervalStyle = 'postgres'",
  'SET LOCAL extra_float_digits = 3',
  "SET LOCAL TimeZone = 'UTC'",
];

/**
 * Streams a table's rows through a server-side cursor in a read-only transaction, one FETCH
 * per batch the consumer asks for. The session is held until the consumer finishes, stops
 * (break) or `signal` aborts; it is rolled back before it is handed back.
 */
export async function* readRowsWithCursor(
  runInSession: SessionRunner,
  text: string,
  columns: readonly string[],
  scope: CatalogScope,
  signal: AbortSignal,
): AsyncGenerator<SourceValue[]> {
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  let open!: (session: PgSession) => void;
  const opened = new Promise<PgSession>((resolve) => (open = resolve));
  const held = runInSession(async (session) => {
    open(session);
    await finished;
  }, signal);
  let raw: PgSession | undefined;
  try {
    // `held` settles only after `finished`, unless withSession fails (no connection, abort).
    raw = await abortable(Promise.race([opened, held as Promise<never>]), signal);
    yield* fetchAll(raw, text, columns, scope, signal);
  } finally {
    // Hand the connection back outside any transaction (it is shared on the embedded store);
    // ROLLBACK outside a transaction is only a warning. An aborted consumer does not wait.
    const rollback = raw ? raw.query('ROLLBACK').catch(() => undefined) : Promise.resolve();
    const released = rollback.finally(finish).then(() => held.catch(() => undefined));
    if (!signal.aborted) await released;
  }
}

async function* fetchAll(
  raw: PgSession,
  text: string,
  columns: readonly string[],
  scope: CatalogScope,
  signal: AbortSignal,
): AsyncGenerator<SourceValue[]> {
  // Every statement stops being waited for when the signal aborts (PGlite cannot cancel one).
  const session: PgSession = { query: (sql, params) => abortable(raw.query(sql, params), signal) };
  const table = await resolveTable(session, text, scope);
  const readers = await readersOf(session, table.oid, text, columns);
  await session.query('BEGIN READ ONLY');
  for (const setting of stableTextOutput) await session.query(setting);
  const select = readers.map((reader) => reader.select).join(', ');
  await session.query(`DECLARE geosync_rows NO SCROLL CURSOR FOR SELECT ${select} FROM ${quoteQualified(table)}`);
  for (;;) {
    const { rows } = await session.query(`FETCH ${fetchSize} FROM geosync_rows`);
    if (rows.length === 0) return;
    for (const row of rows) {
      signal.throwIfAborted(); // a batch in memory is no reason to go on
      yield readers.map((reader) => reader.read(row));
    }
  }
}

/**
 * Streams rows in pages, each its own statement, holding no session between them: for the
 * embedded store, whose one PGlite session would stay blocked for every other caller during a
 * cursor's transaction. Tables and materialized views page by physical row position (ctid, a
 * range scan), other relations by every selected value (identical rows are interchangeable),
 * with OFFSET. Pages are separate snapshots: rows written to the table meanwhile may be missed
 * or seen. No transaction settings either, so text output follows the store's (ISO) defaults.
 */
export async function* readRowsInPages(
  runInSession: SessionRunner,
  text: string,
  columns: readonly string[],
  scope: CatalogScope,
  signal: AbortSignal,
): AsyncGenerator<SourceValue[]> {
  const { table, readers } = await runInSession(async (session) => {
    const resolved = await resolveTable(session, text, scope);
    return { table: resolved, readers: await readersOf(session, resolved.oid, text, columns) };
  }, signal);
  const select = readers.map((reader) => reader.select).join(', ');
  const byPosition = table.kind === 'r' || table.kind === 'm';
  const sql = byPosition
    ? `SELECT ctid::text AS geosync_ctid, ${select} FROM ${quoteQualified(table)}
        WHERE ctid > $1::tid ORDER BY ctid LIMIT ${fetchSize}`
    : `SELECT ${select} FROM ${quoteQualified(table)}
        ORDER BY ${readers.flatMap((reader) => reader.keys).join(', ')} OFFSET $1 LIMIT ${fetchSize}`;
  let after: string | number = byPosition ? '(0,0)' : 0;
  for (;;) {
    const { rows } = await runInSession((session) => session.query<Row>(sql, [after]), signal);
    for (const row of rows) {
      signal.throwIfAborted();
      yield readers.map((reader) => reader.read(row));
    }
    if (rows.length < fetchSize) return;
    after = byPosition ? (rows.at(-1)!.geosync_ctid as string) : (after as number) + rows.length;
  }
}
