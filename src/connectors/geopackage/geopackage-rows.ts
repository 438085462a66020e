import { setImmediate as nextTurn } from 'node:timers/promises';

import type { Database, SqlValue } from 'sql.js';

import { UserError } from '../../errors/errors.ts';
import { GeometryValue, type SourceValue } from '../database.ts';
import { quoteSqliteIdent } from './geopackage-file.ts';
import { columnsOf, findGeopackageTable, geometryColumnOf, srsMapping } from './geopackage-describe.ts';
import { pgTypeOfDeclared } from './geopackage-types.ts';
import { parseGpkgGeometry } from './gpkg-geometry.ts';

type Reader = 'plain' | 'boolean' | 'geometry';

/** sql.js's `get` takes a config the published typings do not know: integers as BigInt. */
type GetWithConfig = (params: null, config: { useBigInt: boolean }) => Array<SqlValue | bigint>;

/** SQLite integers are 64-bit: exact as bigint, plain numbers while they are safe. */
function plainValue(value: SqlValue | bigint): SourceValue {
  if (typeof value === 'bigint') {
    return value >= Number.MIN_SAFE_INTEGER && value <= Number.MAX_SAFE_INTEGER ? Number(value) : value;
  }
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return value;
}

/** Rows between two turns of the event loop: steps are synchronous, an abort must get a chance. */
const ROWS_PER_TURN = 500;

/**
 * Iterates `SELECT columns FROM table` with a prepared statement, one row at a time: the file is
 * in memory already, but the rows are not copied into a second, JavaScript, one.
 */
export async function* streamGeopackageRows(
  db: Database,
  name: string,
  columns: readonly string[],
  signal: AbortSignal,
): AsyncGenerator<SourceValue[]> {
  const table = findGeopackageTable(db, name);
  const srids = srsMapping(db);
  const geometry = geometryColumnOf(db, table.name, srids);
  const known = new Map(columnsOf(db, table.name).map((c) => [c.name.toLowerCase(), c]));
  const readers: Reader[] = columns.map((column) => {
    const found = known.get(column.toLowerCase());
    if (!found) {
      throw new UserError('column_not_found', `Table '${name}' has no column '${column}'`, {
        details: [{ field: 'columns', message: `'${column}' does not exist` }],
      });
    }
    if (geometry?.column.toLowerCase() === column.toLowerCase()) return 'geometry';
    return pgTypeOfDeclared(found.type) === 'boolean' ? 'boolean' : 'plain';
  });
  const sql = `SELECT ${columns.map(quoteSqliteIdent).join(', ')} FROM ${quoteSqliteIdent(table.name)}`;
  const statement = db.prepare(sql);
  const get = (statement.get as unknown as GetWithConfig).bind(statement);
  try {
    for (let n = 1; ; n++) {
      if (signal.aborted) throw signal.reason;
      if (!statement.step()) return;
      const values = get(null, { useBigInt: true });
      yield readers.map((reader, i) => {
        const value = values[i] ?? null;
        if (value === null) return null;
        if (reader === 'boolean') return Number(value) !== 0;
        if (reader !== 'geometry') return plainValue(value);
        const parsed = parseGpkgGeometry(value as Uint8Array);
        return new GeometryValue(parsed.wkb, parsed.srsId > 0 ? (srids.get(parsed.srsId) ?? parsed.srsId) : 0);
      });
      if (n % ROWS_PER_TURN === 0) await nextTurn();
    }
  } finally {
    statement.free();
  }
}
