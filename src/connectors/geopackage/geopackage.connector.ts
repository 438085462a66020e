import type { Database } from 'sql.js';

import { isGeosyncError } from '../../errors/errors.ts';
import type { Connector, ConnectorType, TestResult } from '../connector.ts';
import type { DatabaseSource, SourceValue, TableDescription } from '../database.ts';
import { abortedResult, errorMessage } from '../test-results.ts';
import { describeGeopackageTable, listGeopackageTables } from './geopackage-describe.ts';
import { openGeopackage, queryAll } from './geopackage-file.ts';
import { streamGeopackageRows } from './geopackage-rows.ts';
import { type GeopackageConfig, geopackageConfigSchema } from './geopackage.config.ts';

/**
 * A GeoPackage file as a source database. The file is read into memory on first use and kept
 * until close(): a connector serves one task run, which sees the file as it was then. test()
 * always reads the file afresh.
 */
class GeopackageConnector implements Connector, DatabaseSource {
  readonly dialect = 'sqlite' as const;
  private opened: Promise<Database> | undefined;
  /** Aborted by close(), so a row stream still running stops at its next row. */
  private readonly closing = new AbortController();

  constructor(
    private readonly config: GeopackageConfig,
    private readonly dataDir: string,
  ) {}

  async test(outer: AbortSignal): Promise<TestResult> {
    const signal = AbortSignal.any([outer, this.closing.signal]);
    if (signal.aborted) return abortedResult(signal);
    try {
      const { db, sizeBytes } = await openGeopackage(this.config, this.dataDir, signal);
      try {
        const layers = queryAll<{ type: string; n: number }>(
          db,
          "SELECT data_type AS type, count(*) AS n FROM gpkg_contents WHERE data_type IN ('features', 'attributes') GROUP BY data_type",
        );
        const count = (type: string) => layers.find((l) => l.type === type)?.n ?? 0;
        return {
          ok: true,
          message: `GeoPackage '${this.config.path}' (${(sizeBytes / 1024 / 1024).toFixed(1)} MiB) has ${count('features')} feature and ${count('attributes')} attribute tables`,
          details: { sizeBytes, featureTables: count('features'), attributeTables: count('attributes') },
        };
      } finally {
        db.close();
      }
    } catch (error) {
      if (signal.aborted) return abortedResult(signal);
      return { ok: false, message: isGeosyncError(error) ? error.message : errorMessage(error) };
    }
  }

  private database(signal: AbortSignal): Promise<Database> {
    if (this.closing.signal.aborted) return Promise.reject(new Error('The GeoPackage connection is closed'));
    // A failed open is not kept: the file may be fixed before the next call.
    this.opened ??= openGeopackage(this.config, this.dataDir, signal).then(
      (open) => open.db,
      (error: unknown) => {
        this.opened = undefined;
        throw error;
      },
    );
    return this.opened;
  }

  async listTables(signal: AbortSignal): Promise<string[]> {
    return listGeopackageTables(await this.database(signal));
  }

  async describeTable(name: string, signal: AbortSignal): Promise<TableDescription> {
    return describeGeopackageTable(await this.database(signal), name);
  }

  async *readRows(name: string, columns: readonly string[], outer: AbortSignal): AsyncIterable<SourceValue[]> {
    const signal = AbortSignal.any([outer, this.closing.signal]);
    yield* streamGeopackageRows(await this.database(signal), name, columns, signal);
  }

  async close(): Promise<void> {
    this.closing.abort();
    const opened = this.opened;
    this.opened = undefined;
    const db = await opened?.catch(() => undefined);
    db?.close();
  }
}

/** A GeoPackage file as a source database: CopyTable reads its layers into PostGIS. */
export const geopackageConnectorType: ConnectorType<GeopackageConfig> = {
  type: 'geopackage',
  kind: 'database',
  title: 'GeoPackage',
  description:
    'A GeoPackage (.gpkg) file kept in a file service, as a source of data. The whole file is read into memory (up to maxSizeMiB).',
  config: geopackageConfigSchema,
  secretFields: [],
  testable: true,
  userCreatable: true,
  create: (config, deps) => new GeopackageConnector(config, deps.dataDir),
};
