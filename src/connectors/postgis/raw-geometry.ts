import { UserError } from '../../errors/errors.ts';
import { parseQualifiedName, quoteIdent, quoteQualified } from '../../lib/sql-identifiers.ts';
import { applyRawGeometry, type PgSession, type RawGeometryTable, type TableDescription } from '../database.ts';

/** SQLSTATEs of a metadata table or column that is not there. */
const undefinedTable = '42P01';
const undefinedColumn = '42703';

/**
 * Marks the raw geometry columns the metadata table lists for `description`'s table. A row
 * matches by the table's name as listTables writes it or fully qualified, ignoring case
 * (metadata tables are often maintained by hand).
 */
export async function withRawGeometry(
  session: PgSession,
  settings: RawGeometryTable,
  description: TableDescription,
  qualifiedName: string,
  defaultSchema: string,
): Promise<TableDescription> {
  const metadata = quoteQualified(parseQualifiedName(settings.table, defaultSchema));
  const sql = `SELECT ${quoteIdent(settings.geometryColumn)}::text AS column,
                      ${quoteIdent(settings.typeColumn)}::text AS type,
                      ${quoteIdent(settings.sridColumn)}::int AS srid
                 FROM ${metadata}
                WHERE lower(${quoteIdent(settings.tableColumn)}::text) IN (lower($1), lower($2))`;
  try {
    const { rows } = await session.query<{ column: string; type: string; srid: number }>(sql, [
      description.name,
      qualifiedName,
    ]);
    return applyRawGeometry(description, settings.encoding, rows);
  } catch (error) {
    const code = (error as { code?: string } | undefined)?.code;
    if (code !== undefinedTable && code !== undefinedColumn) throw error;
    throw new UserError(
      'raw_geometry_table_invalid',
      `The raw geometry table '${settings.table}' cannot be read: ${(error as Error).message}`,
      { details: [{ field: 'config.rawGeometryTable', message: (error as Error).message }] },
    );
  }
}
