import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';

import type { PgSession } from '../../connectors/database.ts';
import { conflict, UnexpectedError, UserError } from '../../errors/errors.ts';

const SQL_DIR = new URL('./sql/', import.meta.url);
/** Serialises installs and upgrades of one database's structures across geosync processes. */
const INSTALL_LOCK = 7406014;

export type NodeRole = 'central' | 'clone';

export interface NodeMeta {
  role: NodeRole;
  nodeId: string;
  centralId: string;
  schemaVersion: number;
  structureVersion: number;
}

interface StructureMigration {
  version: number;
  sql: string;
}

/** The numbered SQL files in sql/, in order. Append only: never edit a released one. */
export function structureMigrations(): StructureMigration[] {
  const files = readdirSync(SQL_DIR)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort();
  return files.map((file, i) => {
    const version = Number(file.slice(0, 4));
    if (version !== i + 1) throw new UnexpectedError('dbsync_structure_gap', `${file} should be number ${i + 1}`);
    return { version, sql: readFileSync(new URL(file, SQL_DIR), 'utf8') };
  });
}

export const LATEST_STRUCTURE_VERSION = (): number => structureMigrations().length;

/** What sits at `geosync_dbsync` in a database: nothing, geosync's structures, or something else. */
export async function readMeta(session: PgSession): Promise<NodeMeta | 'absent' | 'foreign'> {
  const { rows } = await session.query<{ schema: boolean; meta: boolean; marker: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'geosync_dbsync') AS schema,
            to_regclass('geosync_dbsync.meta') IS NOT NULL AS meta,
            to_regclass('geosync_dbsync.structure_migration') IS NOT NULL AS marker`,
  );
  const found = rows[0]!;
  if (!found.schema) return 'absent';
  if (!found.meta || !found.marker) return 'foreign';
  const meta = await session.query<{
    marker: string;
    role: NodeRole;
    node_id: string;
    central_id: string;
    schema_version: number;
    structure_version: number;
  }>(
    `SELECT m.marker, m.role, m.node_id, m.central_id, m.schema_version,
            (SELECT max(version) FROM geosync_dbsync.structure_migration) AS structure_version
       FROM geosync_dbsync.meta m`,
  );
  const row = meta.rows[0];
  if (row?.marker !== 'geosync-dbsync') return 'foreign';
  return {
    role: row.role,
    nodeId: row.node_id,
    centralId: row.central_id,
    schemaVersion: row.schema_version,
    structureVersion: row.structure_version,
  };
}

export const foreignStructures = () =>
  conflict(
    'dbsync_foreign_structures',
    'This database already has a schema named geosync_dbsync that geosync did not create; rename or drop it, then install again',
  );

export interface InstallResult {
  installed: boolean;
  upgradedFrom?: number;
  structureVersion: number;
  meta: NodeMeta;
}

/**
 * Installs the sync structures, or upgrades them in place to this geosync's version. Runs in
 * the caller's transaction when there is one (deploy), else in its own.
 */
export async function installStructures(
  session: PgSession,
  node: { role: NodeRole; nodeId?: string; centralId?: string; schemaVersion?: number },
  options: { ownTransaction?: boolean } = {},
): Promise<InstallResult> {
  const own = options.ownTransaction ?? true;
  if (own) await session.query('BEGIN');
  try {
    await session.query('SELECT pg_advisory_xact_lock($1)', [INSTALL_LOCK]);
    const found = await readMeta(session);
    if (found === 'foreign') throw foreignStructures();
    const migrations = structureMigrations();
    const from = found === 'absent' ? 0 : found.structureVersion;
    if (from > migrations.length) {
      throw new UserError(
        'dbsync_structures_newer',
        `The sync structures here are version ${from}, newer than this geosync knows (${migrations.length}): upgrade geosync`,
        { status: 409 },
      );
    }
    if (found !== 'absent' && found.role !== node.role) {
      throw conflict('dbsync_wrong_role', `This database is already a sync ${found.role}, not a ${node.role}`);
    }
    for (const m of migrations.slice(from)) {
      await session.query(m.sql);
      await session.query('INSERT INTO geosync_dbsync.structure_migration (version) VALUES ($1)', [m.version]);
      if (m.version === 1) {
        const nodeId = node.nodeId ?? randomUUID();
        await session.query(
          `INSERT INTO geosync_dbsync.meta (marker, role, node_id, central_id, schema_version)
           VALUES ('geosync-dbsync', $1, $2, $3, $4)`,
          [node.role, nodeId, node.centralId ?? nodeId, node.schemaVersion ?? 1],
        );
      }
    }
    const meta = await readMeta(session);
    if (typeof meta === 'string') {
      throw new UnexpectedError('dbsync_install_failed', 'structures missing after install');
    }
    if (own) await session.query('COMMIT');
    return {
      installed: from < migrations.length,
      ...(found !== 'absent' && from < migrations.length ? { upgradedFrom: from } : {}),
      structureVersion: meta.structureVersion,
      meta,
    };
  } catch (error) {
    if (own) await session.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** The node's meta, upgrading its structures when this geosync is newer; refuses other states. */
export async function requireNode(session: PgSession, role: NodeRole, label: string): Promise<NodeMeta> {
  const meta = await readMeta(session);
  if (meta === 'absent') {
    throw new UserError(
      'dbsync_not_installed',
      role === 'central'
        ? `The ${label} database has no sync structures: run 'geosync dbsync install' and 'prepare' on it first`
        : `The ${label} database is not a clone: deploy a package to it first ('geosync dbsync deploy')`,
      { status: 409 },
    );
  }
  if (meta === 'foreign') throw foreignStructures();
  if (meta.role !== role) {
    throw conflict('dbsync_wrong_role', `The ${label} database is a sync ${meta.role}, not a ${role}`);
  }
  if (meta.structureVersion < LATEST_STRUCTURE_VERSION()) {
    return (await installStructures(session, { role })).meta;
  }
  if (meta.structureVersion > LATEST_STRUCTURE_VERSION()) {
    throw new UserError(
      'dbsync_structures_newer',
      `The ${label} database's sync structures (version ${meta.structureVersion}) are newer than this geosync: upgrade geosync`,
      { status: 409 },
    );
  }
  return meta;
}
