import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { createSyncNodes, type SyncNodeDatabase, type SyncNodes } from '../../../../test/helpers/dbsync-nodes.ts';
import { LATEST_STRUCTURE_VERSION } from '../structures.ts';
import { type DeployResult, deployPackage } from './deploy.ts';
import { geosyncVersion } from './manifest.ts';
import { packageCentral } from './package.ts';
import { refuseChangesSince, unsyncedChanges } from './unsynced.ts';
import { buildCentral, readManifest, rowHashes, signal } from './package-fixture.test-helper.ts';

let nodes: SyncNodes;
let central: SyncNodeDatabase;
let centralId: string;
const dir = mkdtempSync(path.join(os.tmpdir(), 'gs-dbsync-pkg-'));
const workDir = path.join(dir, 'work');

before(async () => {
  nodes = await createSyncNodes({ clones: 2 });
  central = nodes.central;
  ({ nodeId: centralId } = await buildCentral(central));
});
after(async () => {
  await nodes?.close();
  rmSync(dir, { recursive: true, force: true });
});

const TABLES: Array<[string, string]> = [
  ['field.site', 'uid'],
  ['field.observation', 'uid'],
  ['field.scratch', 'label'],
  ['ref.species', 'uid'],
];

async function assertSameData(clone: SyncNodeDatabase): Promise<void> {
  for (const [table, order] of TABLES) {
    assert.deepEqual(await rowHashes(clone, table, order), await rowHashes(central, table, order), table);
  }
}

describe('packageCentral and deployPackage', () => {
  let archive: string;
  let packageId: string;

  it('packages every table of the synced schemas in one ZIP with a complete manifest', async () => {
    archive = path.join(dir, 'central.zip');
    writeFileSync(archive, 'an older file, replaced atomically');
    const steps: string[] = [];
    const result = await packageCentral(central.db, {
      outputPath: archive,
      afterSql: "COMMENT ON SCHEMA field IS 'deployed by package';",
      signal,
      onProgress: (p) => void steps.push(p.step),
    });
    packageId = result.packageId;
    assert.deepEqual(result.schemas, ['field', 'ref']);
    assert.deepEqual(
      result.tables.map((t) => [`${t.schema}.${t.name}`, t.rows]),
      [
        ['field.observation', 915],
        ['field.scratch', 2],
        ['field.site', 305],
        ['ref.species', 2],
      ],
    );
    assert.equal(result.bytes, statSync(archive).size);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.includes('.tmp-')),
      [],
      'no temporary file left',
    );
    assert.deepEqual([...new Set(steps)], ['registered', 'snapshot', 'table', 'schema', 'written']);

    const manifest = await readManifest(archive);
    const [pg] = await central.query<{ num: number; postgis: string }>(
      `SELECT current_setting('server_version_num')::int AS num, (SELECT extversion FROM pg_extension WHERE extname = 'postgis') AS postgis`,
    );
    assert.equal(manifest.formatVersion, 1);
    assert.equal(manifest.geosyncVersion, geosyncVersion());
    assert.equal(manifest.structureVersion, LATEST_STRUCTURE_VERSION());
    assert.equal(manifest.schemaVersion, 1);
    assert.equal(manifest.postgres.versionNum, pg!.num);
    assert.equal(manifest.postgis, pg!.postgis);
    assert.deepEqual(
      manifest.extensions.map((e) => [e.name, e.schema]),
      [
        ['plpgsql', 'pg_catalog'],
        ['postgis', 'public'],
      ],
    );
    assert.equal(manifest.centralId, centralId);
    assert.equal(manifest.packageId, packageId);
    assert.equal(manifest.snapshot, result.snapshot);
    assert.match(manifest.hlc, /^[0-9]+$/);
    assert.deepEqual(Object.keys(manifest.entries).sort(), [
      'after.sql',
      'data/1.copy',
      'data/2.copy',
      'data/3.copy',
      'data/4.copy',
      'schema/post-data.sql',
      'schema/pre-data.sql',
      'sync/schema_migrations.json',
      'sync/sequences.json',
      'sync/synced_tables.json',
    ]);
    const species = manifest.tables.find((t) => t.name === 'species')!;
    assert.deepEqual(species.columns, ['code', 'label', 'uid'], 'generated columns are computed by the clone');

    const [row] = await central.query<{ snapshot: string; schemas: string[]; days: number; older: boolean }>(
      `SELECT snapshot::text, schemas, round(extract(epoch FROM expires_at - created_at) / 86400)::int AS days,
              pg_snapshot_xmin(snapshot) <= pg_snapshot_xmin($2::pg_snapshot) AS older
         FROM geosync_dbsync.package WHERE id = $1`,
      [packageId, manifest.snapshot],
    );
    assert.deepEqual(row!.schemas, ['field', 'ref']);
    assert.equal(row!.days, 30);
    assert.equal(row!.older, true, 'the pruning snapshot is not newer than the data snapshot');
  });

  it('deploys to two clones: same rows, fresh node ids, cursor, clock and metadata from the package', async () => {
    const results: DeployResult[] = [];
    for (const clone of nodes.clones) {
      results.push(await deployPackage(clone.db, { archivePath: archive, workDir, cloneName: clone.name, signal }));
    }
    assert.notEqual(results[0]!.nodeId, results[1]!.nodeId);
    const manifest = await readManifest(archive);
    const centralTables = await central.query(
      'SELECT id, schema_name, table_name, rule, local_columns, text_columns, apply_order, fingerprint FROM geosync_dbsync.synced_table ORDER BY id',
    );
    for (const [i, clone] of nodes.clones.entries()) {
      const result = results[i]!;
      assert.equal(result.packageId, packageId);
      assert.equal(result.centralId, centralId);
      assert.equal(result.rows, 915 + 2 + 305 + 2);
      assert.notEqual(result.nodeId, centralId);
      await assertSameData(clone);
      const [meta] = await clone.query<{
        role: string;
        node_id: string;
        central_id: string;
        package_id: string;
        start: boolean;
      }>('SELECT role, node_id, central_id, package_id, start_cursor IS NOT NULL AS start FROM geosync_dbsync.meta');
      assert.deepEqual(meta, {
        role: 'clone',
        node_id: result.nodeId,
        central_id: centralId,
        package_id: packageId,
        start: true,
      });
      assert.deepEqual(await clone.query('SELECT origin, cursor::text FROM geosync_dbsync.inbound'), [
        { origin: centralId, cursor: manifest.snapshot },
      ]);
      const [clock] = await clone.query<{ ok: boolean }>(
        'SELECT last_value >= $1::bigint AS ok FROM geosync_dbsync.hlc',
        [manifest.hlc],
      );
      assert.equal(clock!.ok, true);
      assert.deepEqual(
        await clone.query(
          'SELECT id, schema_name, table_name, rule, local_columns, text_columns, apply_order, fingerprint FROM geosync_dbsync.synced_table ORDER BY id',
        ),
        centralTables,
      );
      assert.deepEqual(await clone.query('SELECT count(*)::int AS n FROM geosync_dbsync.change'), [{ n: 0 }]);
      assert.deepEqual(await clone.query(`SELECT obj_description('field'::regnamespace, 'pg_namespace') AS c`), [
        { c: 'deployed by package' },
      ]);
    }
    // Exact values, beyond equal hashes: Z/M and empty geometries, numeric, the trigger not fired by the load.
    const clone = nodes.clones[0]!;
    assert.deepEqual(
      await clone.query(`SELECT name, ST_AsEWKT(geom) AS g, area::text FROM field.site WHERE id <= 4 ORDER BY id`),
      [
        { name: 'zm', g: 'SRID=2154;POINT(1 2 3 4)', area: '1234567890.1234' },
        { name: 'line z', g: 'SRID=2154;LINESTRING(0 0 1,1 1 2)', area: '-0.0001' },
        { name: 'empty', g: 'SRID=2154;POINT EMPTY', area: '0.0000' },
        { name: 'm only', g: 'SRID=2154;POINTM(1 2 9)', area: null },
      ],
    );
    const nullNotes = 'SELECT count(*)::int AS n FROM field.observation WHERE note IS NULL';
    assert.deepEqual(await clone.query(nullNotes), await central.query(nullNotes));
    assert.notDeepEqual(await clone.query(nullNotes), [{ n: 0 }]);
  });

  it('leaves a working clone: local keys continue, the user trigger and the change capture run', async () => {
    const clone = nodes.clones[1]!;
    const [{ max }] = (await central.query<{ max: number }>('SELECT max(id) AS max FROM field.site')) as [
      { max: number },
    ];
    const [site] = await clone.query<{ id: number; uid: string }>(
      `INSERT INTO field.site (name, geom) VALUES ('from clone', 'SRID=2154;POINT(9 9)') RETURNING id, uid`,
    );
    assert.equal(site!.id, max + 1);
    const [obs] = await clone.query<{ note: string }>(
      'INSERT INTO field.observation (site_uid) VALUES ($1) RETURNING note',
      [site!.uid],
    );
    assert.equal(obs!.note, 'touched');
    const [{ node_id }] = (await clone.query<{ node_id: string }>('SELECT node_id FROM geosync_dbsync.meta')) as [
      { node_id: string },
    ];
    assert.deepEqual(
      await clone.query<{ op: string; origin: string }>(
        'SELECT op::text, origin FROM geosync_dbsync.change ORDER BY seq',
      ),
      [
        { op: 'I', origin: node_id },
        { op: 'I', origin: node_id },
      ],
    );
    await assert.rejects(clone.query('TRUNCATE field.site CASCADE'), /TRUNCATE of synced table/);
  });

  it('refuses to redeploy over unsent changes, and with force saves them to JSON first', async () => {
    const clone = nodes.clones[1]!;
    const [before] = await clone.query<{ node_id: string }>('SELECT node_id FROM geosync_dbsync.meta');
    await assert.rejects(deployPackage(clone.db, { archivePath: archive, workDir, signal }), {
      code: 'dbsync_unsynced_changes',
      status: 409,
    });
    assert.deepEqual(await clone.query('SELECT count(*)::int AS n FROM geosync_dbsync.change'), [{ n: 2 }]);
    const result = await deployPackage(clone.db, {
      archivePath: archive,
      workDir,
      force: true,
      cloneName: 'tablet 2',
      signal,
    });
    const saved = result.savedUnsyncedChangesTo!;
    assert.equal(path.dirname(saved), workDir);
    assert.match(path.basename(saved), new RegExp(`^unsynced-${before!.node_id}-.+\\.json$`));
    const content = JSON.parse(readFileSync(saved, 'utf8')) as {
      nodeId: string;
      cloneName: string;
      changes: Array<{ schema: string; table: string; op: string; new: Record<string, unknown> }>;
    };
    assert.equal(content.nodeId, before!.node_id);
    assert.equal(content.cloneName, 'tablet 2');
    assert.deepEqual(
      content.changes.map((c) => [c.schema, c.table, c.op, c.new.name ?? c.new.note]),
      [
        ['field', 'site', 'I', 'from clone'],
        ['field', 'observation', 'I', 'touched'],
      ],
    );
    assert.notEqual(result.nodeId, before!.node_id);
    await assertSameData(clone);
    assert.deepEqual(await clone.query('SELECT count(*)::int AS n FROM geosync_dbsync.change'), [{ n: 0 }]);
  });

  it('redeploys over a clone without unsent changes (its deployed schemas are replaced)', async () => {
    const clone = nodes.clones[0]!;
    await clone.query('CREATE TABLE field.local_extra (x int)'); // inside a deployed schema: replaced with it
    const result = await deployPackage(clone.db, { archivePath: archive, workDir, signal });
    assert.equal(result.savedUnsyncedChangesTo, undefined);
    assert.deepEqual(await clone.query(`SELECT to_regclass('field.local_extra') AS t`), [{ t: null }]);
    await assertSameData(clone);
  });

  it('refuses a clone edited between the unsent-changes check and the deploy transaction', async () => {
    const clone = nodes.clones[1]!; // force-deployed above: nothing unsent
    const checked = await clone.db.withSession((s) => unsyncedChanges(s), signal);
    assert.equal(checked.count, 0);
    await clone.query(`INSERT INTO ref.species (code, label) VALUES ('aa', 'Abies alba')`);
    const inTransaction = clone.db.withSession(async (s) => {
      await s.query('BEGIN');
      try {
        await refuseChangesSince(s, checked.lastSeq);
      } finally {
        await s.query('ROLLBACK');
      }
    }, signal);
    await assert.rejects(inTransaction, { code: 'dbsync_unsynced_changes', status: 409 });
  });
});
