import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import type { ColumnDescription, DatabaseSource, PgSession, PostgresDatabase } from '../../connectors/database.ts';
import { isPostgresSource } from '../../connectors/database.ts';
import { type QualifiedName, quoteIdent, quoteQualified } from '../../lib/sql-identifiers.ts';
import { copyTextRow, pgText } from '../sql/pg-text.ts';
import { inTransaction } from '../sql/transaction.ts';

export interface CopyRowsOptions {
  source: DatabaseSource;
  /** The source table as the source connector reads it (quoted where it is PostgreSQL). */
  sourceName: string;
  /** The same, schema-qualified, for PostgreSQL sources (the COPY query names it). */
  sourceQualified?: QualifiedName;
  columns: readonly ColumnDescription[];
  target: PostgresDatabase;
  /** The staged table, and the statement creating it: run in the load's own transaction. */
  table: QualifiedName;
  create: string;
  signal: AbortSignal;
  progress(rows: number, bytes: number): void;
}

export interface CopyResult {
  rows: number;
  bytes: number;
  method: 'binary COPY' | 'text COPY' | 'INSERT';
}

/** Rows per INSERT where the target cannot stream COPY (the embedded store); PostgreSQL allows 65535 parameters. */
const insertBatch = (columns: number) => Math.max(1, Math.min(1000, Math.floor(60_000 / Math.max(1, columns))));

/** The SELECT list for the source side of a binary COPY: raw geometry columns are converted there. */
function sourceSelectList(columns: readonly ColumnDescription[]): string {
  return columns
    .map((column) => {
      const name = quoteIdent(column.name);
      const raw = column.rawGeometry;
      if (!raw) return name;
      const srid = Math.trunc(raw.srid);
      const geometry =
        raw.encoding === 'WKT'
          ? `ST_GeomFromText(${name}, ${srid})`
          : raw.encoding === 'WKB'
            ? `ST_GeomFromWKB(${name}, ${srid})`
            : `ST_GeomFromWKB(decode(${name}, 'hex'), ${srid})`;
      return `${geometry} AS ${name}`;
    })
    .join(', ');
}

/**
 * Creates the staged table and loads it in one transaction, so a failed load leaves no table
 * behind. (COPY ... FREEZE, which this would allow, measured 10% slower here: not used.)
 */
function inLoadTransaction<T>(session: PgSession, create: string, load: () => Promise<T>): Promise<T> {
  return inTransaction(session, async () => {
    await session.query(create);
    return load();
  });
}

function byteMeter(onBytes: (bytes: number) => void): Transform {
  let bytes = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      onBytes(bytes);
      done(null, chunk);
    },
  });
}

/** PostgreSQL to PostgreSQL: the source's binary COPY output goes straight into the target's COPY. */
async function binaryCopy(options: CopyRowsOptions, source: PostgresDatabase): Promise<CopyResult | undefined> {
  const { columns, signal } = options;
  const list = columns.map((c) => quoteIdent(c.name)).join(', ');
  const query = `COPY (SELECT ${sourceSelectList(columns)} FROM ${quoteQualified(options.sourceQualified!)}) TO STDOUT (FORMAT binary)`;
  const into = `COPY ${quoteQualified(options.table)} (${list}) FROM STDIN (FORMAT binary)`;
  return source.withSession(async (from) => {
    const copyOut = from.copyOut?.bind(from);
    if (!copyOut) return undefined;
    return options.target.withSession(async (to) => {
      const copyIn = to.copyIn?.bind(to);
      if (!copyIn) return undefined;
      return inLoadTransaction(to, options.create, async () => {
        let bytes = 0;
        const sink = copyIn(into);
        await pipeline(
          copyOut(query),
          byteMeter((b) => {
            bytes = b;
            options.progress(0, b);
          }),
          sink,
          { signal },
        );
        const rows = Number((sink as { rowCount?: number }).rowCount ?? 0);
        return { rows, bytes, method: 'binary COPY' as const };
      });
    }, signal);
  }, signal);
}

/** Any source: rows stream from its cursor, encoded as COPY text, into the target's COPY. */
async function textCopy(options: CopyRowsOptions, to: PgSession): Promise<CopyResult> {
  const { columns, signal } = options;
  const list = columns.map((c) => quoteIdent(c.name)).join(', ');
  let rows = 0;
  let bytes = 0;
  const names = columns.map((c) => c.name);
  async function* lines() {
    for await (const row of options.source.readRows(options.sourceName, names, signal)) {
      const line = copyTextRow(row, columns);
      rows++;
      bytes += Buffer.byteLength(line);
      if (rows % 10_000 === 0) options.progress(rows, bytes);
      yield line;
    }
  }
  const into = `COPY ${quoteQualified(options.table)} (${list}) FROM STDIN`;
  await inLoadTransaction(to, options.create, () => pipeline(Readable.from(lines()), to.copyIn!(into), { signal }));
  return { rows, bytes, method: 'text COPY' };
}

/** Targets without COPY streams (the embedded store): multi-row INSERTs with text parameters. */
async function insertRows(options: CopyRowsOptions, to: PgSession): Promise<CopyResult> {
  const { columns, signal } = options;
  const list = columns.map((c) => quoteIdent(c.name)).join(', ');
  const perBatch = insertBatch(columns.length);
  let rows = 0;
  let bytes = 0;
  let batch: (string | null)[] = [];
  const flush = async () => {
    const count = batch.length / columns.length;
    if (count === 0) return;
    const tuples = Array.from(
      { length: count },
      (_, r) => `(${columns.map((_c, i) => `$${r * columns.length + i + 1}`).join(', ')})`,
    );
    await to.query(`INSERT INTO ${quoteQualified(options.table)} (${list}) VALUES ${tuples.join(', ')}`, batch);
    batch = [];
    options.progress(rows, bytes);
  };
  // No transaction around the load: on the embedded store a transaction holds its one session,
  // so the rest of geosync (and a source on the same store) would wait for the whole copy. A
  // failed load leaves a partial staged table, which the rollback drops (it is in the ledger).
  await to.query(options.create);
  for await (const row of options.source.readRows(
    options.sourceName,
    columns.map((c) => c.name),
    signal,
  )) {
    signal.throwIfAborted();
    row.forEach((value, i) => {
      const text = pgText(value, columns[i]);
      bytes += text === null ? 0 : Buffer.byteLength(text);
      batch.push(text);
    });
    rows++;
    if (rows % perBatch === 0) await flush();
  }
  await flush();
  return { rows, bytes, method: 'INSERT' };
}

/** Copies every row of the source into the staged table by the fastest way both ends allow. */
export async function copyRows(options: CopyRowsOptions): Promise<CopyResult> {
  if (isPostgresSource(options.source) && options.sourceQualified) {
    const done = await binaryCopy(options, options.source);
    if (done) return done;
  }
  return options.target.withSession(
    (to) => (to.copyIn ? textCopy(options, to) : insertRows(options, to)),
    options.signal,
  );
}
