/**
 * CopyFile against real local-files services (temp folders), with a run context that behaves
 * like the engine's: staged data goes through JSON, commit in staging order, rollback reversed.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, beforeEach, test } from 'node:test';

import { builtinConnectorTypes } from '../../connectors/builtin.ts';
import { type FileService, isFileService } from '../../connectors/file-service.ts';
import { GeosyncError } from '../../errors/errors.ts';
import type { StagedObject, TaskRunContext } from '../task-type.ts';
import { type CopyFileParameters, copyFileParameters, copyFileTask } from './copy-file.task.ts';

let base: string;
let services: Record<string, FileService>;
const roots = { src: '', dst: '' };

function localFiles(root: string): FileService {
  const type = builtinConnectorTypes.find((t) => t.type === 'local-files')!;
  const connector = type.create({ root, createRoot: true }, { dataDir: root });
  assert.ok(isFileService(connector));
  return connector;
}

beforeEach(async () => {
  base = await mkdtemp(path.join(tmpdir(), 'copy-file-'));
  roots.src = path.join(base, 'src');
  roots.dst = path.join(base, 'dst');
  services = { src: localFiles(roots.src), dst: localFiles(roots.dst) };
  await mkdir(roots.src, { recursive: true });
  await mkdir(roots.dst, { recursive: true });
});
afterEach(() => rm(base, { recursive: true, force: true }));

/** A run context like the engine's, plus commit/rollback driving the staged objects. */
function runContext(signal = new AbortController().signal) {
  const staged: StagedObject[] = [];
  const progress: { done: number; total?: number; unit?: string }[] = [];
  const ctx: TaskRunContext = {
    signal,
    runId: randomUUID(),
    taskName: 'copy',
    attributes: {},
    log: () => undefined,
    services: {
      workDir: base,
      connections: {
        fileService: async (name) => {
          const found = services[name];
          if (!found) throw new Error(`no file service ${name}`);
          return found;
        },
        database: () => Promise.reject(new Error('no database in this test')),
        postgres: () => Promise.reject(new Error('no database in this test')),
        localMapServer: 'local',
        mapServer: () => Promise.reject(new Error('no map server in this test')),
      },
    },
    async stage(object) {
      // The ledger stores data as JSON: anything that does not survive that would break recovery.
      const recorded = {
        id: String(staged.length + 1),
        ...object,
        data: JSON.parse(JSON.stringify(object.data)) as Record<string, unknown>,
      };
      staged.push(recorded);
      return recorded;
    },
    findStaged: (kind, name) => staged.find((o) => o.kind === kind && o.name === name),
    progress: (done, total, unit) => progress.push({ done, total, unit }),
  };
  const action = { signal: new AbortController().signal, log: () => undefined, services: ctx.services };
  return {
    ctx,
    staged,
    progress,
    commit: async () => {
      for (const object of staged) await copyFileTask.commitStaged(object, action);
    },
    rollback: async () => {
      for (const object of [...staged].reverse()) await copyFileTask.rollbackStaged(object, action);
    },
    cleanup: (params: CopyFileParameters) => copyFileTask.cleanup!(params, action),
  };
}

const params = (values: Record<string, string>): CopyFileParameters =>
  copyFileParameters.parse({ sourceService: 'src', targetService: 'dst', ...values });

const put = async (root: string, file: string, content: string | Buffer) => {
  await mkdir(path.dirname(path.join(root, file)), { recursive: true });
  await writeFile(path.join(root, file), content);
};
const text = (root: string, file: string) => readFile(path.join(root, file), 'utf8');
/** Every file below `root`, hidden ones included, as sorted relative paths. */
const filesIn = async (root: string) =>
  (await readdir(root, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)))
    .sort();
const code = (expected: string) => (error: unknown) => error instanceof GeosyncError && error.code === expected;

test('run then commit: the copy lands at the target, nothing staged is left', async () => {
  await put(roots.src, 'in/roads.tif', 'raster bytes');
  const run = runContext();
  const outcome = await copyFileTask.run(params({ sourcePath: 'in/roads.tif', targetPath: 'out/roads.tif' }), run.ctx);
  assert.match(outcome.message ?? '', /copied 12 bytes from src:in\/roads.tif to dst:out\/\.roads\.tif\..*SHA-256/);
  assert.deepEqual(
    run.staged.map((o) => [o.kind, o.name]),
    [['file', 'dst:out/roads.tif']],
  );
  assert.deepEqual(run.progress.at(-1), { done: 12, total: 12, unit: 'bytes' });
  await run.commit();
  assert.equal(await text(roots.dst, 'out/roads.tif'), 'raster bytes');
  assert.deepEqual(await filesIn(roots.dst), ['out/roads.tif']);
});

test('an existing target stays as it was until commit, and rollback keeps it', async () => {
  await put(roots.src, 'roads.tif', 'new');
  await put(roots.dst, 'roads.tif', 'old');
  const rolledBack = runContext();
  await copyFileTask.run(params({ sourcePath: 'roads.tif', targetPath: 'roads.tif' }), rolledBack.ctx);
  assert.equal(await text(roots.dst, 'roads.tif'), 'old', 'untouched before commit');
  assert.equal((await filesIn(roots.dst)).length, 2, 'the staged copy sits next to the target');
  await rolledBack.rollback();
  assert.deepEqual(await filesIn(roots.dst), ['roads.tif']);
  assert.equal(await text(roots.dst, 'roads.tif'), 'old');

  const committed = runContext();
  await copyFileTask.run(params({ sourcePath: 'roads.tif', targetPath: 'roads.tif' }), committed.ctx);
  await committed.commit();
  assert.equal(await text(roots.dst, 'roads.tif'), 'new');
  assert.deepEqual(await filesIn(roots.dst), ['roads.tif']);
});

test('commit and rollback can be repeated (crash recovery repeats them)', async () => {
  await put(roots.src, 'a.txt', 'first');
  const run = runContext();
  await copyFileTask.run(params({ sourcePath: 'a.txt', targetPath: 'a.txt' }), run.ctx);
  await run.commit();
  // The target changes after the first commit: a repeated commit must not bring the old copy back.
  await put(roots.dst, 'a.txt', 'changed since');
  await run.commit();
  assert.equal(await text(roots.dst, 'a.txt'), 'changed since');

  const again = runContext();
  await copyFileTask.run(params({ sourcePath: 'a.txt', targetPath: 'b.txt' }), again.ctx);
  await again.rollback();
  await again.rollback();
  assert.deepEqual(await filesIn(roots.dst), ['a.txt']);
});

test('a commit interrupted inside a non-atomic rename (S3: copied, not yet deleted) finishes on the next try', async () => {
  await put(roots.src, 'a.txt', 'payload');
  const run = runContext();
  await copyFileTask.run(params({ sourcePath: 'a.txt', targetPath: 'a.txt' }), run.ctx);
  // What a crash between S3's CopyObject and DeleteObject leaves: the target written, the staged copy still there.
  const temp = String(run.staged[0]!.data.temp);
  await put(roots.dst, 'a.txt', 'payload');
  await run.commit();
  assert.deepEqual(await filesIn(roots.dst), ['a.txt']);
  assert.equal(await text(roots.dst, 'a.txt'), 'payload');
  assert.equal(temp.startsWith('.a.txt.'), true);
});

test('commit renames the staged copy (no second copy of the bytes)', async () => {
  await put(roots.src, 'a.txt', 'payload');
  await put(roots.dst, 'a.txt', 'old');
  const calls: string[] = [];
  const inner = services.dst!;
  services.dst = {
    ...Object.fromEntries(
      (['list', 'stat', 'read', 'write', 'rename', 'remove', 'exists'] as const).map((m) => [
        m,
        (...args: unknown[]) => {
          calls.push(m);
          return (inner[m] as (...a: unknown[]) => unknown).apply(inner, args);
        },
      ]),
    ),
  } as unknown as FileService;
  const run = runContext();
  await copyFileTask.run(params({ sourcePath: 'a.txt', targetPath: 'a.txt' }), run.ctx);
  calls.length = 0;
  await run.commit();
  assert.deepEqual(calls, ['exists', 'rename']);
  assert.equal(await text(roots.dst, 'a.txt'), 'payload');
  assert.deepEqual(await filesIn(roots.dst), ['a.txt']);
});

test('commit with the staged copy gone and no target fails clearly', async () => {
  await put(roots.src, 'a.txt', 'payload');
  const run = runContext();
  await copyFileTask.run(params({ sourcePath: 'a.txt', targetPath: 'out/a.txt' }), run.ctx);
  await rm(path.join(roots.dst, String(run.staged[0]!.data.temp)));
  await assert.rejects(
    run.commit(),
    (e) =>
      code('staged_file_missing')(e) &&
      /^Cannot commit 'out\/a.txt' on file service 'dst': its staged copy 'out\/\.a\.txt\..*' is gone$/.test(
        (e as Error).message,
      ),
  );
});

test('versioned target (###): first version 1, then the next; commit removes the previous one', async () => {
  await put(roots.src, 'roads.tif', 'v1');
  const first = runContext();
  await copyFileTask.run(params({ sourcePath: 'roads.tif', targetPath: 'data/roads.###.tif' }), first.ctx);
  assert.deepEqual(first.staged[0]!.data, {
    mode: 'version',
    service: 'dst',
    target: 'data/roads.1.tif',
    previous: null,
  });
  await first.commit();
  assert.deepEqual(await filesIn(roots.dst), ['data/roads.1.tif']);

  await put(roots.src, 'roads.tif', 'v2');
  const second = runContext();
  await copyFileTask.run(params({ sourcePath: 'roads.tif', targetPath: 'data/roads.###.tif' }), second.ctx);
  assert.deepEqual(await filesIn(roots.dst), ['data/roads.1.tif', 'data/roads.2.tif'], 'both until commit');
  await second.commit();
  assert.deepEqual(await filesIn(roots.dst), ['data/roads.2.tif']);
  assert.equal(await text(roots.dst, 'data/roads.2.tif'), 'v2');
});

test('versioned target with several versions and gaps: next after the highest; only it is replaced', async () => {
  await put(roots.src, 'roads.tif', 'new');
  for (const v of [1, 2, 5]) await put(roots.dst, `data/roads.${v}.tif`, `v${v}`);
  const run = runContext();
  await copyFileTask.run(params({ sourcePath: 'roads.tif', targetPath: 'data/roads.###.tif' }), run.ctx);
  assert.equal(run.staged[0]!.name, 'dst:data/roads.6.tif');
  await run.commit();
  assert.deepEqual(await filesIn(roots.dst), ['data/roads.1.tif', 'data/roads.2.tif', 'data/roads.6.tif']);
});

test('versioned rollback removes the new version and keeps the previous one', async () => {
  await put(roots.src, 'roads.tif', 'new');
  await put(roots.dst, 'roads.3.tif', 'v3');
  const run = runContext();
  await copyFileTask.run(params({ sourcePath: 'roads.tif', targetPath: 'roads.###.tif' }), run.ctx);
  assert.deepEqual(await filesIn(roots.dst), ['roads.3.tif', 'roads.4.tif']);
  await run.rollback();
  assert.deepEqual(await filesIn(roots.dst), ['roads.3.tif']);
});

test('auto-versioned inserts the version before the extension', async () => {
  await put(roots.src, 'roads.tif', 'x');
  await put(roots.dst, 'out/roads.7.tif', 'v7');
  const run = runContext();
  await copyFileTask.run(
    params({ sourcePath: 'roads.tif', targetPath: 'out/roads.tif', 'auto-versioned': 'true' }),
    run.ctx,
  );
  assert.equal(run.staged[0]!.name, 'dst:out/roads.8.tif');
  await run.commit();
  assert.deepEqual(await filesIn(roots.dst), ['out/roads.8.tif']);
});

test('a ### source path reads the latest version', async () => {
  for (const v of [3, 11, 4]) await put(roots.src, `roads.${v}.tif`, `v${v}`);
  const run = runContext();
  await copyFileTask.run(params({ sourcePath: 'roads.###.tif', targetPath: 'roads.tif' }), run.ctx);
  await run.commit();
  assert.equal(await text(roots.dst, 'roads.tif'), 'v11');
  await assert.rejects(
    copyFileTask.run(params({ sourcePath: 'rivers.###.tif', targetPath: 'r.tif' }), runContext().ctx),
    (e) => code('source_not_found')(e) && /No version of 'rivers.###.tif' .* 'src'/.test((e as Error).message),
  );
});

test('a source an earlier task of the run staged is read from its staged copy', async () => {
  await put(roots.src, 'a.txt', 'fresh');
  await put(roots.dst, 'mid.txt', 'stale');
  services.third = localFiles(path.join(base, 'third'));
  const run = runContext();
  await copyFileTask.run(params({ sourcePath: 'a.txt', targetPath: 'mid.txt' }), run.ctx);
  await copyFileTask.run(
    copyFileParameters.parse({
      sourceService: 'dst',
      sourcePath: 'mid.txt',
      targetService: 'third',
      targetPath: 'b.txt',
    }),
    run.ctx,
  );
  await run.commit();
  assert.equal(await text(path.join(base, 'third'), 'b.txt'), 'fresh');
});

test('paths that leave the root are refused before anything is staged', async () => {
  await put(roots.src, 'a.txt', 'x');
  for (const [sourcePath, targetPath] of [
    ['../dst/a.txt', 'b.txt'],
    ['/etc/passwd', 'b.txt'],
    ['a.txt', '../../escaped.txt'],
    ['a.txt', '/tmp/escaped.txt'],
    ['a.txt', '../roads.###.tif'],
  ] as const) {
    const run = runContext();
    await assert.rejects(copyFileTask.run(params({ sourcePath, targetPath }), run.ctx), code('path_outside_root'));
    assert.deepEqual(run.staged, [], `${sourcePath} -> ${targetPath}`);
  }
  assert.deepEqual(await filesIn(base), ['src/a.txt']);
});

test('a missing source fails with a clear error and stages nothing', async () => {
  const run = runContext();
  await assert.rejects(
    copyFileTask.run(params({ sourcePath: 'nope/a.txt', targetPath: 'a.txt' }), run.ctx),
    (e) =>
      code('source_not_found')(e) &&
      (e as Error).message === "Source file 'nope/a.txt' does not exist on file service 'src'",
  );
  assert.deepEqual(run.staged, []);
});

test('a folder as target is refused', async () => {
  await put(roots.src, 'a.txt', 'x');
  await mkdir(path.join(roots.dst, 'dir'));
  await assert.rejects(
    copyFileTask.run(params({ sourcePath: 'a.txt', targetPath: 'dir' }), runContext().ctx),
    code('is_a_directory'),
  );
});

test('abort mid-copy of a 64 MB file stops promptly; rollback leaves no staged file', async () => {
  const size = 64 * 1024 * 1024;
  const chunk = Buffer.alloc(1024 * 1024, 7);
  await pipeline(
    (async function* () {
      for (let i = 0; i < size / chunk.length; i++) yield chunk;
    })(),
    createWriteStream(path.join(roots.src, 'big.bin')),
  );
  await put(roots.dst, 'big.bin', 'old');
  const controller = new AbortController();
  const run = runContext(controller.signal);
  let abortedAt = 0;
  run.ctx.progress = (done) => {
    if (done >= 2 * 1024 * 1024 && !controller.signal.aborted) {
      abortedAt = performance.now();
      controller.abort();
    }
  };
  await assert.rejects(
    copyFileTask.run(params({ sourcePath: 'big.bin', targetPath: 'big.bin' }), run.ctx),
    (e) => (e as Error).name === 'AbortError',
  );
  const took = performance.now() - abortedAt;
  assert.ok(took < 1000, `stopped ${took.toFixed(0)} ms after the abort`);
  await run.rollback();
  assert.deepEqual(await filesIn(roots.dst), ['big.bin']);
  assert.equal(await text(roots.dst, 'big.bin'), 'old');
});

/** A FileService wrapper that flips one byte of everything written through it. */
function corruptingWrapper(inner: FileService): FileService {
  return {
    list: (dir) => inner.list(dir),
    stat: (p) => inner.stat(p),
    read: (p) => inner.read(p),
    rename: (from, to) => inner.rename(from, to),
    remove: (p) => inner.remove(p),
    exists: (p) => inner.exists(p),
    write(p: string, body: Readable, signal?: AbortSignal) {
      let first = true;
      const flip = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          if (first && chunk.length > 0) {
            chunk = Buffer.from(chunk);
            chunk[0] = chunk[0]! ^ 0xff;
            first = false;
          }
          done(null, chunk);
        },
      });
      return inner.write(p, body.pipe(flip), signal);
    },
  };
}

test('with a corrupting FileService wrapper the checksum check fails the run; rollback cleans up', async () => {
  await put(roots.src, 'a.bin', Buffer.from('0123456789'));
  services.dst = corruptingWrapper(services.dst!);
  const run = runContext();
  await assert.rejects(
    copyFileTask.run(params({ sourcePath: 'a.bin', targetPath: 'a.bin' }), run.ctx),
    (e) =>
      code('copy_verification_failed')(e) &&
      /SHA-256 84d89877f0d4041efb6bf91a16f0248f2fd573e6af05c19f96bedb9f882f7882/.test((e as Error).message),
  );
  await run.rollback();
  assert.deepEqual(await filesIn(roots.dst), []);
});

test('cleanup removes the target, or every version of a versioned target', async () => {
  for (const v of [1, 4]) await put(roots.dst, `roads.${v}.tif`, 'x');
  await put(roots.dst, 'roads.tif', 'not a version');
  await put(roots.dst, 'plain.txt', 'x');
  const run = runContext();
  await run.cleanup(params({ sourcePath: 'a', targetPath: 'roads.###.tif' }));
  assert.deepEqual(await filesIn(roots.dst), ['plain.txt', 'roads.tif']);
  await run.cleanup(params({ sourcePath: 'a', targetPath: 'plain.txt' }));
  assert.deepEqual(await filesIn(roots.dst), ['roads.tif']);
});
