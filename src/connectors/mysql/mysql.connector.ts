import { isGeosyncError } from '../../errors/errors.ts';
import type { Connector, ConnectorType, TestResult } from '../connector.ts';
import { applyRawGeometry, type DatabaseSource, type SourceValue, type TableDescription } from '../database.ts';
import { abortedResult } from '../test-results.ts';
import { describeMysqlError, openMysql, toDatabaseError, withMysql } from './mysql-connection.ts';
import { describeMysqlTable, listMysqlTables, readMysqlColumns } from './mysql-describe.ts';
import { readRawGeometryRows } from './mysql-raw-geometry.ts';
import { streamMysqlRows } from './mysql-rows.ts';
import { type MysqlConfig, mysqlConfigSchema } from './mysql.config.ts';

/**
 * A MySQL or MariaDB database as a source. Opens a connection per call (and one per row stream)
 * and keeps nothing open in between: copies are rare and long, so a pool would mostly idle.
 * Table names are those of the configured database, exactly as listTables returns them (dots,
 * quotes and case included); other databases are not reachable through it.
 */
class MysqlConnector implements Connector, DatabaseSource {
  readonly dialect = 'mysql' as const;
  /** Aborted by close(), so work still running lets go of its connection. */
  private readonly closing = new AbortController();

  constructor(private readonly config: MysqlConfig) {}

  async test(outer: AbortSignal): Promise<TestResult> {
    const signal = AbortSignal.any([outer, this.closing.signal]);
    if (signal.aborted) return abortedResult(signal);
    try {
      return await withMysql(this.config, signal, async (session) => {
        const tables = await listMysqlTables(session, this.config.database);
        const { version, mariadb } = session.flavor;
        return {
          ok: true,
          message: `Logged in to ${mariadb ? 'MariaDB' : 'MySQL'} ${version.split('-')[0]} as '${this.config.user}'; database '${this.config.database}' has ${tables.length} tables and views`,
          details: { version, tables: tables.length },
        };
      });
    } catch (error) {
      if (signal.aborted) return abortedResult(signal);
      return { ok: false, message: isGeosyncError(error) ? error.message : describeMysqlError(error, this.config) };
    }
  }

  listTables(outer: AbortSignal): Promise<string[]> {
    const signal = AbortSignal.any([outer, this.closing.signal]);
    return withMysql(this.config, signal, (session) => listMysqlTables(session, this.config.database));
  }

  describeTable(name: string, outer: AbortSignal): Promise<TableDescription> {
    const signal = AbortSignal.any([outer, this.closing.signal]);
    return withMysql(this.config, signal, async (session) => {
      const description = await describeMysqlTable(session, this.config.database, name);
      const raw = this.config.rawGeometryTable;
      if (!raw) return description;
      return applyRawGeometry(description, raw.encoding, await readRawGeometryRows(session, raw, name));
    });
  }

  async *readRows(name: string, columns: readonly string[], outer: AbortSignal): AsyncIterable<SourceValue[]> {
    const signal = AbortSignal.any([outer, this.closing.signal]);
    const session = await openMysql(this.config, signal);
    try {
      const table = await readMysqlColumns(session, this.config.database, name);
      yield* streamMysqlRows(session, this.config.database, { ...table, name }, columns, signal);
    } catch (error) {
      session.destroy();
      throw signal.aborted ? signal.reason : toDatabaseError(error, this.config);
    }
  }

  close(): Promise<void> {
    this.closing.abort();
    return Promise.resolve();
  }
}

/** MySQL / MariaDB as a source database: CopyTable reads its tables into PostGIS. */
export const mysqlConnectorType: ConnectorType<MysqlConfig> = {
  type: 'mysql',
  kind: 'database',
  title: 'MySQL / MariaDB',
  description: 'A MySQL or MariaDB database, as a source of data.',
  config: mysqlConfigSchema,
  secretFields: ['password'],
  testable: true,
  userCreatable: true,
  create: (config) => new MysqlConnector(config),
};
