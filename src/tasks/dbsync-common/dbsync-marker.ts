/**
 * The ledger row of an irreversible database sync task (decision 0014): `run` checks and stages
 * a marker, `commitStaged` does the work, and doing it again after a crash is harmless.
 *
 * Commits go in reverse task order, so in a batch "DbSync, then DbSyncVerify" the verify would
 * commit first and check a clone not synced yet. A marker therefore carries the markers of the
 * earlier sync tasks of the run it depends on (same central or clone) and does their work first;
 * each is idempotent (a deploy already done in this run is skipped), so their own commits later
 * change nothing more.
 */
import { existsSync } from 'node:fs';

import type {
  DbSyncFilesGetRequest,
  DbSyncFilesMediaRequest,
  DbSyncFilesSendRequest,
} from '../../contracts/dbsync.dto.ts';
import type { DbSyncFilesResult } from '../../contracts/dbsync-results.dto.ts';
import { getFiles, sendFiles, sendMediaFiles } from '../../domain/dbsync/service/file-operations.ts';
import * as ops from '../../domain/dbsync/service/operations.ts';
import { readMeta } from '../../domain/dbsync/structures.ts';
import { conflict, UserError } from '../../errors/errors.ts';
import type { StagedObject, TaskActionContext, TaskRunContext } from '../task-type.ts';
import { describeSync, describeVerify } from './dbsync-messages.ts';
import { taskDeps } from './dbsync-task-context.ts';

export type Marker =
  | { op: 'install'; central: string }
  | {
      op: 'prepare';
      central: string;
      schemas: string[];
      rules?: Record<string, 'lww' | 'central_wins' | 'manual'>;
      syncWithoutPrimaryKey?: string[];
    }
  | {
      op: 'deploy';
      clone: string;
      package: string;
      /** The package's file, and the temp file of a DbSyncPackage of this run not committed yet. */
      archive: string;
      temp?: string;
      packageId: string;
      force: boolean;
      /** The clone database's time at run: a deploy of this package since then is this one. */
      notBefore: string;
    }
  | { op: 'sync'; central: string; clone: string; batchChanges?: number }
  | { op: 'verify'; central: string; clone: string }
  | ({ op: 'files-get' } & DbSyncFilesGetRequest)
  | ({ op: 'files-send' } & DbSyncFilesSendRequest)
  | ({ op: 'files-media' } & DbSyncFilesMediaRequest);

type Op = Marker['op'];

interface MarkerData extends Record<string, unknown> {
  marker: Marker;
  /** Earlier markers of the run this one's work needs, done first at commit. */
  before: Array<{ id: string; data: MarkerData }>;
}

export const markerKind = (op: Op): string => `dbsync-${op}`;

/** An earlier task of the run staged this operation on this connection. */
export const stagedEarlier = (ctx: TaskRunContext, op: Op, name: string): StagedObject | undefined =>
  ctx.findStaged(markerKind(op), name);

/** Refuses a dependency the reverse commit order cannot satisfy (a package reads the central in run). */
export function batchOrder(task: string, earlier: string, connection: string): UserError {
  return conflict(
    'dbsync_batch_order',
    `${task} works when the task runs, but the ${earlier} of '${connection}' before it in this batch only happens when the batch commits: put ${task} in a later batch`,
  );
}

/** Stages the marker with the earlier markers (of `dependsOn`) whose work it must do first. */
export async function stageMarker(
  ctx: TaskRunContext,
  name: string,
  marker: Marker,
  dependsOn: Array<[Op, string]> = [],
): Promise<void> {
  const before = dependsOn
    .map(([op, connection]) => stagedEarlier(ctx, op, connection))
    .filter((o): o is StagedObject => o !== undefined)
    .map((o) => ({ id: o.id, data: o.data as MarkerData }));
  const data: MarkerData = { marker, before };
  await ctx.stage({ kind: markerKind(marker.op), name, data });
}

const describeFiles = (r: DbSyncFilesResult): string =>
  `${r.copied.length} file(s) copied from ${r.from} to ${r.to} (${r.bytes} bytes), ${r.unchanged} unchanged, ` +
  `${r.conflicts.length} conflict copie(s)${r.rewritten.length > 0 ? `, ${r.rewritten.length} QGIS project(s) rewritten` : ''}`;

/** A deploy of this very package, done since the task ran (by an earlier commit or attempt). */
async function alreadyDeployed(ctx: TaskActionContext, marker: Extract<Marker, { op: 'deploy' }>): Promise<boolean> {
  const db = await taskDeps(ctx).connections.database(marker.clone);
  return db.withSession(async (s) => {
    const meta = await readMeta(s);
    if (typeof meta === 'string' || meta.role !== 'clone') return false;
    const { rows } = await s.query<{ same: boolean }>(
      `SELECT package_id = $1::uuid AND installed_at >= $2::timestamptz AS same FROM geosync_dbsync.meta`,
      [marker.packageId, marker.notBefore],
    );
    return rows[0]?.same === true;
  }, ctx.signal);
}

async function doMarker(marker: Marker, ctx: TaskActionContext): Promise<void> {
  const deps = taskDeps(ctx);
  switch (marker.op) {
    case 'install': {
      const r = await ops.install(deps, marker.central);
      ctx.log(
        'info',
        `Sync structures of ${marker.central}: ${r.installed ? 'installed' : 'up to date'} (version ${r.structureVersion})`,
      );
      return;
    }
    case 'prepare': {
      const r = await ops.prepare(deps, marker);
      ctx.log('info', `Prepared ${r.tables.length} table(s) of ${marker.central} for sync`);
      if (r.withoutPrimaryKey.length > 0) {
        ctx.log(
          'warn',
          `Left out, no primary key: ${r.withoutPrimaryKey.join(', ')} (name them in sync-without-primary-key)`,
        );
      }
      return;
    }
    case 'deploy': {
      if (await alreadyDeployed(ctx, marker)) {
        ctx.log('info', `${marker.clone} already holds package ${marker.package} from this run`);
        return;
      }
      const archivePath = marker.temp !== undefined && existsSync(marker.temp) ? marker.temp : marker.archive;
      const r = await ops.deploy(deps, { clone: marker.clone, archivePath, force: marker.force });
      ctx.log('info', `Deployed ${marker.package} to ${marker.clone}: ${r.rows} row(s) in ${r.tables.length} table(s)`);
      if (r.savedUnsyncedChangesTo) ctx.log('warn', `Unsent clone changes saved to ${r.savedUnsyncedChangesTo}`);
      return;
    }
    case 'sync': {
      const r = await ops.sync(deps, marker);
      ctx.log(r.conflicts > 0 ? 'warn' : 'info', describeSync(r));
      for (const warning of r.warnings) ctx.log('warn', warning);
      return;
    }
    case 'verify': {
      const r = await ops.verify(deps, marker);
      if (!r.equal) throw new UserError('dbsync_clone_differs', describeVerify(r), { status: 409 });
      ctx.log('info', describeVerify(r));
      return;
    }
    case 'files-get':
      ctx.log('info', describeFiles(await getFiles(deps, marker)));
      return;
    case 'files-send':
      ctx.log('info', describeFiles(await sendFiles(deps, marker)));
      return;
    case 'files-media':
      ctx.log('info', describeFiles(await sendMediaFiles(deps, marker)));
      return;
  }
}

async function perform(data: MarkerData, ctx: TaskActionContext, done: Set<string>): Promise<void> {
  for (const earlier of data.before) {
    if (done.has(earlier.id)) continue;
    done.add(earlier.id);
    await perform(earlier.data, ctx, done);
  }
  await doMarker(data.marker, ctx);
}

/** commitStaged of the irreversible sync task types. */
export function commitMarker(object: StagedObject, ctx: TaskActionContext): Promise<void> {
  return perform(object.data as MarkerData, ctx, new Set([object.id]));
}
