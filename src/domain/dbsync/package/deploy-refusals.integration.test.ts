import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
  createSyncNode,
  createSyncNodes,
  type SyncNodeDatabase,
  type SyncNodes,
} from '../../../../test/helpers/dbsync-nodes.ts';
import { deployPackage } from './deploy.ts';
import { packageCentral } from './package.ts';
import { buildCentral, rewriteArchive, rowHashes, signal, stateOf } from './package-fixture.test-helper.ts';

let nodes: SyncNodes;
let central: SyncNodeDatabase;
/** Deployed once: the "previous state" every refused or failed deploy must leave intact. */
let clone: SyncNodeDatabase;
const extra: SyncNodeDatabase[] = [];
const dir = mkdtempSync(path.join(os.tmpdir(), 'gs-dbsync-deploy-'));
const workDir = path.join(dir, 'work');
const good = path.join(dir, 'good.zip');
let n = 0;
const file = (name: string) => path.join(dir, `${++n}-${name}`);

before(async () => {
  nodes = await createSyncNodes({ clones: 1 });
  central = nodes.central;
  clone = nodes.clones[0]!;
  await buildCentral(central);
  await packageCentral(central.db, { outputPath: good, signal });
  await deployPackage(clone.db, { archivePath: good, workDir, signal });
});
after(async () => {
  await Promise.allSettled(extra.map((x) => x.close()));
  await nodes?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function freshDatabase(prefix: string): Promise<SyncNodeDatabase> {
  const node = await createSyncNode(prefix);
  extra.push(node);
  return node;
}

/** Deploys `archive` to the clone, expecting `code`; the clone must be exactly as before. */
async function refused(archive: string, code: string, message?: RegExp): Promise<void> {
  const before = await stateOf(clone);
  await assert.rejects(deployPackage(clone.db, { archivePath: archive, workDir, signal }), {
    code,
    ...(message && { message }),
  });
  assert.equal(await stateOf(clone), before, 'the clone is untouched');
}

describe('deployPackage refuses bad archives before touching the clone', () => {
  it('one byte changed in an entry (checksums left as they were)', async () => {
    const tampered = file('tampered.zip');
    await rewriteArchive(good, tampered, (entries) => {
      const data = Buffer.from(entries.get('data/1.copy')!);
      data[10] = data[10]! ^ 0x01;
      entries.set('data/1.copy', data);
    });
    await refused(tampered, 'dbsync_archive_invalid', /data\/1\.copy' does not match its checksum/);
  });

  it('one byte flipped in the file, a truncated file, a file that is no ZIP, a missing file', async () => {
    const bytes = readFileSync(good);
    const flipped = file('flipped.zip');
    const copy = Buffer.from(bytes);
    copy[Math.floor(copy.length / 3)] = copy[Math.floor(copy.length / 3)]! ^ 0x40;
    writeFileSync(flipped, copy);
    await refused(flipped, 'dbsync_archive_invalid');
    const truncated = file('truncated.zip');
    writeFileSync(truncated, bytes.subarray(0, bytes.length - 100));
    await refused(truncated, 'dbsync_archive_invalid', /truncated|end of central directory/);
    const text = file('text.zip');
    writeFileSync(text, 'COPY field.site FROM STDIN;\n');
    await refused(text, 'dbsync_archive_invalid', /not a ZIP archive/);
    await refused(path.join(dir, 'absent.zip'), 'dbsync_archive_invalid', /cannot be opened/);
  });

  it('an entry the manifest does not list, a listed entry missing, a psql command in the DDL', async () => {
    const added = file('added.zip');
    await rewriteArchive(good, added, (entries) => entries.set('run.sh', Buffer.from('rm -rf /')), {
      fixManifest: true,
    });
    await refused(added, 'dbsync_archive_invalid', /'run.sh'/);
    const dropped = file('dropped.zip');
    await rewriteArchive(good, dropped, (entries) => entries.delete('data/2.copy'));
    await refused(dropped, 'dbsync_archive_invalid', /data\/2\.copy' is missing/);
    const shell = file('shell.zip');
    await rewriteArchive(
      good,
      shell,
      (entries) =>
        entries.set(
          'schema/pre-data.sql',
          Buffer.from(`${entries.get('schema/pre-data.sql')!.toString()}\n\\! touch /tmp/x\n`),
        ),
      { fixManifest: true },
    );
    await refused(shell, 'dbsync_archive_invalid', /psql command/);
  });

  it('versions this geosync or this server cannot take, and a missing extension', async () => {
    const cases: Array<[string, (m: Record<string, unknown>) => void, string, RegExp]> = [
      ['structure.zip', (m) => (m.structureVersion = 99), 'dbsync_version_mismatch', /structures version 99/],
      ['format.zip', (m) => (m.formatVersion = 2), 'dbsync_version_mismatch', /format 2/],
      [
        'server.zip',
        (m) => (m.postgres = { versionNum: 990000, version: '99.0' }),
        'dbsync_version_mismatch',
        /PostgreSQL 99\.0/,
      ],
      [
        'extension.zip',
        (m) =>
          (m.extensions = [...(m.extensions as unknown[]), { name: 'pgrouting', schema: 'public', version: '3.6' }]),
        'dbsync_missing_extension',
        /pgrouting/,
      ],
      ['bad-manifest.zip', (m) => (m.snapshot = 'not a snapshot'), 'dbsync_archive_invalid', /snapshot/],
      [
        'outside.zip',
        (m) => ((m.tables as Array<{ schema: string }>)[0]!.schema = 'public'),
        'dbsync_archive_invalid',
        /outside the packaged schemas/,
      ],
    ];
    for (const [name, edit, code, message] of cases) {
      const doctored = file(name);
      await rewriteArchive(good, doctored, (_entries, manifest) => edit(manifest));
      await refused(doctored, code, message);
    }
    const noPostgis = await freshDatabase('dbsync_nopostgis');
    await noPostgis.query('DROP EXTENSION postgis');
    await assert.rejects(deployPackage(noPostgis.db, { archivePath: good, workDir, signal }), {
      code: 'dbsync_missing_extension',
      message: /postgis/,
    });
  });
});

describe('deployPackage rolls a failed deploy back whole', () => {
  it('rows that cannot load (a data entry cut mid-row, with matching checksums)', async () => {
    const cut = file('cut-rows.zip');
    await rewriteArchive(
      good,
      cut,
      (entries) => {
        const data = entries.get('data/1.copy')!;
        entries.set('data/1.copy', data.subarray(0, Math.floor(data.length / 2)));
      },
      { fixManifest: true },
    );
    await refused(cut, 'dbsync_archive_invalid', /cannot be loaded/);
    const fresh = await freshDatabase('dbsync_fresh_cut');
    const before = await stateOf(fresh);
    await assert.rejects(deployPackage(fresh.db, { archivePath: cut, workDir, signal }), {
      code: 'dbsync_archive_invalid',
    });
    assert.equal(await stateOf(fresh), before);
  });

  it('a failing after.sql, and one that tries to end the transaction early', async () => {
    for (const [name, afterSql] of [
      ['after-fails.zip', "CREATE TABLE field.after_marker (x int); COMMENT ON SCHEMA ref IS 'after'; SELECT 1 / 0;"],
      ['after-rollback.zip', 'ROLLBACK; CREATE TABLE public.after_escape (x int);'],
    ] as const) {
      const archive = file(name);
      await packageCentral(central.db, { outputPath: archive, afterSql, signal });
      await refused(archive, 'dbsync_after_sql_failed');
      const fresh = await freshDatabase('dbsync_fresh_after');
      const before = await stateOf(fresh);
      await assert.rejects(deployPackage(fresh.db, { archivePath: archive, workDir, signal }), {
        code: 'dbsync_after_sql_failed',
      });
      assert.equal(await stateOf(fresh), before, 'nothing escaped the transaction');
    }
  });
});

describe('deployPackage never replaces what geosync did not create', () => {
  it("refuses a same-named user schema with content, and keeps the user's rows", async () => {
    const user = await freshDatabase('dbsync_user_schema');
    await user.query(`CREATE SCHEMA field; CREATE TABLE field.mine (x int); INSERT INTO field.mine VALUES (1)`);
    const before = await stateOf(user);
    await assert.rejects(deployPackage(user.db, { archivePath: good, workDir, signal }), {
      code: 'dbsync_schema_exists',
      status: 409,
      message: /field/,
    });
    assert.equal(await stateOf(user), before);
  });

  it('takes over an empty same-named schema', async () => {
    const empty = await freshDatabase('dbsync_empty_schema');
    await empty.query('CREATE SCHEMA ref');
    await deployPackage(empty.db, { archivePath: good, workDir, signal });
    assert.deepEqual(await rowHashes(empty, 'ref.species'), await rowHashes(central, 'ref.species'));
  });

  it('refuses a foreign geosync_dbsync schema and the central itself', async () => {
    const foreign = await freshDatabase('dbsync_foreign');
    await foreign.query('CREATE SCHEMA geosync_dbsync; CREATE TABLE geosync_dbsync.meta (x int)');
    await assert.rejects(deployPackage(foreign.db, { archivePath: good, workDir, signal }), {
      code: 'dbsync_foreign_structures',
    });
    assert.deepEqual(await foreign.query(`SELECT to_regclass('field.site') AS t`), [{ t: null }]);
    const before = await stateOf(central);
    await assert.rejects(deployPackage(central.db, { archivePath: good, workDir, signal }), {
      code: 'dbsync_wrong_role',
    });
    assert.equal(await stateOf(central), before);
  });
});
