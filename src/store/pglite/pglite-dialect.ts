import {
  type CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type Driver,
  type Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';

import { UserError } from '../../errors/errors.ts';
import type { PgliteClient } from './pglite-client.ts';

class PgliteConnection implements DatabaseConnection {
  txId: number | undefined;

  constructor(private readonly client: PgliteClient) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.client.query(compiled.sql, compiled.parameters, this.txId);
    return { rows: result.rows as R[], numAffectedRows: BigInt(result.affectedRows) };
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new UserError('not_supported', 'Streaming queries are not supported on the embedded store');
  }
}

class PgliteDriver implements Driver {
  constructor(private readonly client: PgliteClient) {}

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return new PgliteConnection(this.client);
  }

  async beginTransaction(connection: DatabaseConnection, _settings: TransactionSettings): Promise<void> {
    (connection as PgliteConnection).txId = await this.client.begin();
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await this.finish(connection as PgliteConnection, true);
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await this.finish(connection as PgliteConnection, false);
  }

  private async finish(connection: PgliteConnection, commit: boolean): Promise<void> {
    const txId = connection.txId;
    connection.txId = undefined;
    if (txId !== undefined) await this.client.end(txId, commit);
  }

  async releaseConnection(): Promise<void> {}

  async destroy(): Promise<void> {
    await this.client.close();
  }
}

/** Kysely dialect for PGlite in a worker thread; transactions use PGlite's transaction API. */
export class PgliteDialect implements Dialect {
  constructor(private readonly client: PgliteClient) {}

  createAdapter() {
    return new PostgresAdapter();
  }

  createDriver(): Driver {
    return new PgliteDriver(this.client);
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }

  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
}
