import { UserError } from '../../errors/errors.ts';
import { GeometryValue, type SourceValue } from '../database.ts';
import type { MysqlFlavor, MysqlSession } from './mysql-connection.ts';
import type { MysqlTableColumns } from './mysql-describe.ts';
import { quoteMysqlIdent } from './mysql-identifiers.ts';
import { isBooleanType, isSpatialType } from './mysql-types.ts';

/** How one selected column's values are turned into SourceValues. */
type Reader = { kind: 'plain' | 'boolean' | 'date' | 'instant' } | { kind: 'bit'; bits: number } | { kind: 'geometry' };

function readerFor(dataType: string, columnType: string, precision: number): Reader {
  const type = dataType.toLowerCase();
  if (isBooleanType({ dataType, columnType })) return { kind: 'boolean' };
  if (isSpatialType(type)) return { kind: 'geometry' };
  if (type === 'bit') return { kind: 'bit', bits: precision };
  if (type === 'timestamp') return { kind: 'instant' };
  if (type === 'date' || type === 'datetime') return { kind: 'date' };
  return { kind: 'plain' };
}

/**
 * The SELECT list: geometries as ISO WKB plus their SRID (two result columns). MySQL 8 writes
 * geographic SRSs (4326...) latitude first unless told otherwise; PostGIS wants longitude first.
 */
function selectList(columns: readonly string[], readers: readonly Reader[], flavor: MysqlFlavor): string {
  const wkbOptions = !flavor.mariadb && flavor.major >= 8 ? ", 'axis-order=long-lat'" : '';
  return columns
    .map((name, i) => {
      const q = quoteMysqlIdent(name);
      return readers[i]!.kind === 'geometry' ? `ST_AsWKB(${q}${wkbOptions}), ST_SRID(${q})` : q;
    })
    .join(', ');
}

/** MySQL accepts "zero" dates (`0000-00-00`, `2020-00-10`) that no other database does: null. */
const zeroDate = /^0000-|-00(?![0-9])/;

function convert(reader: Reader, value: unknown): SourceValue {
  if (value === null || value === undefined) return null;
  switch (reader.kind) {
    case 'boolean':
      // tinyint(1) arrives as a number, bit(1) as one byte; MySQL's truth: non-zero.
      return Buffer.isBuffer(value) ? value.some((b) => b !== 0) : Number(value) !== 0;
    case 'bit':
      return BigInt(`0x${(value as Buffer).toString('hex') || '0'}`)
        .toString(2)
        .padStart(reader.bits, '0');
    case 'date':
      return zeroDate.test(value as string) ? null : (value as string);
    case 'instant':
      // The session runs in UTC (openMysql), so the text is a UTC time: say so.
      return zeroDate.test(value as string) ? null : `${value as string}+00`;
    default:
      return value as SourceValue;
  }
}

/**
 * Streams `SELECT columns FROM table` on `session` (dedicated to this read): the driver pauses
 * the socket while the consumer is slow, so a big table never sits in memory. `session` is
 * destroyed when the signal aborts or the consumer stops early, ended when all rows were read.
 */
export async function* streamMysqlRows(
  session: MysqlSession,
  database: string,
  table: MysqlTableColumns & { name: string },
  columns: readonly string[],
  signal: AbortSignal,
): AsyncGenerator<SourceValue[]> {
  const byName = new Map(table.columns.map((c) => [c.name, c]));
  const readers = columns.map((name) => {
    const column = byName.get(name);
    if (!column) {
      throw new UserError('column_not_found', `Table '${table.name}' has no column '${name}'`, {
        details: [{ field: 'columns', message: `'${name}' does not exist` }],
      });
    }
    return readerFor(column.dataType, column.columnType, Number(column.precision ?? 1));
  });
  const sql = `SELECT ${selectList(columns, readers, session.flavor)} FROM ${quoteMysqlIdent(database)}.${quoteMysqlIdent(table.name)}`;
  const stream = session.raw.query({ sql, rowsAsArray: true }).stream({ highWaterMark: 500 });
  const abort = () => {
    session.destroy();
    stream.destroy(signal.reason as Error);
  };
  signal.addEventListener('abort', abort, { once: true });
  let finished = false;
  try {
    for await (const raw of stream as AsyncIterable<unknown[]>) {
      if (signal.aborted) throw signal.reason;
      const row: SourceValue[] = [];
      let at = 0;
      for (const reader of readers) {
        if (reader.kind === 'geometry') {
          const [wkb, srid] = [raw[at++], raw[at++]];
          row.push(wkb === null ? null : new GeometryValue(wkb as Buffer, Number(srid)));
        } else {
          row.push(convert(reader, raw[at++]));
        }
      }
      yield row;
    }
    finished = true;
  } catch (error) {
    throw signal.aborted ? signal.reason : error;
  } finally {
    signal.removeEventListener('abort', abort);
    // The rest of an unread result set would have to be drained first: drop the connection.
    if (finished) await session.end();
    else session.destroy();
  }
}
