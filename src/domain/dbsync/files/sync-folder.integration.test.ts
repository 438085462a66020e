/**
 * syncFolder between real file services (local folder, FTP, SFTP, S3; each one as source and as
 * target): every outcome is read back through the services and checked by SHA-256, and the
 * manifest is checked against both sides.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { pipeline, Transform } from 'node:stream';
import { after, before, describe, test } from 'node:test';

import type { FileService } from '../../../connectors/file-service.ts';
import { isGeosyncError } from '../../../errors/errors.ts';
import {
  baselineOf,
  contentOf,
  hashesBelow,
  put,
  recording,
  type ServiceName,
  sha256,
  startFileServices,
  type TestFileServices,
} from './file-services.test-helper.ts';
import { syncFolder } from './sync-folder.ts';

let services: TestFileServices;
before(async () => {
  services = await startFileServices();
});
after(() => services?.stop());

const PAIRS: Array<[ServiceName, ServiceName]> = [
  ['local', 'local'],
  ['local', 'ftp'],
  ['ftp', 'sftp'],
  ['sftp', 's3'],
  ['s3', 'local'],
];

const CONFLICT = (stem: string, ext: string) =>
  new RegExp(`^${stem} \\(conflict central \\d{4}-\\d\\d-\\d\\d \\d{6}( \\d+)?\\)${ext.replace('.', '\\.')}$`);

async function seed(service: FileService, dir: string, files: Record<string, string | Buffer>) {
  for (const [path, content] of Object.entries(files)) await put(service, `${dir}/${path}`, content);
}

/** Both sides hold the same files, and the manifest's hashes are those of both sides. */
async function assertInStep(source: FileService, target: FileService, dir: string, expected: string[]) {
  const atSource = await hashesBelow(source, `${dir}/src`);
  const atTarget = await hashesBelow(target, `${dir}/dst`);
  for (const path of expected) assert.equal(atTarget[path], atSource[path], path);
  const baseline = await baselineOf(target, `${dir}/dst`, 'central');
  assert.deepEqual(Object.keys(baseline).sort(), [...expected].sort());
  for (const path of expected) {
    assert.equal(baseline[path]!.source.sha256, atSource[path], `manifest source view of ${path}`);
    assert.equal(baseline[path]!.target.sha256, atTarget[path], `manifest target view of ${path}`);
  }
}

for (const [from, to] of PAIRS) {
  describe(`syncFolder ${from} → ${to}`, () => {
    const source = () => services.get(from);
    const target = () => services.get(to);
    const dirs = (name: string) => {
      const dir = `${from}-${to}/${name}`;
      return { dir, options: { sourceDir: `${dir}/src`, targetDir: `${dir}/dst`, node: 'central' } };
    };

    test('the first sync copies everything, the second nothing, then a change at the source is copied', async () => {
      const { dir, options } = dirs('basic');
      const big = randomBytes(300_000);
      await seed(source(), `${dir}/src`, { 'a.txt': 'alpha', 'sub/b.bin': big, 'sub/deep/c.txt': 'gamma' });
      const progress: Array<[number, number]> = [];
      const first = await syncFolder(source(), target(), { ...options, onProgress: (d, t) => progress.push([d, t]) });
      assert.deepEqual(first.copied, ['a.txt', 'sub/b.bin', 'sub/deep/c.txt']);
      assert.equal(first.bytes, 5 + big.length + 5);
      assert.deepEqual(progress, [
        [0, 3],
        [1, 3],
        [2, 3],
        [3, 3],
      ]);
      await assertInStep(source(), target(), dir, ['a.txt', 'sub/b.bin', 'sub/deep/c.txt']);

      const second = await syncFolder(source(), target(), options);
      assert.deepEqual([second.copied, second.conflicts, second.unchanged, second.bytes], [[], [], 3, 0]);

      await put(source(), `${dir}/src/sub/b.bin`, randomBytes(300_001));
      await put(source(), `${dir}/src/new.txt`, 'brand new');
      const third = await syncFolder(source(), target(), options);
      assert.deepEqual(third.copied, ['new.txt', 'sub/b.bin']);
      assert.equal(third.unchanged, 2);
      await assertInStep(source(), target(), dir, ['a.txt', 'new.txt', 'sub/b.bin', 'sub/deep/c.txt']);
    });

    test('changed on both sides: the target keeps its file, the incoming one is written next to it', async () => {
      const { dir, options } = dirs('conflict');
      await seed(source(), `${dir}/src`, { 'notes.txt': 'v1', 'only-target.txt': 'one' });
      await syncFolder(source(), target(), options);
      await put(source(), `${dir}/src/notes.txt`, 'source v2');
      await put(target(), `${dir}/dst/notes.txt`, 'the target edit');
      await put(target(), `${dir}/dst/only-target.txt`, 'edited at the target only');

      const report = await syncFolder(source(), target(), options);
      assert.deepEqual(report.copied, []);
      assert.equal(report.conflicts.length, 1);
      const [{ path, keptAs }] = report.conflicts as [{ path: string; keptAs: string }];
      assert.equal(path, 'notes.txt');
      assert.match(keptAs, CONFLICT('notes', '.txt'));
      assert.equal((await contentOf(target(), `${dir}/dst/notes.txt`)).toString(), 'the target edit');
      assert.equal((await contentOf(target(), `${dir}/dst/${keptAs}`)).toString(), 'source v2');
      assert.equal((await contentOf(target(), `${dir}/dst/only-target.txt`)).toString(), 'edited at the target only');

      const again = await syncFolder(source(), target(), options);
      assert.deepEqual([again.copied, again.conflicts, again.unchanged], [[], [], 2]);
      // The kept version is never replaced: the next change at the source is another conflict copy.
      await put(source(), `${dir}/src/notes.txt`, 'source v3, longer');
      const third = await syncFolder(source(), target(), options);
      assert.equal(third.conflicts.length, 1);
      assert.notEqual(third.conflicts[0]!.keptAs, keptAs);
      assert.equal((await contentOf(target(), `${dir}/dst/notes.txt`)).toString(), 'the target edit');
      assert.equal(
        (await contentOf(target(), `${dir}/dst/${third.conflicts[0]!.keptAs}`)).toString(),
        'source v3, longer',
      );
      assert.equal((await baselineOf(target(), `${dir}/dst`, 'central'))['notes.txt']!.diverged, true);
    });

    test('files already at the target without a manifest: the same adopted, a different one kept with a conflict copy', async () => {
      const { dir, options } = dirs('adopt');
      await seed(source(), `${dir}/src`, { 'same.txt': 'same', 'differs.gpkg': 'the source', 'fresh.txt': 'f' });
      await seed(target(), `${dir}/dst`, { 'same.txt': 'same', 'differs.gpkg': 'maybe newer at the target' });
      const report = await syncFolder(source(), target(), options);
      assert.deepEqual(report.copied, ['fresh.txt']);
      assert.equal(report.unchanged, 1);
      assert.deepEqual(
        report.conflicts.map((c) => c.path),
        ['differs.gpkg'],
      );
      assert.match(report.conflicts[0]!.keptAs, CONFLICT('differs', '.gpkg'));
      assert.equal((await contentOf(target(), `${dir}/dst/differs.gpkg`)).toString(), 'maybe newer at the target');
      const again = await syncFolder(source(), target(), options);
      assert.deepEqual([again.copied, again.conflicts, again.unchanged], [[], [], 3]);
      // A damaged manifest reads as none: contents are compared, nothing is overwritten.
      await put(target(), `${dir}/dst/.geosync-files.json`, '{"format": "geosync-files", "nod');
      await put(target(), `${dir}/dst/same.txt`, 'edited at the target');
      const damaged = await syncFolder(source(), target(), options);
      assert.deepEqual(damaged.copied, []);
      assert.deepEqual(
        damaged.conflicts.map((c) => c.path),
        ['differs.gpkg', 'same.txt'],
      );
      assert.equal((await contentOf(target(), `${dir}/dst/same.txt`)).toString(), 'edited at the target');
    });

    test('excluded sub-folders are never entered; deletions at the source are reported, not propagated', async () => {
      const { dir, options } = dirs('exclude');
      await seed(source(), `${dir}/src`, {
        'keep.txt': 'k',
        'private/secret.txt': 's',
        'private/inner/x.txt': 'x',
        'data/tmp/t.txt': 't',
        'data/d.txt': 'd',
      });
      const watched = recording(source());
      const exclude = ['private', './data/tmp/'];
      const report = await syncFolder(watched, target(), { ...options, exclude });
      assert.deepEqual(report.copied, ['data/d.txt', 'keep.txt']);
      assert.deepEqual(report.excluded, ['data/tmp', 'private']);
      const entered = [...watched.listed, ...watched.opened].filter((p) => /private|tmp/.test(p));
      assert.deepEqual(entered, []);
      assert.deepEqual(Object.keys(await hashesBelow(target(), `${dir}/dst`)), ['data/d.txt', 'keep.txt']);

      await source().remove(`${dir}/src/keep.txt`);
      const after = await syncFolder(source(), target(), { ...options, exclude });
      assert.deepEqual(after.missingAtSource, ['keep.txt']);
      assert.equal((await contentOf(target(), `${dir}/dst/keep.txt`)).toString(), 'k');

      for (const bad of ['../etc', 'a/../../b', '..']) {
        await assert.rejects(
          syncFolder(source(), target(), { ...options, exclude: [bad] }),
          (e) => isGeosyncError(e) && e.code === 'dbsync_invalid_exclude',
          bad,
        );
      }
    });

    test('an interrupted sync leaves the old manifest; a rerun completes and the manifest matches both sides', async () => {
      const { dir, options } = dirs('interrupt');
      const names = ['f1.bin', 'f2.bin', 'f3.bin', 'sub/f4.bin', 'sub/f5.bin'];
      await seed(source(), `${dir}/src`, Object.fromEntries(names.map((n) => [n, randomBytes(200_000)])));
      const controller = new AbortController();
      let writes = 0;
      const real = target();
      // The abort comes while the third file streams to the target, after its first bytes.
      const interrupted: FileService = {
        ...real,
        list: (d) => real.list(d),
        stat: (p) => real.stat(p),
        read: (p) => real.read(p),
        rename: (a, b) => real.rename(a, b),
        remove: (p) => real.remove(p),
        exists: (p) => real.exists(p),
        write: (path, body, signal) => {
          if (++writes !== 3) return real.write(path, body, signal);
          const cut = new Transform({
            transform(chunk: Buffer, _encoding, done) {
              controller.abort(new Error('cut off'));
              done(null, chunk);
            },
          });
          return real.write(
            path,
            pipeline(body, cut, () => undefined),
            signal,
          );
        },
      };
      await assert.rejects(syncFolder(source(), interrupted, { ...options, signal: controller.signal }));
      assert.equal(await real.exists(`${dir}/dst/.geosync-files.json`), false, 'no manifest yet');
      const partial = Object.keys(await hashesBelow(real, `${dir}/dst`));
      assert.deepEqual(partial, ['f1.bin', 'f2.bin']);

      const rerun = await syncFolder(source(), real, options);
      assert.deepEqual(rerun.copied, ['f3.bin', 'sub/f4.bin', 'sub/f5.bin']);
      assert.equal(rerun.unchanged, 2, 'the files copied before the cut are adopted, not copied again');
      await assertInStep(source(), real, dir, names);
      const last = await syncFolder(source(), real, options);
      assert.deepEqual([last.copied, last.unchanged, last.bytes], [[], 5, 0]);

      // Cut again while changes are copied: the manifest stays as it was, the rerun adopts what was copied.
      const manifest = await contentOf(real, `${dir}/dst/.geosync-files.json`);
      for (const name of ['f1.bin', 'f3.bin', 'sub/f5.bin']) {
        await put(source(), `${dir}/src/${name}`, randomBytes(150_000));
      }
      writes = 0;
      const second = new AbortController();
      const cutSecond: FileService = {
        ...interrupted,
        write: async (path, body, signal) => {
          await real.write(path, body, signal);
          if (++writes === 1) second.abort(new Error('cut off after the first file'));
        },
      };
      await assert.rejects(syncFolder(source(), cutSecond, { ...options, signal: second.signal }));
      assert.deepEqual(await contentOf(real, `${dir}/dst/.geosync-files.json`), manifest);
      const resumed = await syncFolder(source(), real, options);
      assert.deepEqual(resumed.copied, ['f3.bin', 'sub/f5.bin']);
      assert.deepEqual(resumed.conflicts, []);
      assert.equal(resumed.unchanged, 3, 'f1.bin, copied before the cut, is adopted');
      await assertInStep(source(), real, dir, names);

      // No temporary file of the cut write is left.
      const names_ = (await real.list(`${dir}/dst`)).map((e) => e.path.slice(dir.length + 5));
      assert.deepEqual(names_.sort(), ['.geosync-files.json', 'f1.bin', 'f2.bin', 'f3.bin', 'sub'].sort());
      assert.equal(
        sha256(await contentOf(real, `${dir}/dst/f3.bin`)),
        sha256(await contentOf(source(), `${dir}/src/f3.bin`)),
      );
    });
  });
}
