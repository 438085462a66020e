import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { after, before, describe, test } from 'node:test';

import type { FileService } from '../../src/connectors/file-service.ts';
import { UserError } from '../../src/errors/errors.ts';

/** What an implementation hands the file-service contract: an empty service and its teardown. */
export interface FileServiceContractSetup {
  service: FileService;
  cleanup?: () => Promise<void>;
}

const userError = (code: string, status?: number) => (error: unknown) =>
  error instanceof UserError && error.code === code && (status === undefined || error.status === status);

/** Every byte value, so text-mode conversions or encodings would show. */
const binary = Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256));

/**
 * The behaviour every FileService has (local folder, S3, FTP, SFTP). Each case works in its own
 * folder so the cases do not depend on each other's leftovers.
 */
export function fileServiceContract(name: string, make: () => Promise<FileServiceContractSetup>): void {
  describe(`file-service contract: ${name}`, () => {
    let fs: FileService;
    let cleanup: (() => Promise<void>) | undefined;
    before(async () => {
      ({ service: fs, cleanup } = await make());
    });
    after(async () => {
      await cleanup?.();
    });

    const put = (path: string, bytes: Buffer | string) => fs.write(path, Readable.from([Buffer.from(bytes)]));
    const get = async (path: string) => buffer(await fs.read(path));

    test('write then read returns the same bytes', async () => {
      await put('roundtrip/data.bin', binary);
      assert.deepEqual(await get('roundtrip/data.bin'), binary);
    });

    test('an empty file and a multi-chunk stream', async () => {
      await put('chunks/empty', '');
      assert.equal((await get('chunks/empty')).length, 0);
      const chunks = Array.from({ length: 64 }, (_, i) => Buffer.alloc(16 * 1024, i));
      await fs.write('chunks/big', Readable.from(chunks));
      assert.deepEqual(await get('chunks/big'), Buffer.concat(chunks));
    });

    test('list gives direct children, sorted, with folders marked', async () => {
      await put('listing/b.txt', 'bb');
      await put('listing/a.txt', 'a');
      await put('listing/sub/c.txt', 'ccc');
      const entries = await fs.list('listing');
      assert.deepEqual(
        entries.map((e) => [e.path, e.isDirectory]),
        [
          ['listing/a.txt', false],
          ['listing/b.txt', false],
          ['listing/sub', true],
        ],
      );
      assert.equal(entries[1]?.size, 2);
      assert.ok(entries[0]?.modified instanceof Date);
      assert.ok((await fs.list('')).some((e) => e.path === 'listing' && e.isDirectory));
    });

    test('stat reports size, time and kind', async () => {
      const before = Date.now();
      await put('stat/file.txt', 'hello');
      const entry = await fs.stat('stat/file.txt');
      assert.deepEqual([entry.path, entry.size, entry.isDirectory], ['stat/file.txt', 5, false]);
      assert.ok(Math.abs(entry.modified.getTime() - before) < 60_000);
      assert.equal((await fs.stat('stat')).isDirectory, true);
    });

    test('exists and remove', async () => {
      await put('removal/gone.txt', 'x');
      assert.equal(await fs.exists('removal/gone.txt'), true);
      await fs.remove('removal/gone.txt');
      assert.equal(await fs.exists('removal/gone.txt'), false);
      await fs.remove('removal/gone.txt'); // already gone: nothing to do
      assert.equal(await fs.exists('removal/never'), false);
    });

    test('removing a folder removes its content', async () => {
      await put('tree/a/b/c.txt', 'x');
      await fs.remove('tree/a');
      assert.equal(await fs.exists('tree/a/b/c.txt'), false);
      assert.equal(await fs.exists('tree/a'), false);
    });

    test('nested folders are created on write', async () => {
      await put('deep/one/two/three/f.txt', 'deep');
      assert.equal((await get('deep/one/two/three/f.txt')).toString(), 'deep');
      assert.deepEqual(
        (await fs.list('deep/one')).map((e) => e.path),
        ['deep/one/two'],
      );
    });

    test('writing again replaces the file', async () => {
      await put('over/f.txt', 'a longer first version');
      await put('over/f.txt', 'short');
      assert.equal((await get('over/f.txt')).toString(), 'short');
      assert.deepEqual(
        (await fs.list('over')).map((e) => e.path),
        ['over/f.txt'],
        'no temporary file left',
      );
    });

    test('unicode names', async () => {
      const path = 'données/日本語 ñ €.txt';
      await put(path, 'ünïcödé');
      assert.equal((await get(path)).toString(), 'ünïcödé');
      assert.deepEqual(
        (await fs.list('données')).map((e) => e.path),
        [path],
      );
    });

    test('reading, stating or listing a missing path: file_not_found (404)', async () => {
      await assert.rejects(fs.read('missing/nothing.txt'), userError('file_not_found', 404));
      await assert.rejects(fs.stat('missing/nothing.txt'), userError('file_not_found', 404));
      await assert.rejects(fs.list('missing'), userError('file_not_found', 404));
    });

    test('a failed write leaves no file behind', async () => {
      const failing = new Readable({
        read() {
          this.destroy(new Error('source broke'));
        },
      });
      await assert.rejects(fs.write('failed/f.txt', failing));
      assert.equal(await fs.exists('failed/f.txt'), false);
    });

    test('rename moves a file: gone at its old name, same bytes at the new one', async () => {
      await put('renaming/a.bin', binary);
      await fs.rename('renaming/a.bin', 'renaming/b.bin');
      assert.equal(await fs.exists('renaming/a.bin'), false);
      assert.deepEqual(await get('renaming/b.bin'), binary);
      assert.deepEqual(
        (await fs.list('renaming')).map((e) => e.path),
        ['renaming/b.bin'],
      );
    });

    test('rename replaces an existing file', async () => {
      await put('rename-over/new.txt', 'the new content');
      await put('rename-over/old.txt', 'a longer, older content');
      await fs.rename('rename-over/new.txt', 'rename-over/old.txt');
      assert.equal((await get('rename-over/old.txt')).toString(), 'the new content');
      assert.equal((await fs.stat('rename-over/old.txt')).size, 15);
      assert.deepEqual(
        (await fs.list('rename-over')).map((e) => e.path),
        ['rename-over/old.txt'],
        'nothing else left in the folder',
      );
    });

    test('rename into a new sub-folder creates it (unicode names too)', async () => {
      await put('rename-deep/.staged', 'moved');
      await fs.rename('rename-deep/.staged', 'rename-deep/neu/tiefer/données ñ.txt');
      assert.equal((await get('rename-deep/neu/tiefer/données ñ.txt')).toString(), 'moved');
      assert.deepEqual(
        (await fs.list('rename-deep')).map((e) => [e.path, e.isDirectory]),
        [['rename-deep/neu', true]],
      );
      await fs.rename('rename-deep/neu/tiefer/données ñ.txt', 'top-level.txt');
      assert.equal((await get('top-level.txt')).toString(), 'moved');
      await fs.remove('top-level.txt');
    });

    test('rename of a missing file: file_not_found (404), the target untouched', async () => {
      await put('rename-missing/target.txt', 'keep me');
      await assert.rejects(
        fs.rename('rename-missing/none.txt', 'rename-missing/target.txt'),
        userError('file_not_found', 404),
      );
      await assert.rejects(
        fs.rename('rename-missing/no/such.txt', 'rename-missing/new.txt'),
        userError('file_not_found', 404),
      );
      assert.equal((await get('rename-missing/target.txt')).toString(), 'keep me');
      assert.equal(await fs.exists('rename-missing/new.txt'), false);
    });

    test('rename: folders are refused (is_a_directory), a file onto itself stays', async () => {
      await put('rename-kinds/dir/f.txt', 'in a folder');
      await put('rename-kinds/file.txt', 'a file');
      await assert.rejects(fs.rename('rename-kinds/dir', 'rename-kinds/moved'), userError('is_a_directory'));
      await assert.rejects(fs.rename('rename-kinds/file.txt', 'rename-kinds/dir'), userError('is_a_directory'));
      await assert.rejects(fs.rename('rename-kinds/file.txt', ''), userError('is_a_directory'));
      await fs.rename('rename-kinds/file.txt', 'rename-kinds/./file.txt');
      assert.equal((await get('rename-kinds/file.txt')).toString(), 'a file');
      assert.equal((await get('rename-kinds/dir/f.txt')).toString(), 'in a folder');
      assert.deepEqual(
        (await fs.list('rename-kinds')).map((e) => e.path),
        ['rename-kinds/dir', 'rename-kinds/file.txt'],
      );
    });

    for (const escape of ['../outside.txt', 'a/../../outside.txt', '/etc/passwd', '..\\outside.txt', 'a\0b']) {
      test(`escapes are refused: ${JSON.stringify(escape)}`, async () => {
        const refused = userError('path_outside_root', 400);
        await assert.rejects(fs.read(escape), refused);
        await assert.rejects(put(escape, 'x'), refused);
        await assert.rejects(fs.stat(escape), refused);
        await assert.rejects(fs.exists(escape), refused);
        await assert.rejects(fs.remove(escape), refused);
        await assert.rejects(fs.list(escape), refused);
        await put('escapes/keep.txt', 'stays');
        await assert.rejects(fs.rename(escape, 'escapes/in.txt'), refused);
        await assert.rejects(fs.rename('escapes/keep.txt', escape), refused);
        assert.equal((await get('escapes/keep.txt')).toString(), 'stays');
        assert.equal(await fs.exists('escapes/in.txt'), false);
      });
    }
  });
}
