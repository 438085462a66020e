import type { DbSyncSyncResult, DbSyncVerifyResult } from '../../contracts/dbsync-results.dto.ts';

/** One line with the counts of a sync, as the run log and the CLI show it. */
export function describeSync(r: DbSyncSyncResult): string {
  const toClone = r.toClone.changes + r.pingBack.changes;
  return (
    `Synced ${r.clone} with ${r.central}: ${toClone} change(s) to the clone, ${r.toCentral.changes} to the central ` +
    `(${r.toClone.batches + r.toCentral.batches + r.pingBack.batches} batch(es), ${r.durationMs} ms); ` +
    `${r.conflicts} conflict(s), ${r.quarantined} quarantined` +
    (r.schemaMigrationsApplied > 0 ? `; ${r.schemaMigrationsApplied} schema migration(s) replayed` : '')
  );
}

/** What differs, table by table (or that nothing does). */
export function describeVerify(r: DbSyncVerifyResult): string {
  if (r.equal) return `${r.clone} equals ${r.central} (${r.tables.length} table(s) compared)`;
  const differing = r.tables
    .filter((t) => t.missingOnClone.length + t.extraOnClone.length + t.different.length > 0)
    .map(
      (t) =>
        `${t.table}: ${t.missingOnClone.length} missing on the clone, ${t.extraOnClone.length} extra, ` +
        `${t.different.length} different${t.truncated ? ' (more not listed)' : ''}`,
    );
  return `${r.clone} differs from ${r.central}: ${differing.join('; ')}`;
}
