import { UnexpectedError } from '../../errors/errors.ts';
import { abortable } from '../../lib/abortable.ts';
import type { QualifiedName } from '../../lib/sql-identifiers.ts';
import type { Connector, ConnectorType, EmbeddedDatabase, TestResult } from '../connector.ts';
import type { PgSession, PostgresDatabase, SourceValue, TableDescription } from '../database.ts';
import { type CatalogScope, describeTable, isHidden, listTables } from '../postgis/pg-catalog.ts';
import { readRowsInPages } from '../postgis/pg-rows.ts';
import { postgisVersionOf } from '../postgis/postgis-check.ts';
import type { EmbeddedTableSource } from '../publisher.ts';
import { abortedResult, errorMessage } from '../test-results.ts';
import { type EmbeddedPostgisConfig, embeddedPostgisConfigSchema } from './embedded-postgis.config.ts';
import { storeSchemaPrefix, storeTables } from './store-tables.ts';

/** True for "function postgis_full_version() does not exist", from PGlite or PostgreSQL. */
function isMissingPostgis(error: unknown): boolean {
  const e = error as { code?: string; sqlState?: string } | undefined;
  return (
    e?.code === '42883' || e?.sqlState === '42883' || /postgis_full_version.*does not exist/.test(errorMessage(error))
  );
}

async function probe(db: EmbeddedDatabase): Promise<TestResult> {
  const { rows } = await db.query('SHOW server_version');
  const serverVersion = String((rows[0]?.server_version as string | undefined) ?? 'unknown');
  let full: string;
  try {
    full = String((await db.query('SELECT postgis_full_version() AS v')).rows[0]?.v);
  } catch (error) {
    if (!isMissingPostgis(error)) throw error;
    return {
      ok: false,
      message: 'PostGIS is not enabled in the embedded store (setting store.postgis)',
      details: { serverVersion },
    };
  }
  const postgisVersion = postgisVersionOf(full);
  return {
    ok: true,
    message: `Embedded store: PostgreSQL ${serverVersion.split(' ')[0]} with PostGIS ${postgisVersion}`,
    details: { serverVersion, postgisVersion },
  };
}

/**
 * The built-in `local` database: geosync's own store, shared, so close() leaves it open. Its
 * tables live in `public` next to geosync's own, which listTables hides.
 */
class EmbeddedPostgisConnector implements Connector, PostgresDatabase {
  readonly dialect = 'postgresql';
  readonly schema = 'public';
  private readonly scope: CatalogScope = {
    schema: this.schema,
    hidden: { schema: this.schema, tables: storeTables(), schemaPrefix: storeSchemaPrefix },
  };

  constructor(private readonly db: EmbeddedDatabase) {}

  /** A statement on the store cannot be cancelled: aborting stops waiting (lib/abortable.ts). */
  withSession<T>(fn: (session: PgSession) => Promise<T>, signal: AbortSignal): Promise<T> {
    return abortable(this.db.withSession(fn), signal);
  }

  /** Only the built-in publisher can reach geosync's store: it serves its tables by name. */
  layerSource(table: { schema: string; table: string }): EmbeddedTableSource {
    return { kind: 'embedded', schema: table.schema, table: table.table };
  }

  /** geosync's own store tables and schemas: tasks neither create, replace nor read them. */
  isReserved(name: QualifiedName): boolean {
    return isHidden(name, this.scope);
  }

  listTables(signal: AbortSignal): Promise<string[]> {
    return this.withSession((session) => listTables(session, this.scope), signal);
  }

  describeTable(name: string, signal: AbortSignal): Promise<TableDescription> {
    return this.withSession((session) => describeTable(session, name, this.scope), signal);
  }

  readRows(name: string, columns: readonly string[], signal: AbortSignal): AsyncIterable<SourceValue[]> {
    return readRowsInPages((fn, s) => this.withSession(fn, s), name, columns, this.scope, signal);
  }

  async test(signal: AbortSignal): Promise<TestResult> {
    if (signal.aborted) return abortedResult(signal);
    try {
      // A query on the embedded store cannot be cancelled: stop waiting instead.
      return await abortable(probe(this.db), signal);
    } catch (error) {
      if (signal.aborted) return abortedResult(signal);
      return { ok: false, message: `The embedded store did not answer: ${errorMessage(error)}` };
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** geosync's own store used as a work database (PGlite + PostGIS by default). */
export const embeddedPostgisConnectorType: ConnectorType<EmbeddedPostgisConfig> = {
  type: 'embedded-postgis',
  kind: 'database',
  title: 'Embedded PostGIS',
  description: "geosync's own embedded database with PostGIS: the built-in `local` database.",
  config: embeddedPostgisConfigSchema,
  secretFields: [],
  testable: true,
  userCreatable: false,
  create(_config, deps) {
    if (!deps.embeddedDatabase) {
      throw new UnexpectedError('embedded_database_missing', 'The embedded database was not handed to the connector');
    }
    return new EmbeddedPostgisConnector(deps.embeddedDatabase);
  },
};
