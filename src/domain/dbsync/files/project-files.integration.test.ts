/**
 * The three file algorithms (LizSync's "03 GeoPoppy file synchronization") over real file
 * services: projects and files from a central (S3, FTP) to a clone (local, SFTP) with the QGIS
 * projects adapted, a data manager's folder to a clone (FTP) as it is, and field media back from a
 * clone to the central (SFTP, S3).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { readZip } from '../../../lib/zip/zip-reader.ts';
import { zipFiles } from '../../../lib/zip/zip-writer.ts';
import {
  contentOf,
  hashesBelow,
  put,
  sha256,
  startFileServices,
  type TestFileServices,
} from './file-services.test-helper.ts';
import { getProjectsAndFiles, sendMedia, sendProjectsAndFiles } from './project-files.ts';

const project = readFileSync(new URL('./fixtures/field-survey.qgs', import.meta.url));
const auxiliary = Buffer.from('SQLite format 3\u0000 auxiliary storage');
const packed = zipFiles([
  { path: 'survey.qgs', content: project },
  { path: 'survey.qgd', content: auxiliary },
]);
const centralDatabase = { host: '10.0.0.5', port: 5432, dbname: 'central' };
const cloneDatabase = { host: 'localhost', port: 5433, dbname: 'clone_db', user: 'field' };

let services: TestFileServices;
before(async () => {
  services = await startFileServices();
});
after(() => services?.stop());

const text = async (service: 'local' | 'ftp' | 'sftp' | 's3', path: string) =>
  (await contentOf(services.get(service), path)).toString('utf8');

describe('getProjectsAndFiles', () => {
  for (const [from, to] of [
    ['s3', 'local'],
    ['ftp', 'sftp'],
  ] as const) {
    test(`${from} central → ${to} clone: projects adapted (.qgs and .qgz), other files as they are`, async () => {
      const central = services.get(from);
      const clone = services.get(to);
      const photo = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
      for (const [path, content] of Object.entries({
        'projects/field-survey.qgs': project,
        'projects/packed.qgz': packed,
        'projects/data/roads.gpkg': 'gpkg bytes',
        'projects/media/upload/p1.jpg': photo,
        'projects/archive/old.qgs': project,
      })) {
        await put(central, `get/${path}`, content);
      }
      const options = { exclude: ['archive'], node: 'central', rewriteTo: cloneDatabase, centralDatabase };
      const report = await getProjectsAndFiles(central, 'get/projects', clone, 'get/clone', options);
      assert.deepEqual(report.copied, ['data/roads.gpkg', 'field-survey.qgs', 'media/upload/p1.jpg', 'packed.qgz']);
      assert.deepEqual(report.rewritten, [
        { path: 'field-survey.qgs', layers: 3 },
        { path: 'packed.qgz', layers: 3 },
      ]);
      assert.deepEqual(report.excluded, ['archive']);
      assert.equal(await clone.exists('get/clone/archive'), false);

      const qgs = await text(to, 'get/clone/field-survey.qgs');
      assert.match(qgs, /<datasource>dbname='clone_db' host=localhost port=5433 user='field' sslmode=disable key='id'/);
      assert.ok(!qgs.includes('10.0.0.5') && !qgs.includes('s3cr') && !qgs.includes('gis-pass'));
      assert.match(qgs, /dbname='archive' host=10\.0\.0\.9 port=5432 user='reader' password='archive-pass'/);
      const entries = readZip(await contentOf(clone, 'get/clone/packed.qgz'));
      assert.equal(entries[0]!.content.toString('utf8'), qgs);
      assert.deepEqual(entries[1]!.content, auxiliary);
      assert.equal(sha256(await contentOf(clone, 'get/clone/media/upload/p1.jpg')), sha256(photo));
      assert.equal(await text(to, 'get/clone/data/roads.gpkg'), 'gpkg bytes');

      const again = await getProjectsAndFiles(central, 'get/projects', clone, 'get/clone', options);
      assert.deepEqual([again.copied, again.rewritten, again.unchanged], [[], [], 4]);

      // Another clone database: the projects are delivered again, the rest stays.
      const moved = { ...options, rewriteTo: { ...cloneDatabase, port: 6543 } };
      const redo = await getProjectsAndFiles(central, 'get/projects', clone, 'get/clone', moved);
      assert.deepEqual(redo.copied, ['field-survey.qgs', 'packed.qgz']);
      assert.match(await text(to, 'get/clone/field-survey.qgs'), /host=localhost port=6543 user='field'/);
    });
  }
});

test('sendProjectsAndFiles: a data manager folder (local) → a clone (FTP), projects not adapted', async () => {
  const local = services.get('local');
  const clone = services.get('ftp');
  await put(local, 'manager/projects/field-survey.qgs', project);
  await put(local, 'manager/projects/styles/roads.qml', '<qgis/>');
  await put(local, 'manager/projects/.git/config', 'never sent');
  const report = await sendProjectsAndFiles(local, 'manager/projects', clone, 'clone1/projects', {
    exclude: ['.git'],
    node: 'manager',
  });
  assert.deepEqual(report.copied, ['field-survey.qgs', 'styles/roads.qml']);
  assert.deepEqual(report.rewritten, []);
  assert.equal(sha256(await contentOf(clone, 'clone1/projects/field-survey.qgs')), sha256(project));
  assert.deepEqual(Object.keys(await hashesBelow(clone, 'clone1/projects')), ['field-survey.qgs', 'styles/roads.qml']);
});

describe('sendMedia', () => {
  for (const [from, to] of [
    ['local', 'sftp'],
    ['sftp', 's3'],
  ] as const) {
    test(`${from} clone → ${to} central: only media/upload, never replacing a file at the central`, async () => {
      const clone = services.get(from);
      const central = services.get(to);
      const base = `media-${from}-${to}`;
      await put(clone, `${base}/clone/project.qgs`, project);
      await put(clone, `${base}/clone/media/other/x.jpg`, 'not uploaded');
      await put(clone, `${base}/clone/media/upload/new.jpg`, 'a new photo');
      await put(clone, `${base}/clone/media/upload/forms/sub.jpg`, 'in a sub-folder');
      await put(clone, `${base}/clone/media/upload/same.jpg`, 'same photo');
      await put(clone, `${base}/clone/media/upload/clash.jpg`, 'the clone photo');
      await put(central, `${base}/central/media/upload/same.jpg`, 'same photo');
      await put(central, `${base}/central/media/upload/clash.jpg`, 'the central photo');

      const options = { node: 'clone-1' };
      const report = await sendMedia(clone, `${base}/clone`, central, `${base}/central`, options);
      assert.deepEqual(report.copied, ['forms/sub.jpg', 'new.jpg']);
      assert.equal(report.unchanged, 1);
      assert.equal(report.conflicts.length, 1);
      const { keptAs } = report.conflicts[0]!;
      assert.match(keptAs, /^clash \(conflict clone-1 \d{4}-\d\d-\d\d \d{6}\)\.jpg$/);
      const atCentral = await hashesBelow(central, `${base}/central`);
      assert.deepEqual(atCentral, {
        [`media/upload/${keptAs}`]: sha256('the clone photo'),
        'media/upload/clash.jpg': sha256('the central photo'),
        'media/upload/forms/sub.jpg': sha256('in a sub-folder'),
        'media/upload/new.jpg': sha256('a new photo'),
        'media/upload/same.jpg': sha256('same photo'),
      });

      const again = await sendMedia(clone, `${base}/clone`, central, `${base}/central`, options);
      assert.deepEqual([again.copied, again.conflicts, again.unchanged], [[], [], 4]);
      // A photo changed on the clone after it was sent: the central's copy stays, a conflict copy joins it.
      await put(clone, `${base}/clone/media/upload/new.jpg`, 'a new photo, retouched');
      const changed = await sendMedia(clone, `${base}/clone`, central, `${base}/central`, options);
      assert.deepEqual(changed.copied, []);
      assert.deepEqual(
        changed.conflicts.map((c) => c.path),
        ['new.jpg'],
      );
      assert.equal(await text(to, `${base}/central/media/upload/new.jpg`), 'a new photo');

      const nothing = await sendMedia(clone, `${base}/no-such-clone`, central, `${base}/central`, options);
      assert.deepEqual([nothing.copied, nothing.unchanged], [[], 0]);
    });
  }
});
