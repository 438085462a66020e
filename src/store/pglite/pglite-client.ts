import { Worker } from 'node:worker_threads';

import { OperationalError } from '../../errors/errors.ts';

export interface PgliteOpenOptions {
  /** Folder of the database; undefined = in memory. */
  dataDir?: string;
  /** Load PostGIS (slower first start: CREATE EXTENSION takes a few seconds). */
  postgis: boolean;
}

export interface QueryResult {
  rows: Record<string, unknown>[];
  affectedRows: number;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/** Error raised inside the worker, with the PostgreSQL SQLSTATE when there is one. */
export class PgliteQueryError extends OperationalError {
  constructor(
    message: string,
    readonly sqlState: string | undefined,
    readonly detail: string | undefined,
  ) {
    super('store_query_failed', message);
  }
}

/** Talks to PGlite running in a worker thread (see pglite-worker.mjs). */
export class PgliteClient {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;
  private exited = false;

  private constructor() {
    this.worker = new Worker(new URL('./pglite-worker.mjs', import.meta.url));
    this.worker.on('message', (msg: { id: number; ok: boolean; result?: unknown; error?: Record<string, string> }) => {
      const waiter = this.pending.get(msg.id);
      if (!waiter) return;
      this.pending.delete(msg.id);
      if (msg.ok) waiter.resolve(msg.result);
      else {
        waiter.reject(new PgliteQueryError(msg.error?.message ?? 'query failed', msg.error?.code, msg.error?.detail));
      }
    });
    this.worker.on('error', (error) => this.failAll(error));
    this.worker.on('exit', () => {
      this.exited = true;
      this.failAll(new OperationalError('store_closed', 'The embedded store stopped'));
    });
  }

  static async open(options: PgliteOpenOptions): Promise<PgliteClient> {
    const client = new PgliteClient();
    try {
      await client.call('open', options);
    } catch (error) {
      await client.worker.terminate();
      throw error;
    }
    return client;
  }

  private failAll(error: Error): void {
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }

  private call<T>(op: string, args?: unknown): Promise<T> {
    if (this.closed) return Promise.reject(new OperationalError('store_closed', 'The embedded store is closed'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, op, args });
    });
  }

  /** The worker is running and the client open; queued work does not make it unready. */
  get alive(): boolean {
    return !this.closed && !this.exited;
  }

  query(sql: string, params: readonly unknown[], txId?: number): Promise<QueryResult> {
    return this.call('query', { sql, params, txId });
  }

  /**
   * Runs a script without parameters and returns the result of every statement (query() keeps
   * only the last), like node-postgres does for a multi-statement query. A script that opens its
   * own transaction (BEGIN ...; COMMIT) is rolled back before any other caller's statement runs if
   * it fails, so it cannot leave the one session in an aborted transaction. Used by the job queue
   * (pg-boss) adapter.
   */
  exec(sql: string): Promise<QueryResult[]> {
    return this.call('exec', { sql });
  }

  begin(): Promise<number> {
    return this.call('begin');
  }

  end(txId: number, commit: boolean): Promise<void> {
    return this.call('end', { txId, commit });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.call('close').catch(() => undefined);
    this.closed = true;
    await this.worker.terminate();
  }
}
