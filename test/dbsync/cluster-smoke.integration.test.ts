import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { createSyncCluster, type SyncCluster } from '../helpers/dbsync-cluster.ts';

let cluster: SyncCluster;
before(async () => {
  cluster = await createSyncCluster({
    setupSql: `CREATE SCHEMA field;
      CREATE TABLE field.site (id serial PRIMARY KEY, name text, h numeric, geom geometry(PointZ, 2154));`,
    schemas: ['field'],
    seedSql: `INSERT INTO field.site (name, h, geom) VALUES ('a', 1.5, 'SRID=2154;POINT Z (1 2 3)')`,
  });
});
after(() => cluster?.close());

test('a deployed clone starts equal and follows an edit on each side', async () => {
  assert.equal((await cluster.verify(0)).equal, true);
  await cluster.central.query(`UPDATE field.site SET name = 'central' WHERE name = 'a'`);
  await cluster.clones[0]!.query(`UPDATE field.site SET h = 2.25`);
  const report = await cluster.sync(0);
  assert.equal(report.toClone.changes, 1);
  assert.equal(report.toCentral.changes, 1);
  assert.deepEqual(
    await cluster.rows(cluster.central, 'field.site'),
    await cluster.rows(cluster.clones[0]!, 'field.site'),
  );
  assert.equal((await cluster.verify(0)).equal, true);
  assert.deepEqual(await cluster.conflicts(), []);
});
