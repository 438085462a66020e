import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { builtinConnectorTypes } from '../../connectors/builtin.ts';
import { type FileService, isFileService } from '../../connectors/file-service.ts';
import { UserError } from '../../errors/errors.ts';
import { latestVersion, listVersions, versionPath, versionPattern } from './file-versions.ts';

const userError = (code: string) => (error: unknown) => error instanceof UserError && error.code === code;

describe('versionPattern', () => {
  test('### in the file name marks the version', () => {
    const pattern = versionPattern('data/roads.###.tif', false);
    assert.deepEqual(pattern, { dir: 'data', prefix: 'roads.', suffix: '.tif' });
    assert.equal(versionPath(pattern, 7), 'data/roads.7.tif');
  });

  test('no ### and not auto-versioned: not versioned', () => {
    assert.equal(versionPattern('data/roads.tif', false), null);
  });

  test('auto-versioned inserts .### before the extension (the last dot of the file name)', () => {
    assert.deepEqual(versionPattern('data/roads.tif', true), { dir: 'data', prefix: 'roads.', suffix: '.tif' });
    assert.deepEqual(versionPattern('a.b/roads.tar.gz', true), { dir: 'a.b', prefix: 'roads.tar.', suffix: '.gz' });
    assert.deepEqual(versionPattern('README', true), { dir: '', prefix: 'README.', suffix: '' });
    assert.deepEqual(versionPattern('.env', true), { dir: '', prefix: '.env.', suffix: '' });
  });

  test('auto-versioned leaves an explicit ### where it is', () => {
    assert.deepEqual(versionPattern('v###-roads.tif', true), { dir: '', prefix: 'v', suffix: '-roads.tif' });
  });

  test('the path is normalized first', () => {
    assert.deepEqual(versionPattern('./data//x/../roads.###.tif', false), {
      dir: 'data',
      prefix: 'roads.',
      suffix: '.tif',
    });
  });

  test('refuses ### in a folder, twice, the root, and paths leaving the root', () => {
    assert.throws(() => versionPattern('v###/roads.tif', false), userError('invalid_versioned_path'));
    assert.throws(() => versionPattern('roads.###.###.tif', false), userError('invalid_versioned_path'));
    assert.throws(() => versionPattern('', true), userError('invalid_versioned_path'));
    assert.throws(() => versionPattern('../roads.###.tif', false), userError('path_outside_root'));
    assert.throws(() => versionPattern('/etc/roads.tif', true), userError('path_outside_root'));
  });
});

describe('listVersions on a local folder', () => {
  let root: string;
  let service: FileService;
  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'file-versions-'));
    const type = builtinConnectorTypes.find((t) => t.type === 'local-files')!;
    const connector = type.create({ root, createRoot: true }, { dataDir: root });
    assert.ok(isFileService(connector));
    service = connector;
    await mkdir(path.join(root, 'data', 'roads.4.tif'), { recursive: true }); // a folder: not a version
    for (const name of ['roads.2.tif', 'roads.10.tif', 'roads.9.tif', 'roads.x.tif', 'roads.3.tiff', 'roads.tif']) {
      await writeFile(path.join(root, 'data', name), name);
    }
  });
  after(() => rm(root, { recursive: true, force: true }));

  const pattern = { dir: 'data', prefix: 'roads.', suffix: '.tif' };

  test('finds the numbered files only, in numeric order, gaps and all', async () => {
    assert.deepEqual(await listVersions(service, pattern), [
      { version: 2, path: 'data/roads.2.tif' },
      { version: 9, path: 'data/roads.9.tif' },
      { version: 10, path: 'data/roads.10.tif' },
    ]);
    assert.deepEqual(await latestVersion(service, pattern), { version: 10, path: 'data/roads.10.tif' });
  });

  test('a folder that does not exist has no versions', async () => {
    assert.deepEqual(await listVersions(service, { ...pattern, dir: 'nowhere' }), []);
    assert.equal(await latestVersion(service, { ...pattern, dir: 'nowhere' }), undefined);
  });
});
