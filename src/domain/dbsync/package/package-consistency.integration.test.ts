import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import type { PostgresDatabase } from '../../../connectors/database.ts';
import { createSyncNodes, type SyncNodeDatabase, type SyncNodes } from '../../../../test/helpers/dbsync-nodes.ts';
import { deployPackage } from './deploy.ts';
import { packageCentral } from './package.ts';
import { buildCentral, signal } from './package-fixture.test-helper.ts';

let nodes: SyncNodes;
let central: SyncNodeDatabase;
const dir = mkdtempSync(path.join(os.tmpdir(), 'gs-dbsync-pkg2-'));
const workDir = path.join(dir, 'work');

before(async () => {
  nodes = await createSyncNodes({ clones: 2 });
  central = nodes.central;
  await buildCentral(central);
});
after(async () => {
  await nodes?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('packageCentral: one snapshot, and nothing left by a failure', () => {
  it('keeps data, DDL and cursor in one snapshot: a commit during packaging goes to the first sync', async () => {
    const [early] = await central.query<{ uid: string }>(
      `INSERT INTO field.site (name) VALUES ('early') RETURNING uid`,
    );
    const [target] = await central.query<{ uid: string; name: string }>(
      `SELECT uid, name FROM field.site WHERE name = 'zm'`,
    );
    let late: string | undefined;
    const result = await packageCentral(central.db, {
      outputPath: path.join(dir, 'during.zip'),
      signal,
      onProgress: async (p) => {
        if (p.step !== 'snapshot') return;
        // Another editor commits while the package is being read.
        const client = await central.pool.connect();
        try {
          await client.query('BEGIN');
          late = (await client.query<{ uid: string }>(`INSERT INTO field.site (name) VALUES ('late') RETURNING uid`))
            .rows[0]!.uid;
          await client.query(`UPDATE field.site SET name = 'zm renamed' WHERE uid = $1`, [target!.uid]);
          await client.query('ALTER TABLE field.scratch ADD COLUMN added_late text');
          await client.query('COMMIT');
        } finally {
          await client.query('ROLLBACK').catch(() => undefined); // after a failure: never pool an aborted transaction
          client.release();
        }
      },
    });
    const changes = await central.query<{ row_uid: string; op: string; seen: boolean }>(
      `SELECT row_uid, op::text, pg_visible_in_snapshot(xid, $1::pg_snapshot) AS seen
         FROM geosync_dbsync.change WHERE row_uid = ANY ($2::uuid[]) ORDER BY seq`,
      [result.snapshot, [early!.uid, late, target!.uid]],
    );
    assert.deepEqual(changes, [
      { row_uid: early!.uid, op: 'I', seen: true },
      { row_uid: late, op: 'I', seen: false },
      { row_uid: target!.uid, op: 'U', seen: false },
    ]);
    const clone = nodes.clones[0]!;
    await deployPackage(clone.db, { archivePath: path.join(dir, 'during.zip'), workDir, signal });
    assert.deepEqual(
      await clone.query(`SELECT name FROM field.site WHERE uid = ANY ($1::uuid[]) ORDER BY name`, [
        [early!.uid, late, target!.uid],
      ]),
      [{ name: 'early' }, { name: 'zm' }],
    );
    assert.deepEqual(
      await clone.query(`SELECT to_regclass('field.scratch') IS NOT NULL AS t, count(*)::int AS n
      FROM information_schema.columns WHERE table_schema = 'field' AND table_name = 'scratch' AND column_name = 'added_late'`),
      [{ t: true, n: 0 }],
    );
    assert.deepEqual(await clone.query('SELECT cursor::text AS c FROM geosync_dbsync.inbound'), [
      { c: result.snapshot },
    ]);
  });

  it('refuses a database without structures, a clone, a database without a server; a missing pg_dump or an abort leaves nothing', async () => {
    await assert.rejects(packageCentral(nodes.clones[1]!.db, { outputPath: path.join(dir, 'x.zip'), signal }), {
      code: 'dbsync_not_installed',
    });
    // deployed by the previous test: a clone is not a central
    await assert.rejects(packageCentral(nodes.clones[0]!.db, { outputPath: path.join(dir, 'x.zip'), signal }), {
      code: 'dbsync_wrong_role',
    });
    const embeddedLike = Object.create(central.db, { libpqParams: { value: undefined } }) as PostgresDatabase;
    await assert.rejects(packageCentral(embeddedLike, { outputPath: path.join(dir, 'x.zip'), signal }), {
      code: 'dbsync_requires_postgres',
    });
    const count = 'SELECT count(*)::int AS n FROM geosync_dbsync.package';
    const packagesBefore = await central.query(count);
    await assert.rejects(
      packageCentral(central.db, { outputPath: path.join(dir, 'x.zip'), pgBinDir: path.join(dir, 'no-bin'), signal }),
      { code: 'dbsync_pg_dump_missing' },
    );
    assert.equal(existsSync(path.join(dir, 'x.zip')), false);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.includes('.tmp-')),
      [],
    );
    assert.deepEqual(await central.query(count), packagesBefore, 'the failed package no longer holds the log');

    const stop = new AbortController();
    await assert.rejects(
      packageCentral(central.db, {
        outputPath: path.join(dir, 'x.zip'),
        signal: stop.signal,
        onProgress: (p) => {
          if (p.step === 'table') stop.abort(new Error('stopped by the test'));
        },
      }),
      /stopped by the test/,
    );
    assert.equal(existsSync(path.join(dir, 'x.zip')), false);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.includes('.tmp-')),
      [],
    );
    assert.deepEqual(await central.query(count), packagesBefore);
    // pg_dump is killed at once; its backend goes when the server notices the closed socket.
    let active = -1;
    for (let i = 0; i < 50 && active !== 0; i++) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, 100));
      const [row] = await central.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'geosync-dbsync-package'`,
      );
      active = row!.n;
    }
    assert.equal(active, 0, 'no pg_dump left connected');
  });
});
