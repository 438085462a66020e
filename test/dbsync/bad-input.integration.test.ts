/**
 * Sync-protocol bad input: batches and syncs from nodes the central does not know, a clone of
 * another central, an expired clone. Each is refused with its own code and changes nothing.
 * (Tampered/truncated archives: src/domain/dbsync/package/deploy-refusals; wrong schema
 * versions: schema-change.integration.test.ts.)
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';

import { isGeosyncError } from '../../src/errors/errors.ts';
import { requireNode } from '../../src/domain/dbsync/structures.ts';
import { transfer } from '../../src/domain/dbsync/transfer.ts';
import { createSyncCluster, type SyncCluster } from '../helpers/dbsync-cluster.ts';

let cluster: SyncCluster;
let other: SyncCluster;
before(async () => {
  const options = {
    clones: 1,
    setupSql: 'CREATE SCHEMA field; CREATE TABLE field.site (id serial PRIMARY KEY, name text);',
    schemas: ['field'],
    seedSql: `INSERT INTO field.site (name) VALUES ('a')`,
  };
  cluster = await createSyncCluster(options);
  other = await createSyncCluster(options);
});
after(async () => {
  await cluster?.close();
  await other?.close();
});

const code = (expected: string) => (error: unknown) => {
  assert.ok(isGeosyncError(error), String(error));
  assert.equal(error.code, expected, error.message);
  return true;
};
const signal = () => AbortSignal.timeout(30_000);

test('a batch from a node the central has never registered is refused (dbsync_unknown_clone), nothing applied', async () => {
  const clone = cluster.clones[0]!;
  await clone.query(`INSERT INTO field.site (name) VALUES ('from a stranger')`);
  const meta = await clone.db.withSession((s) => requireNode(s, 'clone', 'clone'), signal());
  const central = await cluster.central.db.withSession((s) => requireNode(s, 'central', 'central'), signal());
  const stranger = { db: clone.db, meta: { ...meta, nodeId: randomUUID() }, label: 'clone' as const };
  await assert.rejects(
    transfer(
      stranger,
      { db: cluster.central.db, meta: central, label: 'central' },
      { batchChanges: 100, signal: signal() },
    ),
    code('dbsync_unknown_clone'),
  );
  assert.deepEqual(await cluster.central.query(`SELECT name FROM field.site ORDER BY name`), [{ name: 'a' }]);
});

test('a clone whose package the central does not know cannot register (dbsync_unknown_clone)', async () => {
  const clone = other.clones[0]!;
  await clone.query('UPDATE geosync_dbsync.meta SET package_id = $1', [randomUUID()]);
  await assert.rejects(other.sync(0), code('dbsync_unknown_clone'));
  assert.deepEqual(await other.central.query('SELECT count(*)::int AS n FROM geosync_dbsync.clone'), [{ n: 0 }]);
});

test('a clone of another central is refused (dbsync_wrong_central), neither side changed', async () => {
  const { syncClone } = await import('../../src/domain/dbsync/sync.ts');
  await cluster.clones[0]!.query(`INSERT INTO field.site (name) VALUES ('pending')`);
  await assert.rejects(
    syncClone(other.central.db, cluster.clones[0]!.db, { cloneName: 'x', signal: signal() }),
    code('dbsync_wrong_central'),
  );
  assert.deepEqual(await other.central.query('SELECT count(*)::int AS n FROM field.site'), [{ n: 1 }]);
});

test('an expired clone is refused (dbsync_clone_expired) and told to redeploy; a fresh one syncs', async () => {
  await cluster.sync(0);
  await cluster.central.query('UPDATE geosync_dbsync.clone SET expired = true');
  await assert.rejects(cluster.sync(0), code('dbsync_clone_expired'));
  await cluster.central.query('UPDATE geosync_dbsync.clone SET expired = false');
  await cluster.sync(0);
  assert.equal((await cluster.verify(0)).equal, true);
});

test('a clone absent beyond the retention is expired by the next sync of another clone', async () => {
  await cluster.central.query(`UPDATE geosync_dbsync.clone SET last_sync_at = now() - interval '40 days'`);
  const [expiredPackage] = await cluster.central.query<{ id: string }>(
    `INSERT INTO geosync_dbsync.package (id, snapshot, schema_version, schemas, expires_at)
     VALUES (gen_random_uuid(), pg_current_snapshot(), 1, '{field}', now() - interval '1 day') RETURNING id::text`,
  );
  assert.ok(expiredPackage?.id);
  const { pruneCentral } = await import('../../src/domain/dbsync/sync.ts');
  await cluster.central.db.withSession((s) => pruneCentral(s, 30), signal());
  assert.deepEqual(await cluster.central.query('SELECT expired FROM geosync_dbsync.clone'), [{ expired: true }]);
  await assert.rejects(cluster.sync(0), code('dbsync_clone_expired'));
});
