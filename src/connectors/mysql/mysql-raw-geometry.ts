import { UserError } from '../../errors/errors.ts';
import type { RawGeometryTable } from '../database.ts';
import type { MysqlSession } from './mysql-connection.ts';
import { parseMysqlTableName, quoteMysqlIdent } from './mysql-identifiers.ts';

export interface RawGeometryRow {
  column: string;
  type: string;
  srid: number;
}

interface MetadataRow {
  columnName: unknown;
  geometryType: unknown;
  srid: unknown;
}

const invalid = (table: string, why: string) =>
  new UserError('raw_geometry_table_invalid', `Raw geometry table '${table}' cannot be used: ${why}`, {
    details: [{ field: 'config.rawGeometryTable', message: why }],
  });

/**
 * The raw geometry columns the metadata table lists for `tableName`. Its own name and column
 * names come from the settings, so they are quoted; the table name is a parameter.
 */
export async function readRawGeometryRows(
  session: MysqlSession,
  settings: RawGeometryTable,
  tableName: string,
): Promise<RawGeometryRow[]> {
  const { database, table } = parseMysqlTableName(settings.table);
  const from = database ? `${quoteMysqlIdent(database)}.${quoteMysqlIdent(table)}` : quoteMysqlIdent(table);
  let rows: MetadataRow[];
  try {
    rows = await session.query<MetadataRow>(
      `SELECT ${quoteMysqlIdent(settings.geometryColumn)} AS columnName,
              ${quoteMysqlIdent(settings.typeColumn)} AS geometryType,
              ${quoteMysqlIdent(settings.sridColumn)} AS srid
         FROM ${from}
        WHERE ${quoteMysqlIdent(settings.tableColumn)} = ?`,
      [tableName],
    );
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ER_NO_SUCH_TABLE') throw invalid(settings.table, 'it does not exist');
    if (code === 'ER_BAD_FIELD_ERROR') throw invalid(settings.table, (error as Error).message);
    throw error;
  }
  return rows.map((row) => {
    const srid = Number(row.srid);
    if (typeof row.columnName !== 'string' || typeof row.geometryType !== 'string' || !Number.isInteger(srid)) {
      throw invalid(settings.table, `its row for '${tableName}' needs a column name, a type and an integer SRID`);
    }
    return { column: row.columnName, type: row.geometryType, srid };
  });
}
