import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';

import { connectorContract } from '../../../test/contracts/connector.contract.ts';
import { fileServiceContract } from '../../../test/contracts/file-service.contract.ts';
import { UserError } from '../../errors/errors.ts';
import { isFileService } from '../file-service.ts';
import { type LocalFilesConnector, localFilesConnectorType as type } from './local-files.connector.ts';

const tempDir = async () => realpath(await mkdtemp(path.join(tmpdir(), 'local-files-')));

connectorContract('local-files', async () => {
  const dataDir = await tempDir();
  await writeFile(path.join(dataDir, 'a-file'), 'x');
  return {
    type,
    goodConfig: { root: 'files' },
    badConfigs: [
      { config: {}, field: 'root' },
      { config: { root: '' }, field: 'root' },
      { config: { root: 'x\0y' }, field: 'root' },
      { config: { root: 'files', createRoot: 'yes' }, field: 'createRoot' },
    ],
    // A folder cannot be created below a plain file.
    unreachableConfig: { root: 'a-file/files' },
    deps: { dataDir },
    cleanup: () => rm(dataDir, { recursive: true, force: true }),
  };
});

fileServiceContract('local-files', async () => {
  const dataDir = await tempDir();
  const service = type.create({ root: 'files', createRoot: true }, { dataDir }) as LocalFilesConnector;
  return { service, cleanup: () => rm(dataDir, { recursive: true, force: true }) };
});

describe('local-files', () => {
  let dataDir: string;
  before(async () => {
    dataDir = await tempDir();
  });
  after(() => rm(dataDir, { recursive: true, force: true }));

  const open = (root: string, createRoot = true) =>
    type.create({ root, createRoot }, { dataDir }) as LocalFilesConnector;
  const outside = (e: unknown) => e instanceof UserError && e.code === 'path_outside_root';

  test('is a file service', () => {
    assert.ok(isFileService(open('files')));
  });

  test('test() creates a missing root and reports free space', async () => {
    const result = await open('made/here').test(AbortSignal.timeout(5000));
    assert.equal(result.ok, true, result.message);
    assert.deepEqual([result.details?.root, result.details?.created], [path.join(dataDir, 'made/here'), true]);
    assert.equal(typeof result.details?.freeBytes, 'number');
    assert.deepEqual(await readdir(path.join(dataDir, 'made/here')), [], 'the probe file is removed');
  });

  test('test() with createRoot off and no folder', async () => {
    const result = await open('absent', false).test(AbortSignal.timeout(5000));
    assert.equal(result.ok, false);
    assert.match(result.message, /does not exist/);
  });

  test('test() on a plain file', async () => {
    await writeFile(path.join(dataDir, 'plain'), 'x');
    const result = await open('plain').test(AbortSignal.timeout(5000));
    assert.deepEqual([result.ok, result.message], [false, `${path.join(dataDir, 'plain')} is not a folder`]);
  });

  test('an absolute root is used as given', async () => {
    const elsewhere = await tempDir();
    const fs = open(elsewhere);
    await fs.write('x.txt', Readable.from(['x']));
    assert.deepEqual(await readdir(elsewhere), ['x.txt']);
    await rm(elsewhere, { recursive: true });
  });

  test('file operations with createRoot off and no folder say so', async () => {
    await assert.rejects(open('absent', false).list(), (e) => e instanceof UserError && e.code === 'root_not_found');
  });

  test('links inside the root work; links pointing outside are refused and not listed', async () => {
    const root = path.join(dataDir, 'linked');
    const secret = path.join(dataDir, 'secret');
    await mkdir(path.join(root, 'real'), { recursive: true });
    await mkdir(secret);
    await writeFile(path.join(secret, 'key.txt'), 'secret');
    await writeFile(path.join(root, 'real', 'ok.txt'), 'ok');
    await symlink(path.join(root, 'real'), path.join(root, 'inside'));
    await symlink(secret, path.join(root, 'out'));
    await symlink(path.join(secret, 'key.txt'), path.join(root, 'key-link'));
    const fs = open('linked');

    assert.equal((await fs.read('inside/ok.txt')).constructor.name, 'ReadStream');
    assert.deepEqual(
      (await fs.list()).map((e) => e.path),
      ['inside', 'real'],
    );
    await assert.rejects(fs.read('out/key.txt'), outside);
    await assert.rejects(fs.read('key-link'), outside);
    await assert.rejects(fs.stat('out'), outside);
    await assert.rejects(fs.list('out'), outside);
    await assert.rejects(fs.write('out/new.txt', Readable.from(['x'])), outside);
    await assert.rejects(fs.exists('out/key.txt'), outside);

    await fs.remove('out'); // removes the link itself, never what it points to
    assert.deepEqual(await readdir(secret), ['key.txt']);
  });

  test('an aborted write leaves neither the file nor a temporary file', async () => {
    const fs = open('aborted');
    const controller = new AbortController();
    const endless = new Readable({
      read() {
        this.push(Buffer.alloc(1024));
        controller.abort();
      },
    });
    await assert.rejects(fs.write('dir/f.bin', endless, controller.signal), { name: 'AbortError' });
    assert.deepEqual(await fs.list('dir'), []);
  });

  test('localPath gives the absolute path on this host, confined to the root', async () => {
    const root = path.join(dataDir, 'local-path');
    const secret = path.join(dataDir, 'local-path-secret');
    await mkdir(root, { recursive: true });
    await mkdir(secret, { recursive: true });
    await symlink(secret, path.join(root, 'out'));
    const fs = open('local-path');
    await fs.write('maps/dem.tif', Readable.from(['x']));
    assert.equal(await fs.localPath('maps/./dem.tif'), path.join(root, 'maps/dem.tif'));
    await assert.rejects(fs.localPath('../local-path-secret/x.tif'), outside);
    await assert.rejects(fs.localPath('/etc/passwd'), outside);
    await assert.rejects(fs.localPath('out/x.tif'), outside);
  });

  test('reading a folder and removing the root are refused', async () => {
    const fs = open('misc');
    await fs.write('dir/f.txt', Readable.from(['x']));
    await assert.rejects(fs.read('dir'), (e) => e instanceof UserError && e.code === 'is_a_directory');
    await assert.rejects(fs.remove(''), (e) => e instanceof UserError && e.code === 'cannot_remove_root');
    await assert.rejects(fs.remove('dir/..'), (e) => e instanceof UserError && e.code === 'cannot_remove_root');
  });
});
