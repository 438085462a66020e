import type { z } from 'zod';

import type { ConnectionKind, ConnectionTestResult } from '../contracts/connections.dto.ts';
import type { PgSession } from './database.ts';
import type { PublisherCapabilities } from './publisher.ts';

/** One thing a map server may or may not do: `security`, `cache`, `appSchema`, `raster`. */
export type PublisherCapability = keyof PublisherCapabilities;

/**
 * A connector type: one kind of outside system geosync can reach (PostGIS, a local folder, S3,
 * GeoServer...). Each lives in its own folder under connectors/ with the same file set and is
 * listed in connectors/builtin.ts. Connectors depend on errors/ and lib/ only.
 */
export interface ConnectorType<C extends Record<string, unknown> = Record<string, unknown>> {
  /** Registry key and wire value, e.g. `postgis`, `local-files`. */
  readonly type: string;
  readonly kind: ConnectionKind;
  readonly title: string;
  readonly description: string;
  /** The full settings, secret fields included; validated on create and update. */
  readonly config: z.ZodType<C>;
  /** Top-level config fields stored sealed and never returned by the API. */
  readonly secretFields: readonly string[];
  /** false: the model exists but geosync cannot use this type yet. */
  readonly testable: boolean;
  /** false: only geosync itself creates connections of this type (the built-in `local` ones). */
  readonly userCreatable: boolean;
  /**
   * Map-server types: what a connection with these settings can do, without opening it (checked
   * when a configuration is validated). Must equal the `publisherCapabilities` of the connector
   * `create` makes from them. Secret fields may be absent from `config`.
   */
  publisherCapabilities?(config: C): PublisherCapabilities;
  /** Opens a connector; it must not touch the network until used. */
  create(config: C, deps: ConnectorDeps): Connector;
}

/** What geosync hands every connector. */
export interface ConnectorDeps {
  /** The embedded database (geosync's own store), for the built-in `local` database connection. */
  embeddedDatabase?: EmbeddedDatabase;
  /** Absolute data folder; relative local paths resolve against it. */
  dataDir: string;
}

export interface EmbeddedDatabase {
  query(sql: string, params?: readonly unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  /** Runs `fn` on one connection of the store (for a transaction); no COPY streams there. */
  withSession<T>(fn: (session: PgSession) => Promise<T>): Promise<T>;
}

export type TestResult = Omit<ConnectionTestResult, 'durationMs'>;

export interface Connector {
  /** Checks the connection is usable (reach, log in, see what is needed), within `signal`. */
  test(signal: AbortSignal): Promise<TestResult>;
  close(): Promise<void>;
}
