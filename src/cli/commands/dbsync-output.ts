/** Human output of `geosync dbsync` (with --json the results are printed as they are). */
import type {
  DbSyncConflictPage,
  DbSyncDeployResult,
  DbSyncFilesResult,
  DbSyncInstallResult,
  DbSyncPackageResult,
  DbSyncPrepareResult,
  DbSyncStatusResult,
  DbSyncVerifyResult,
} from '../../contracts/dbsync-results.dto.ts';
import { describeVerify } from '../../tasks/dbsync-common/dbsync-messages.ts';
import { table } from '../output.ts';

export { describeSync } from '../../tasks/dbsync-common/dbsync-messages.ts';

export function describeInstall(r: DbSyncInstallResult): string {
  if (!r.installed) return `The sync structures of ${r.central} are up to date (version ${r.structureVersion})`;
  const how = r.upgradedFrom === undefined ? 'Installed' : `Upgraded from version ${r.upgradedFrom} to`;
  return `${how} sync structures version ${r.structureVersion} on ${r.central} (node ${r.nodeId})`;
}

export function describePrepare(r: DbSyncPrepareResult): string {
  const lines = [
    `Prepared ${r.tables.length} table(s) of ${r.central} (server id ${r.serverId})`,
    table(r.tables, ['table', 'rule', 'uid', 'newlySynced']),
  ];
  if (r.withoutPrimaryKey.length > 0) {
    lines.push(
      `Left out, no primary key (name them with --sync-without-primary-key): ${r.withoutPrimaryKey.join(', ')}`,
    );
  }
  return lines.join('\n');
}

export function describePackage(r: DbSyncPackageResult & { path: string }): string {
  const rows = r.tables.reduce((n, t) => n + t.rows, 0);
  return [
    `Packaged ${r.central} to ${r.path}: ${r.tables.length} table(s), ${rows} row(s), ${r.bytes} bytes (package ${r.packageId})`,
    table(r.tables, ['schema', 'name', 'rows']),
  ].join('\n');
}

export function describeDeploy(r: DbSyncDeployResult): string {
  const lines = [
    `Deployed package ${r.packageId} to ${r.clone}: ${r.rows} row(s) in ${r.tables.length} table(s); clone node ${r.nodeId}`,
  ];
  if (r.savedUnsyncedChangesTo) lines.push(`The clone's unsent changes were saved to ${r.savedUnsyncedChangesTo}`);
  return lines.join('\n');
}

export function describeStatus(r: DbSyncStatusResult): string {
  const c = r.centralStatus;
  const lines = [
    `Central ${r.central}: node ${c.nodeId}, schema version ${c.schemaVersion}, structures version ${c.structureVersion}`,
    `${c.tables.length} synced table(s), ${c.pendingConflicts} pending conflict(s), ${c.changeLogRows} change(s) in the log`,
    'Clones:',
    table(c.clones, ['name', 'nodeId', 'lastSyncAt', 'pendingToClone', 'expired']),
    'Recent sync runs:',
    table(c.recentRuns.slice(0, 5), [
      'startedAt',
      'outcome',
      'toClone',
      'toCentral',
      'conflicts',
      'durationMs',
      'errorCode',
    ]),
  ];
  const k = r.cloneStatus;
  if (k) {
    lines.push(
      `Clone ${r.clone}: node ${k.nodeId}, schema version ${k.schemaVersion}; pending: ${k.pendingToClone} to the clone, ` +
        `${k.pendingToCentral ?? 'all its changes (not registered yet)'} to the central; ${k.pendingConflicts} pending conflict(s) on the clone`,
    );
  }
  return lines.join('\n');
}

export function describeVerifyReport(r: DbSyncVerifyResult): string {
  const lines = [describeVerify(r)];
  for (const t of r.tables) {
    if (t.missingOnClone.length + t.extraOnClone.length + t.different.length === 0) continue;
    lines.push(`${t.table} (central ${t.centralRows} rows, clone ${t.cloneRows}):`);
    for (const uid of t.missingOnClone) lines.push(`  missing on the clone: ${uid}`);
    for (const uid of t.extraOnClone) lines.push(`  extra on the clone:   ${uid}`);
    for (const d of t.different) lines.push(`  different:            ${d.uid} (${d.columns.join(', ')})`);
    if (t.truncated) lines.push('  (more differences not listed)');
  }
  return lines.join('\n');
}

const shortJson = (value: unknown) => {
  const text = JSON.stringify(value) ?? '-';
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
};

export function describeConflicts(page: DbSyncConflictPage): string {
  const rows = page.items.map((c) => ({
    ...c,
    base: shortJson(c.base),
    central: shortJson(c.central),
    clone: shortJson(c.clone),
  }));
  return [
    table(rows, ['id', 'table', 'rowUid', 'column', 'kind', 'rule', 'winner', 'outcome', 'base', 'central', 'clone']),
    `${page.items.length} of ${page.total} conflict(s)`,
  ].join('\n');
}

export function describeFiles(r: DbSyncFilesResult): string {
  const lines = [
    `${r.copied.length} file(s) copied from ${r.from} to ${r.to} (${r.bytes} bytes), ${r.unchanged} unchanged`,
    ...r.copied.map((p) => `  copied: ${p}`),
    ...r.conflicts.map((c) => `  conflict: ${c.path} kept; the incoming one is ${c.keptAs}`),
    ...r.rewritten.map((p) => `  QGIS project rewritten: ${p.path} (${p.layers} layer(s))`),
    ...r.missingAtSource.map((p) => `  gone from the source (not deleted here): ${p}`),
  ];
  if (r.excluded.length > 0) lines.push(`  excluded: ${r.excluded.join(', ')}`);
  return lines.join('\n');
}
