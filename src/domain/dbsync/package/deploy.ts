import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import type { PgSession, PostgresDatabase } from '../../../connectors/database.ts';
import { conflict, isGeosyncError, UserError } from '../../../errors/errors.ts';
import { quoteIdent, quoteQualified } from '../../../lib/sql-identifiers.ts';
import { foreignStructures, installStructures, type NodeMeta, readMeta } from '../structures.ts';
import { type OpenedPackage, openPackage, versionMismatch } from './archive.ts';
import type { PackageManifest } from './manifest.ts';
import { requiresPostgres } from './package.ts';
import { refuseChangesSince, saveUnsyncedChanges, unsyncedChanges } from './unsynced.ts';

export interface DeployOptions {
  archivePath: string;
  /** Replace a clone whose own changes the central has not received yet (they are saved first). */
  force?: boolean;
  /** Where a forced deploy saves those changes (`unsynced-<node>-<time>.json`). */
  workDir: string;
  cloneName?: string;
  signal: AbortSignal;
}

export interface DeployResult {
  /** The clone's new node id (every deploy makes a new node). */
  nodeId: string;
  packageId: string;
  centralId: string;
  cloneName?: string;
  tables: Array<{ schema: string; name: string; rows: number }>;
  rows: number;
  savedUnsyncedChangesTo?: string;
}

const sqlState = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
};

/** A server error of one deploy step as a user error naming the step; anything else as it is. */
function stepError(error: unknown, code: string, what: string): unknown {
  if (isGeosyncError(error) || sqlState(error) === undefined) return error;
  return new UserError(code, `${what}: ${(error as Error).message}`, { status: 409, cause: error });
}

/**
 * Makes a database a clone of the package's central, in one transaction: the packaged schemas
 * and `geosync_dbsync` are replaced whole, so the database ends as it was or as the package
 * says (scenario 23). The archive and the database are checked first; a schema the user made
 * is never dropped. The clone registers on the central at its first sync.
 */
export async function deployPackage(clone: PostgresDatabase, options: DeployOptions): Promise<DeployResult> {
  const pkg = await openPackage(options.archivePath, options.signal);
  const { manifest } = pkg;
  return clone.withSession(async (session) => {
    if (!session.copyIn) throw requiresPostgres();
    await checkCompatibility(session, manifest);
    const found = await readMeta(session);
    if (found === 'foreign') throw foreignStructures();
    if (found !== 'absent' && found.role !== 'clone') {
      throw conflict('dbsync_wrong_role', 'This database is a sync central: a package is deployed to clones only');
    }
    const previous = found === 'absent' ? [] : await deployedSchemas(session);
    const drops = await schemasToDrop(session, manifest.schemas, previous);
    const unsynced = found === 'absent' ? undefined : await guardUnsynced(session, found, options);
    options.signal.throwIfAborted();

    await session.query('BEGIN');
    try {
      if (unsynced) await refuseChangesSince(session, unsynced.lastSeq);
      for (const { schema, cascade } of drops) {
        await session.query(`DROP SCHEMA ${quoteIdent(schema)}${cascade ? ' CASCADE' : ''}`).catch((error: unknown) => {
          throw sqlState(error) === '2BP01' ? schemaExists(schema) : error;
        });
      }
      if (found !== 'absent') await session.query('DROP SCHEMA geosync_dbsync CASCADE');
      const { meta } = await installStructures(
        session,
        { role: 'clone', centralId: manifest.centralId, schemaVersion: manifest.schemaVersion },
        { ownTransaction: false },
      );
      await runScript(session, pkg.preDataSql).catch((e: unknown) => {
        throw stepError(e, 'dbsync_ddl_failed', "The package's schema DDL failed on this database");
      });
      await session.query("SELECT set_config('geosync_dbsync.origin', 'deploy', true)");
      for (const table of manifest.tables) await loadTable(session, pkg, table, options.signal);
      for (const s of pkg.sequences.filter((q) => q.lastValue !== null)) {
        await session.query(`SELECT setval($1::regclass, $2::bigint, true)`, [quoteQualified(s), s.lastValue]);
      }
      await runScript(session, pkg.postDataSql).catch((e: unknown) => {
        throw stepError(
          e,
          'dbsync_ddl_failed',
          "The package's constraints, indexes or triggers failed on this database",
        );
      });
      await session.query("SELECT set_config('geosync_dbsync.origin', 'deploy', true)");
      await insertJsonRows(session, 'synced_table', pkg.syncedTables);
      await session.query(
        `SELECT setval(pg_get_serial_sequence('geosync_dbsync.synced_table', 'id'), max(id)) FROM geosync_dbsync.synced_table HAVING count(*) > 0`,
      );
      await insertJsonRows(session, 'schema_migration', pkg.schemaMigrations);
      await session.query('INSERT INTO geosync_dbsync.inbound (origin, cursor) VALUES ($1, $2::pg_snapshot)', [
        manifest.centralId,
        manifest.snapshot,
      ]);
      await session.query('SELECT geosync_dbsync.hlc_raise($1::bigint)', [manifest.hlc]);
      await session.query('UPDATE geosync_dbsync.meta SET package_id = $1, start_cursor = pg_current_snapshot()', [
        manifest.packageId,
      ]);
      if (pkg.afterSql !== undefined) {
        await runScript(session, pkg.afterSql).catch((e: unknown) => {
          throw stepError(e, 'dbsync_after_sql_failed', "The package's after.sql failed");
        });
      }
      await session.query('DROP FUNCTION pg_temp.geosync_run_script(text)');
      await session.query('COMMIT');
      return result(meta, manifest, options.cloneName, unsynced?.savedTo);
    } catch (error) {
      await session.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }, options.signal);
}

function result(meta: NodeMeta, manifest: PackageManifest, cloneName?: string, saved?: string): DeployResult {
  const tables = manifest.tables.map(({ schema, name, rows }) => ({ schema, name, rows }));
  return {
    nodeId: meta.nodeId,
    packageId: manifest.packageId,
    centralId: manifest.centralId,
    ...(cloneName !== undefined && { cloneName }),
    tables,
    rows: tables.reduce((n, t) => n + t.rows, 0),
    ...(saved !== undefined && { savedUnsyncedChangesTo: saved }),
  };
}

/** PostgreSQL no older than the central's (pg_dump's DDL may use its syntax) and the extensions it used. */
async function checkCompatibility(session: PgSession, manifest: PackageManifest): Promise<void> {
  const { rows } = await session.query<{ version_num: number; version: string }>(
    `SELECT current_setting('server_version_num')::int AS version_num, current_setting('server_version') AS version`,
  );
  const here = rows[0]!;
  if (Math.floor(here.version_num / 10000) < Math.floor(manifest.postgres.versionNum / 10000)) {
    throw versionMismatch(
      `The package comes from PostgreSQL ${manifest.postgres.version}; this database runs ${here.version}, an older major version`,
    );
  }
  const installed = await session.query<{ name: string; schema: string }>(
    'SELECT e.extname AS name, n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace',
  );
  for (const needed of manifest.extensions) {
    const have = installed.rows.find((e) => e.name === needed.name);
    if (!have || have.schema !== needed.schema) {
      throw new UserError(
        'dbsync_missing_extension',
        have
          ? `Extension ${needed.name} is installed in schema ${have.schema}; the package needs it in schema ${needed.schema}`
          : `The package needs extension ${needed.name} (version ${needed.version} on the central, in schema ${needed.schema}): install it on this database first`,
        { status: 409, details: [{ field: 'extension', message: needed.name }] },
      );
    }
  }
}

/** The schemas the previous deploy brought: those of its synced tables. */
async function deployedSchemas(session: PgSession): Promise<string[]> {
  const { rows } = await session.query<{ s: string }>(
    'SELECT DISTINCT schema_name AS s FROM geosync_dbsync.synced_table',
  );
  return rows.map((r) => r.s);
}

const schemaExists = (schema: string) =>
  conflict(
    'dbsync_schema_exists',
    `This database already has a schema ${schema} that no geosync deploy created: rename or drop it, or deploy to another database`,
  );

/**
 * What to drop for each packaged schema already here: one a previous deploy created goes with
 * its contents; any other must be empty (dropped without CASCADE, so hidden content refuses).
 */
async function schemasToDrop(
  session: PgSession,
  schemas: readonly string[],
  previous: readonly string[],
): Promise<Array<{ schema: string; cascade: boolean }>> {
  const { rows } = await session.query<{ schema: string; objects: number; extensions: string | null }>(
    `SELECT n.nspname AS schema,
            ((SELECT count(*) FROM pg_class c WHERE c.relnamespace = n.oid)
              + (SELECT count(*) FROM pg_proc p WHERE p.pronamespace = n.oid))::int AS objects,
            (SELECT string_agg(e.extname, ', ') FROM pg_extension e WHERE e.extnamespace = n.oid) AS extensions
       FROM pg_namespace n WHERE n.nspname = ANY ($1::text[]) ORDER BY 1`,
    [schemas],
  );
  return rows.map((r) => {
    if (r.extensions !== null) {
      throw conflict(
        'dbsync_schema_exists',
        `Schema ${r.schema} holds extension ${r.extensions} on this database: a deploy would drop it with the schema`,
      );
    }
    const deployed = previous.includes(r.schema);
    if (!deployed && r.objects > 0) throw schemaExists(r.schema);
    return { schema: r.schema, cascade: deployed };
  });
}

async function guardUnsynced(
  session: PgSession,
  meta: NodeMeta,
  options: DeployOptions,
): Promise<{ lastSeq: string; savedTo?: string }> {
  const { count, lastSeq } = await unsyncedChanges(session);
  if (count === 0) return { lastSeq };
  if (!options.force) {
    throw new UserError(
      'dbsync_unsynced_changes',
      `This clone has ${count} change(s) the central has not received: sync first, or deploy with --force (they are saved to a JSON file, then replaced)`,
      { status: 409 },
    );
  }
  return { lastSeq, savedTo: await saveUnsyncedChanges(session, meta, options.workDir, options.cloneName) };
}

/**
 * Runs a script of the package (pg_dump's DDL, after.sql) inside the deploy transaction. Through
 * PL/pgSQL's EXECUTE, which takes several statements but refuses COMMIT and ROLLBACK, so no
 * script can end the transaction and leave a half deploy. The statement guard
 * (tasks/sql/statement-guard.ts) keeps one-statement fragments and does not fit a script.
 * The scripts' session-level settings (pg_dump's empty search_path) must not outlive them.
 */
async function runScript(session: PgSession, sql: string): Promise<void> {
  await session.query(
    `CREATE OR REPLACE FUNCTION pg_temp.geosync_run_script(script text) RETURNS void LANGUAGE plpgsql AS $f$ BEGIN EXECUTE script; END $f$`,
  );
  await session.query('SELECT pg_temp.geosync_run_script($1)', [sql]);
  await session.query('RESET ALL');
}

async function loadTable(
  session: PgSession,
  pkg: OpenedPackage,
  table: PackageManifest['tables'][number],
  signal: AbortSignal,
): Promise<void> {
  const columns = table.columns.map(quoteIdent).join(', ');
  const sink = session.copyIn!(`COPY ${quoteQualified(table)} (${columns}) FROM STDIN`);
  try {
    await pipeline(Readable.from(pkg.data(table)), sink, { signal });
  } catch (error) {
    const state = sqlState(error);
    if (state?.startsWith('22') || state?.startsWith('23')) {
      throw new UserError(
        'dbsync_archive_invalid',
        `The package's rows of ${table.schema}.${table.name} cannot be loaded: ${(error as Error).message}`,
        { cause: error, details: [{ field: 'archive', message: table.entry }] },
      );
    }
    throw error;
  }
  const loaded = (sink as { rowCount?: number }).rowCount;
  if (loaded !== undefined && loaded !== table.rows) {
    throw new UserError(
      'dbsync_archive_invalid',
      `The package says ${table.rows} rows for ${table.schema}.${table.name} but holds ${loaded}`,
    );
  }
}

/** Rows of a central's sync table, with the columns this geosync's structures know. */
async function insertJsonRows(session: PgSession, table: string, rows: Array<Record<string, unknown>>): Promise<void> {
  if (rows.length === 0) return;
  const { rows: known } = await session.query<{ name: string }>(
    `SELECT attname::text AS name FROM pg_attribute
      WHERE attrelid = format('geosync_dbsync.%I', $1::text)::regclass AND attnum > 0 AND NOT attisdropped`,
    [table],
  );
  const columns = Object.keys(rows[0]!).filter((c) => known.some((k) => k.name === c));
  const list = columns.map(quoteIdent).join(', ');
  const target = `geosync_dbsync.${quoteIdent(table)}`;
  await session.query(
    `INSERT INTO ${target} (${list}) SELECT ${list} FROM json_populate_recordset(NULL::${target}, $1::json)`,
    [JSON.stringify(rows)],
  );
}
