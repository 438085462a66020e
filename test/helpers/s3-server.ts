/**
 * A real S3-compatible server (s3rver) for the S3 connector's integration tests, on 127.0.0.1 and
 * a free port, storing its buckets in a temporary folder.
 *
 * s3rver runs in a child process because its continuation tokens (paged listings) use DES, which
 * Node 20's OpenSSL 3 only offers with the legacy provider: `--openssl-legacy-provider` is a
 * process-wide switch, so it stays in the child instead of weakening the test process.
 *
 * Two s3rver quirks to know: it checks only the access key id, not SigV4 signatures (a wrong
 * secret key is accepted), and its delimiter listing is patched here (see childScript).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';

import { makeTempDir } from './temp-dir.ts';

/** s3rver's built-in key pair; any other key id is refused (InvalidAccessKeyId). */
export const S3RVER_KEYS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface TestS3Server {
  endpoint: string;
  /** Where s3rver keeps the buckets; start another server on it to see what survived a crash. */
  directory: string;
  /** Kills the server at once (no clean shutdown), as a crash would. */
  kill(): void;
  /** Stops the server and removes its folder. */
  stop(): Promise<void>;
}

// Runs in the child: starts s3rver with the buckets, prints its port as the first stdout line.
// s3rver's own delimiter listing prunes folders below a common prefix before it has seen a key
// in them, so `a/` is missing when all its keys are deeper (`a/b/c`); the patch lists without a
// delimiter and folds the common prefixes itself, as S3 does.
const childScript = `
const path = require('node:path');
const S3rver = require(process.env.S3RVER_MODULE);
const FilesystemStore = require(path.join(path.dirname(process.env.S3RVER_MODULE), 'stores/filesystem.js'));
const listAll = FilesystemStore.prototype.listObjects;
FilesystemStore.prototype.listObjects = async function (bucket, options) {
  const { delimiter, prefix = '', maxKeys = Infinity } = options;
  if (!delimiter) return listAll.call(this, bucket, options);
  const all = await listAll.call(this, bucket, { ...options, delimiter: '', maxKeys: Infinity });
  const objects = [];
  const commonPrefixes = new Set();
  let isTruncated = false;
  for (const object of all.objects) {
    const at = object.key.indexOf(delimiter, prefix.length);
    if (at !== -1) commonPrefixes.add(object.key.slice(0, at + delimiter.length));
    else if (objects.length < maxKeys) objects.push(object);
    else {
      isTruncated = true;
      break;
    }
  }
  return { objects, commonPrefixes: [...commonPrefixes].sort(), isTruncated };
};
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory: process.env.S3RVER_DIR,
  configureBuckets: JSON.parse(process.env.S3RVER_BUCKETS).map((name) => ({ name })),
});
server.run().then(({ port }) => console.log(JSON.stringify({ port })));
process.on('SIGTERM', () => server.close().finally(() => process.exit(0)));
`;

export async function startS3Server(
  buckets: readonly string[],
  directory = makeTempDir('s3rver-'),
): Promise<TestS3Server> {
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '-e', childScript], {
    env: {
      PATH: process.env.PATH,
      S3RVER_MODULE: createRequire(import.meta.url).resolve('s3rver'),
      S3RVER_DIR: directory,
      S3RVER_BUCKETS: JSON.stringify(buckets),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await firstPort(child);
  const exited = once(child, 'exit');
  return {
    endpoint: `http://127.0.0.1:${port}`,
    directory,
    kill: () => child.kill('SIGKILL'),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      await rm(directory, { recursive: true, force: true });
    },
  };
}

async function firstPort(child: ChildProcess): Promise<number> {
  const lines = createInterface({ input: child.stdout! });
  const exit = once(child, 'exit').then(([code]) => {
    throw new Error(`s3rver exited before listening (code ${String(code)})`);
  });
  const line = Promise.race([once(lines, 'line'), exit]);
  const [first] = (await line) as [string];
  lines.close();
  return (JSON.parse(first) as { port: number }).port;
}
