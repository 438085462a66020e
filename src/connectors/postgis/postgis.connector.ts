import type pg from 'pg';

import type { Connector, ConnectorType, TestResult } from '../connector.ts';
import type { LibpqParams, PgSession, PostgresDatabase, SourceValue, TableDescription } from '../database.ts';
import type { PostgisSource } from '../publisher.ts';
import { abortedResult } from '../test-results.ts';
import { type CatalogScope, describeRelation, listTables, resolveTable } from './pg-catalog.ts';
import { readRowsWithCursor } from './pg-rows.ts';
import { checkPostgis, describePgError } from './postgis-check.ts';
import { connectClient, destroyClient } from './postgis-client.ts';
import { PostgisSessions } from './postgis-sessions.ts';
import { type PostgisConfig, postgisConfigSchema } from './postgis.config.ts';
import { withRawGeometry } from './raw-geometry.ts';

export { createPool } from './postgis-client.ts';

const endQuietly = (client: pg.Client): Promise<void> => client.end().catch(() => undefined);

/**
 * One PostGIS connection: test() opens a client of its own; the data capabilities share a pool
 * opened on first use and ended by close().
 */
class PostgisConnector implements Connector, PostgresDatabase {
  readonly dialect = 'postgresql';
  readonly schema: string;
  private readonly scope: CatalogScope;
  /** Aborted by close(), so a test() still running lets go of its socket. */
  private readonly closing = new AbortController();
  private readonly sessions: PostgisSessions;

  constructor(private readonly config: PostgisConfig) {
    this.schema = config.schema;
    this.scope = { schema: config.schema };
    this.sessions = new PostgisSessions(config);
  }

  withSession<T>(fn: (session: PgSession) => Promise<T>, signal: AbortSignal): Promise<T> {
    return this.sessions.run(fn, signal);
  }

  layerSource(table: { schema: string; table: string }, mapServer: string): PostgisSource {
    const seen = this.config.publishAs?.[mapServer] ?? {};
    return {
      kind: 'postgis',
      host: seen.host ?? this.config.host,
      port: seen.port ?? this.config.port,
      database: seen.database ?? this.config.database,
      user: this.config.user,
      ...(this.config.password !== undefined && { password: this.config.password }),
      schema: table.schema,
      table: table.table,
    };
  }

  libpqParams(): LibpqParams {
    const { host, port, database, user, password, sslMode, sslRootCert } = this.config;
    return {
      host,
      port,
      database,
      user,
      sslMode,
      ...(password !== undefined && { password }),
      ...(sslRootCert !== undefined && { sslRootCert }),
    };
  }

  listTables(signal: AbortSignal): Promise<string[]> {
    return this.withSession((session) => listTables(session, this.scope), signal);
  }

  describeTable(name: string, signal: AbortSignal): Promise<TableDescription> {
    return this.withSession(async (session) => {
      const table = await resolveTable(session, name, this.scope);
      const description = await describeRelation(session, table, this.schema);
      const raw = this.config.rawGeometryTable;
      if (!raw) return description;
      return withRawGeometry(session, raw, description, `${table.schema}.${table.name}`, this.schema);
    }, signal);
  }

  readRows(name: string, columns: readonly string[], signal: AbortSignal): AsyncIterable<SourceValue[]> {
    return readRowsWithCursor((fn, s) => this.withSession(fn, s), name, columns, this.scope, signal);
  }

  async test(outer: AbortSignal): Promise<TestResult> {
    const signal = AbortSignal.any([outer, this.closing.signal]);
    if (signal.aborted) return abortedResult(signal);
    let client: pg.Client | undefined;
    const stop = () => client && destroyClient(client);
    try {
      ({ client } = await connectClient(this.config, signal));
      signal.addEventListener('abort', stop, { once: true });
      return await checkPostgis(client, this.config);
    } catch (error) {
      if (signal.aborted) return abortedResult(signal);
      return { ok: false, message: describePgError(error, this.config) };
    } finally {
      signal.removeEventListener('abort', stop);
      if (client) await endQuietly(client);
    }
  }

  close(): Promise<void> {
    this.closing.abort();
    return this.sessions.close();
  }
}

/** PostgreSQL with PostGIS: the main database geosync reads from and publishes. */
export const postgisConnectorType: ConnectorType<PostgisConfig> = {
  type: 'postgis',
  kind: 'database',
  title: 'PostGIS',
  description: 'A PostgreSQL database with the PostGIS extension.',
  config: postgisConfigSchema,
  secretFields: ['password'],
  testable: true,
  userCreatable: true,
  create: (config) => new PostgisConnector(config),
};
