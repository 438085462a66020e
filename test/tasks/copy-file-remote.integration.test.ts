/**
 * CopyFile between real, different file services: a local folder, S3 (s3rver), SFTP (ssh2's
 * server, offering OpenSSH's posix-rename) and FTP (ftp-srv), each started here on 127.0.0.1.
 * The task type is called directly (run, then commit or rollback of what it staged), and every
 * result is checked by SHA-256: on the server's own disk where there is one, through a fresh
 * connection for S3.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { after, before, describe, test } from 'node:test';

import { builtinConnectorTypes } from '../../src/connectors/builtin.ts';
import type { Connector } from '../../src/connectors/connector.ts';
import { type FileService, isFileService, isFileServiceGroup } from '../../src/connectors/file-service.ts';
import { OperationalError, UserError } from '../../src/errors/errors.ts';
import { copyFileParameters, copyFileTask } from '../../src/tasks/copy-file/copy-file.task.ts';
import type { TaskConnections } from '../../src/tasks/task-type.ts';
import { FTP_PASSWORD, FTP_USER, startFtpServer, type TestFtpServer } from '../helpers/ftp-server.ts';
import { S3RVER_KEYS, startS3Server, type TestS3Server } from '../helpers/s3-server.ts';
import {
  rsaPrivateKey,
  SFTP_PASSWORD,
  SFTP_USER,
  startSftpServer,
  type TestSftpServer,
} from '../helpers/sftp-server.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { type RecordingContext, taskContext } from './task-context.ts';

const BUCKET = 'geodata';
const userKey = { privateKey: rsaPrivateKey() };

let s3: TestS3Server;
let ftp: TestFtpServer;
let sftp: TestSftpServer;
let localRoot: string;

/** The file services by connection name, as the task opens them. */
const services = new Map<string, FileService>();
/** The folder on the local disk behind a service, where there is one (not for S3). */
const disks = new Map<string, string>();
const opened: Connector[] = [];

function open(type: string, config: Record<string, unknown>, member?: string): FileService {
  const connectorType = builtinConnectorTypes.find((t) => t.type === type)!;
  const connector = connectorType.create(connectorType.config.parse(config), { dataDir: '/nonexistent' });
  opened.push(connector);
  if (member !== undefined) {
    assert.ok(isFileServiceGroup(connector));
    return connector.member(member);
  }
  assert.ok(isFileService(connector));
  return connector;
}

const s3Settings = (endpoint: string) => ({
  endpoint,
  region: 'us-east-1',
  buckets: [BUCKET],
  forcePathStyle: true,
  ...S3RVER_KEYS,
});
const sftpSettings = (server: TestSftpServer) => ({
  host: server.host,
  port: server.port,
  user: SFTP_USER,
  password: SFTP_PASSWORD,
  root: '/',
  hostKeySha256: server.hostKeySha256,
});

const connections: TaskConnections = {
  fileService: async (name) => {
    const found = services.get(name);
    if (!found) throw new UserError('connection_not_found', `no file service '${name}'`);
    return found;
  },
  database: (name) => Promise.reject(new Error(`no database '${name}' in this test`)),
  postgres: (name) => Promise.reject(new Error(`no database '${name}' in this test`)),
  localMapServer: 'local',
  mapServer: (name) => Promise.reject(new Error(`no map server '${name}' in this test`)),
};

before(async () => {
  [s3, ftp, sftp] = await Promise.all([
    startS3Server([BUCKET]),
    startFtpServer(),
    startSftpServer(userKey, { posixRename: true }),
  ]);
  localRoot = makeTempDir('copy-remote-local-');
  services.set('local', open('local-files', { root: localRoot, createRoot: false }));
  disks.set('local', localRoot);
  services.set('s3', open('s3', s3Settings(s3.endpoint), BUCKET));
  services.set('sftp', open('sftp', sftpSettings(sftp)));
  disks.set('sftp', sftp.root);
  services.set(
    'ftp',
    open('ftp', { host: ftp.host, port: ftp.port, user: FTP_USER, password: FTP_PASSWORD, secure: 'none', root: '/' }),
  );
  disks.set('ftp', ftp.root);
});
after(async () => {
  for (const connector of opened) await connector.close().catch(() => undefined);
  await Promise.all([s3?.stop(), ftp?.stop(), sftp?.stop()]);
});

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

const put = (service: string, file: string, bytes: Buffer) =>
  services.get(service)!.write(file, Readable.from([bytes]));

/** The file's bytes: from the server's disk where there is one, else through a new S3 connection. */
async function bytesOf(service: string, file: string): Promise<Buffer> {
  const disk = disks.get(service);
  if (disk) return readFile(path.join(disk, file));
  const fresh = open('s3', s3Settings(s3.endpoint), BUCKET);
  return buffer(await fresh.read(file));
}

/** Every name in folder `dir` of a service, hidden ones included (the disk's own view if any). */
async function namesIn(service: string, dir: string): Promise<string[]> {
  const disk = disks.get(service);
  if (disk) return (await readdir(path.join(disk, dir))).sort();
  const entries = await services.get(service)!.list(dir);
  return entries.map((e) => path.posix.basename(e.path)).sort();
}

const copyParams = (from: string, sourcePath: string, to: string, targetPath: string) =>
  copyFileParameters.parse({ sourceService: from, sourcePath, targetService: to, targetPath });

async function commit(ctx: RecordingContext): Promise<void> {
  for (const object of ctx.staged) await copyFileTask.commitStaged(object, ctx);
}
async function rollback(ctx: RecordingContext): Promise<void> {
  for (const object of [...ctx.staged].reverse()) await copyFileTask.rollbackStaged(object, ctx);
}

/**
 * Run → rollback, then run → commit, of `from:dir/source.bin` onto an existing `to:dir/target.bin`:
 * the old target stays untouched until commit, rollback leaves it alone with nothing staged
 * left, commit puts exactly the source's bytes there (and repeating the commit changes nothing).
 */
async function copyBothWays(from: string, to: string, dir: string): Promise<void> {
  const payload = randomBytes(3 * 1024 * 1024 + 17); // several chunks on every protocol
  const old = Buffer.from(`the old target on ${to}`);
  await put(from, `${dir}/source.bin`, payload);
  await put(to, `${dir}/target.bin`, old);
  const params = copyParams(from, `${dir}/source.bin`, to, `${dir}/target.bin`);

  const rolledBack = taskContext(connections);
  const outcome = await copyFileTask.run(params, rolledBack);
  assert.match(
    outcome.message ?? '',
    new RegExp(`^copied 3,145,745 bytes .* \\(SHA-256 ${sha256(payload).slice(0, 12)}…\\)$`),
  );
  assert.equal(rolledBack.staged.length, 1);
  const temp = String(rolledBack.staged[0]!.data.temp);
  assert.equal(sha256(await bytesOf(to, `${dir}/target.bin`)), sha256(old), 'the target is untouched before commit');
  assert.equal(sha256(await bytesOf(to, temp)), sha256(payload), 'the staged copy holds the source');
  assert.deepEqual(await namesIn(to, dir), [path.posix.basename(temp), 'target.bin'].sort());
  await rollback(rolledBack);
  assert.equal(sha256(await bytesOf(to, `${dir}/target.bin`)), sha256(old), 'rollback keeps the old target');
  assert.deepEqual(await namesIn(to, dir), ['target.bin'], 'rollback leaves no staged copy');

  const committed = taskContext(connections);
  await copyFileTask.run(params, committed);
  await commit(committed);
  assert.equal(sha256(await bytesOf(to, `${dir}/target.bin`)), sha256(payload), 'commit puts the copy in place');
  assert.deepEqual(await namesIn(to, dir), ['target.bin'], 'commit leaves no staged copy');
  await commit(committed); // recovery repeats commits
  assert.equal(sha256(await bytesOf(to, `${dir}/target.bin`)), sha256(payload));
  assert.equal(sha256(await bytesOf(from, `${dir}/source.bin`)), sha256(payload), 'the source is as it was');
}

describe('CopyFile between real file services', () => {
  test('local → S3: run → rollback, run → commit', () => copyBothWays('local', 's3', 'local-to-s3'));

  test('S3 → SFTP: run → rollback, run → commit', () => copyBothWays('s3', 'sftp', 's3-to-sftp'));

  test('SFTP → FTP: run → rollback, run → commit', () => copyBothWays('sftp', 'ftp', 'sftp-to-ftp'));

  test('a versioned ### target on S3: the next version, rollback drops it, commit retires the previous one', async () => {
    const v2 = Buffer.from('version two');
    await put('s3', 'versions/roads.2.tif', v2);
    const first = randomBytes(200_000);
    await put('local', 'in/roads.tif', first);
    const params = copyParams('local', 'in/roads.tif', 's3', 'versions/roads.###.tif');

    const rolledBack = taskContext(connections);
    await copyFileTask.run(params, rolledBack);
    assert.deepEqual(rolledBack.staged[0]!.data, {
      mode: 'version',
      service: 's3',
      target: 'versions/roads.3.tif',
      previous: 'versions/roads.2.tif',
    });
    assert.deepEqual(await namesIn('s3', 'versions'), ['roads.2.tif', 'roads.3.tif']);
    await rollback(rolledBack);
    assert.deepEqual(await namesIn('s3', 'versions'), ['roads.2.tif']);
    assert.equal(sha256(await bytesOf('s3', 'versions/roads.2.tif')), sha256(v2));

    const committed = taskContext(connections);
    await copyFileTask.run(params, committed);
    await commit(committed);
    assert.deepEqual(await namesIn('s3', 'versions'), ['roads.3.tif']);
    assert.equal(sha256(await bytesOf('s3', 'versions/roads.3.tif')), sha256(first));

    const second = randomBytes(150_000);
    await put('local', 'in/roads.tif', second);
    const next = taskContext(connections);
    await copyFileTask.run(params, next);
    await commit(next);
    assert.deepEqual(await namesIn('s3', 'versions'), ['roads.4.tif']);
    assert.equal(sha256(await bytesOf('s3', 'versions/roads.4.tif')), sha256(second));
  });
});

describe('CopyFile when the target server dies mid-copy (20 MB)', () => {
  const SIZE = 20 * 1024 * 1024;
  let big: Buffer;
  before(async () => {
    big = randomBytes(SIZE);
    await put('local', 'big/raster.bin', big);
  });

  test('SFTP killed mid-stream: the task fails clearly; no target appears, only hidden leftovers', async () => {
    const doomed = await startSftpServer(userKey);
    services.set('sftp-doomed', open('sftp', sftpSettings(doomed)));
    try {
      const ctx = taskContext(connections);
      let killedAt = 0;
      ctx.progress = (done) => {
        if (done >= 4 * 1024 * 1024 && killedAt === 0) {
          killedAt = done;
          doomed.kill();
        }
      };
      await assert.rejects(
        copyFileTask.run(copyParams('local', 'big/raster.bin', 'sftp-doomed', 'out/raster.bin'), ctx),
        (e) =>
          e instanceof OperationalError &&
          e.code === 'connection_lost' &&
          e.message === 'The SFTP connection closed during the transfer',
      );
      assert.ok(killedAt > 0 && killedAt < SIZE, `killed after ${killedAt} of ${SIZE} bytes`);
      // Rollback cannot reach the dead server: it fails (the engine would report not_rolled_back
      // and recovery would repeat it), saying which file it could not remove.
      const temp = String(ctx.staged[0]!.data.temp);
      await assert.rejects(
        rollback(ctx),
        (e) => e instanceof OperationalError && e.message.startsWith(`Cannot access '${temp}' over SFTP (`),
      );
      const left = await readdir(path.join(doomed.root, 'out'));
      assert.ok(!left.includes('raster.bin'), 'no visible target');
      assert.ok(
        left.every((name) => name.startsWith(`.${path.posix.basename(temp)}.`) && name.endsWith('.partial')),
        `only the hidden upload of the staged copy may remain: ${left.join(', ')}`,
      );
    } finally {
      services.delete('sftp-doomed');
      await doomed.stop();
    }
  });

  test('S3 killed during the copy: the task fails clearly; after a restart rollback leaves nothing', async () => {
    const doomed = await startS3Server([BUCKET]);
    services.set('s3-doomed', open('s3', s3Settings(doomed.endpoint), BUCKET));
    let restarted: TestS3Server | undefined;
    try {
      const ctx = taskContext(connections);
      let killed = false;
      // The S3 service spools the body to a local file before it uploads (PutObject needs the
      // length): killing the server shortly after the last byte was read cuts the upload (or
      // the read-back that verifies it).
      ctx.progress = (done) => {
        if (done === SIZE && !killed) {
          killed = true;
          setTimeout(() => doomed.kill(), 20);
        }
      };
      await assert.rejects(
        copyFileTask.run(copyParams('local', 'big/raster.bin', 's3-doomed', 'out/raster.bin'), ctx),
        (e) =>
          e instanceof OperationalError &&
          e.code === 'file_service_failed' &&
          new RegExp(
            `^Cannot access 'out/\\.raster\\.bin\\..+\\.geosync-staged' in bucket '${BUCKET}' \\(\\w+\\)$`,
          ).test(e.message),
      );
      assert.ok(killed);
      // The same data folder behind a new server (a new port): the connection is reopened there.
      restarted = await startS3Server([BUCKET], doomed.directory);
      services.set('s3-doomed', open('s3', s3Settings(restarted.endpoint), BUCKET));
      await rollback(ctx);
      const target = services.get('s3-doomed')!;
      assert.equal(await target.exists('out/raster.bin'), false, 'no visible target');
      assert.equal(await target.exists(String(ctx.staged[0]!.data.temp)), false, 'no staged copy');
      assert.equal(await target.exists('out'), false, 'nothing at all under out/');
    } finally {
      services.delete('s3-doomed');
      await (restarted ?? doomed).stop();
    }
  });
});
