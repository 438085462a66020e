import { randomBytes, randomUUID } from 'node:crypto';
import { rename } from 'node:fs/promises';

import type { LibpqParams, PgSession, PostgresDatabase } from '../../../connectors/database.ts';
import { OperationalError, UserError } from '../../../errors/errors.ts';
import { quoteIdent, quoteQualified } from '../../../lib/sql-identifiers.ts';
import { LATEST_STRUCTURE_VERSION, requireNode } from '../structures.ts';
import { DEFAULT_PG_BIN_DIR, dumpSchemaSection } from './dump.ts';
import {
  AFTER_SQL_ENTRY,
  dataEntry,
  geosyncVersion,
  MANIFEST_ENTRY,
  PACKAGE_FORMAT_VERSION,
  type PackageManifest,
  type PackageTable,
  POST_DATA_ENTRY,
  PRE_DATA_ENTRY,
  SCHEMA_MIGRATIONS_ENTRY,
  SEQUENCES_ENTRY,
  SYNCED_TABLES_ENTRY,
} from './manifest.ts';
import {
  extensionsInSchemas,
  extensionsUsed,
  listPackagedTables,
  sequenceStates,
  serverVersions,
} from './package-catalog.ts';
import { ZipFileWriter } from './zip-file-writer.ts';

export type PackageProgress =
  | { step: 'registered'; packageId: string }
  /** The data snapshot is taken: commits from now on are not in the package (the first sync ships them). */
  | { step: 'snapshot'; packageId: string; snapshot: string }
  | { step: 'table'; table: string; rows: number; done: number; total: number }
  | { step: 'schema' }
  | { step: 'written'; path: string; bytes: number };

export interface PackageOptions {
  /** The archive to write (a local file); replaced atomically when it exists. */
  outputPath: string;
  /** SQL the clone runs at the end of its deploy transaction. */
  afterSql?: string;
  /** Folder of pg_dump (`dbsync.pgBinDir`); its major version must be at least the server's. */
  pgBinDir?: string;
  /** How long the package holds the central's change log for a clone still to deploy it. */
  retentionDays?: number;
  signal: AbortSignal;
  /** Awaited: a slow hook holds the package (tests pause it there). */
  onProgress?: (progress: PackageProgress) => void | Promise<void>;
}

export interface PackageResult {
  packageId: string;
  path: string;
  bytes: number;
  tables: Array<{ schema: string; name: string; rows: number }>;
  schemas: string[];
  snapshot: string;
  schemaVersion: number;
}

export const requiresPostgres = () =>
  new UserError(
    'dbsync_requires_postgres',
    'Database sync needs a PostgreSQL server reached by a postgis connection; the embedded store cannot take part',
  );

const NEWLINE = 0x0a;

/**
 * Writes a package of the central: DDL (pg_dump, pre- and post-data), every table's rows, the
 * sync metadata and the snapshot they were all read in (the clone's first cursor), in a ZIP
 * renamed into place only when complete. The `package` row, written first, keeps the change log
 * from being pruned below that snapshot until it expires.
 */
export async function packageCentral(central: PostgresDatabase, options: PackageOptions): Promise<PackageResult> {
  const params = central.libpqParams?.();
  if (!params) throw requiresPostgres();
  const retentionDays = options.retentionDays ?? 30;
  if (!Number.isInteger(retentionDays) || retentionDays < 1 || retentionDays > 3650) {
    throw new UserError('dbsync_invalid_retention', 'The package retention must be a whole number of days, 1 to 3650');
  }
  const packageId = randomUUID();
  let registered = false;
  let renamed = false;
  let work: Promise<PackageResult> | undefined;
  const inSession = async (session: PgSession): Promise<PackageResult> => {
    if (!session.copyOut) throw requiresPostgres();
    const meta = await requireNode(session, 'central', 'central');
    const schemas = await packagedSchemas(session);
    const holding = await extensionsInSchemas(session, schemas);
    if (holding.length > 0) {
      throw new UserError(
        'dbsync_schema_has_extension',
        `Schema ${holding[0]!.schema} holds extension ${holding[0]!.name}: a deploy replaces the packaged schemas whole, so keep synced tables in schemas of their own`,
      );
    }
    await session.query(
      `INSERT INTO geosync_dbsync.package (id, snapshot, schema_version, schemas, expires_at)
         VALUES ($1, pg_current_snapshot(), $2, $3, now() + make_interval(days => $4))`,
      [packageId, meta.schemaVersion, schemas, retentionDays],
    );
    registered = true;
    await options.onProgress?.({ step: 'registered', packageId });
    const tmp = `${options.outputPath}.tmp-${randomBytes(6).toString('hex')}`;
    const writer = await ZipFileWriter.create(tmp);
    let manifest: PackageManifest;
    let bytes: number;
    try {
      manifest = await writeArchive(session, writer, params, schemas, packageId, options);
      bytes = await writer.finish();
      await rename(tmp, options.outputPath);
      renamed = true;
    } catch (error) {
      await writer.abort();
      throw error;
    }
    await options.onProgress?.({ step: 'written', path: options.outputPath, bytes });
    return {
      packageId,
      path: options.outputPath,
      bytes,
      tables: manifest.tables.map(({ schema, name, rows }) => ({ schema, name, rows })),
      schemas,
      snapshot: manifest.snapshot,
      schemaVersion: manifest.schemaVersion,
    };
  };
  try {
    return await central.withSession((session) => (work = inSession(session)), options.signal);
  } catch (error) {
    // An abort answers at once; let the work notice its closed session and remove its file.
    await work?.catch(() => undefined);
    // A package that was never written must not hold the change log for a month.
    if (registered && !renamed) {
      await central
        .withSession(
          (s) => s.query('DELETE FROM geosync_dbsync.package WHERE id = $1', [packageId]),
          AbortSignal.timeout(10_000),
        )
        .catch(() => undefined);
    }
    throw error;
  }
}

async function packagedSchemas(session: PgSession): Promise<string[]> {
  const { rows } = await session.query<{ schema_name: string }>(
    'SELECT DISTINCT schema_name FROM geosync_dbsync.synced_table ORDER BY 1',
  );
  if (rows.length === 0) {
    throw new UserError('dbsync_nothing_to_package', "No table is synced yet: run 'geosync dbsync prepare' first", {
      status: 409,
    });
  }
  return rows.map((r) => r.schema_name);
}

/** Everything read in one snapshot, in one read-only transaction held open until pg_dump is done. */
async function writeArchive(
  session: PgSession,
  writer: ZipFileWriter,
  params: LibpqParams,
  schemas: string[],
  packageId: string,
  options: PackageOptions,
): Promise<PackageManifest> {
  const entries: PackageManifest['entries'] = {};
  const add = async (path: string, content: string) => {
    const written = await writer.add(path, content, { signal: options.signal });
    entries[path] = { size: written.size, sha256: written.sha256 };
  };
  await session.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  const dumps = new AbortController();
  const pending: Array<Promise<string>> = [];
  try {
    const { rows } = await session.query<{
      exported: string;
      snapshot: string;
      hlc: string;
      node_id: string;
      schema_version: number;
    }>(
      `SELECT pg_export_snapshot() AS exported, pg_current_snapshot()::text AS snapshot,
              (SELECT last_value FROM geosync_dbsync.hlc)::text AS hlc, m.node_id, m.schema_version
         FROM geosync_dbsync.meta m`,
    );
    const snap = rows[0]!;
    await options.onProgress?.({ step: 'snapshot', packageId, snapshot: snap.snapshot });
    const dumpOptions = {
      pgBinDir: options.pgBinDir ?? DEFAULT_PG_BIN_DIR,
      snapshot: snap.exported,
      schemas,
      signal: AbortSignal.any([options.signal, dumps.signal]),
    };
    for (const section of ['pre-data', 'post-data'] as const) {
      const dump = dumpSchemaSection(params, { ...dumpOptions, section });
      dump.catch(() => undefined); // awaited below; a COPY failure first must not leave it unhandled
      pending.push(dump);
    }
    if (JSON.stringify(await packagedSchemas(session)) !== JSON.stringify(schemas)) {
      throw new OperationalError('dbsync_prepare_running', 'The synced schemas changed while packaging: try again');
    }
    const copied = await listPackagedTables(session, schemas);
    const tables: PackageTable[] = [];
    for (const [i, table] of copied.entries()) {
      options.signal.throwIfAborted();
      const entry = dataEntry(i + 1);
      const columns = table.columns.map(quoteIdent).join(', ');
      let rowCount = 0;
      const written = await writer.add(
        entry,
        session.copyOut!(`COPY ${quoteQualified(table)} (${columns}) TO STDOUT`),
        {
          signal: options.signal,
          // Text COPY escapes newlines inside values: one line per row.
          observe: (chunk) => {
            for (let at = chunk.indexOf(NEWLINE); at !== -1; at = chunk.indexOf(NEWLINE, at + 1)) rowCount++;
          },
        },
      );
      entries[entry] = { size: written.size, sha256: written.sha256 };
      tables.push({ schema: table.schema, name: table.name, columns: table.columns, rows: rowCount, entry });
      await options.onProgress?.({
        step: 'table',
        table: `${table.schema}.${table.name}`,
        rows: rowCount,
        done: i + 1,
        total: copied.length,
      });
    }
    const json = async (sql: string) =>
      JSON.stringify((await session.query<{ rows: unknown }>(sql)).rows[0]!.rows, null, 1);
    await add(
      SYNCED_TABLES_ENTRY,
      await json(`SELECT coalesce(json_agg(t ORDER BY t.id), '[]') AS rows FROM geosync_dbsync.synced_table t`),
    );
    await add(
      SCHEMA_MIGRATIONS_ENTRY,
      await json(
        `SELECT coalesce(json_agg(t ORDER BY t.version), '[]') AS rows FROM geosync_dbsync.schema_migration t`,
      ),
    );
    await add(SEQUENCES_ENTRY, JSON.stringify(await sequenceStates(session, schemas), null, 1));
    const versions = await serverVersions(session);
    const extensions = await extensionsUsed(session, schemas);
    const [preData, postData] = await Promise.all(pending);
    await session.query('COMMIT');
    await options.onProgress?.({ step: 'schema' });
    await add(PRE_DATA_ENTRY, preData!);
    await add(POST_DATA_ENTRY, postData!);
    if (options.afterSql !== undefined && options.afterSql.trim() !== '') await add(AFTER_SQL_ENTRY, options.afterSql);
    const manifest: PackageManifest = {
      formatVersion: PACKAGE_FORMAT_VERSION,
      geosyncVersion: geosyncVersion(),
      structureVersion: LATEST_STRUCTURE_VERSION(),
      schemaVersion: snap.schema_version,
      postgres: { versionNum: versions.versionNum, version: versions.version },
      postgis: versions.postgis,
      extensions,
      centralId: snap.node_id,
      packageId,
      snapshot: snap.snapshot,
      hlc: snap.hlc,
      createdAt: new Date().toISOString(),
      schemas,
      tables,
      entries,
    };
    await writer.add(MANIFEST_ENTRY, JSON.stringify(manifest, null, 1));
    return manifest;
  } catch (error) {
    dumps.abort();
    await Promise.allSettled(pending);
    await session.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
