import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { after, before, describe, test } from 'node:test';

import { connectorContract } from '../../../test/contracts/connector.contract.ts';
import { fileServiceContract } from '../../../test/contracts/file-service.contract.ts';
import {
  rsaPrivateKey,
  SFTP_PASSWORD,
  SFTP_USER,
  startSftpServer,
  type TestSftpServer,
} from '../../../test/helpers/sftp-server.ts';
import { OperationalError, UserError } from '../../errors/errors.ts';
import { type SftpConnector, sftpConnectorType as type } from './sftp.connector.ts';

const PASSPHRASE = 'key-passphrase-77ab';
const userKey = { privateKey: rsaPrivateKey(PASSPHRASE), passphrase: PASSPHRASE };
let server: TestSftpServer;

before(async () => {
  server = await startSftpServer(userKey);
  await mkdir(path.join(server.root, 'contract'));
  await mkdir(path.join(server.root, 'shared'));
  await writeFile(path.join(server.root, 'beside-the-root.txt'), 'not yours');
});
after(() => server.stop());

const settings = (extra: Record<string, unknown> = {}) => ({
  host: server.host,
  port: server.port,
  user: SFTP_USER,
  password: SFTP_PASSWORD,
  root: '/shared',
  hostKeySha256: server.hostKeySha256,
  ...extra,
});

const connect = (extra: Record<string, unknown> = {}) =>
  type.create(type.config.parse(settings(extra)), { dataDir: '/nonexistent' }) as SftpConnector;

connectorContract('sftp', () =>
  Promise.resolve({
    type,
    goodConfig: settings(),
    badConfigs: [{ config: settings({ user: '' }), field: 'user' }],
    unreachableConfig: settings({ port: 9 }),
    deps: { dataDir: '/nonexistent' },
  }),
);

fileServiceContract('sftp', () => {
  const sftp = connect({ root: '/contract' });
  return Promise.resolve({ service: sftp, cleanup: () => sftp.close() });
});

describe('sftp', () => {
  test('a wrong password: test() says the login was refused, without the password', async () => {
    const sftp = connect({ password: 'wrong-pass-2291' });
    const result = await sftp.test(AbortSignal.timeout(20_000));
    assert.equal(result.ok, false);
    assert.match(result.message, /refused the login of user 'loader': check the password or key/);
    assert.ok(!JSON.stringify(result).includes('wrong-pass-2291'));
    await assert.rejects(sftp.list(), (e) => e instanceof UserError && e.code === 'file_access_denied');
    await sftp.close();
  });

  test('a private key with its passphrase logs in; a wrong passphrase is reported', async () => {
    const withKey = connect({ password: undefined, ...userKey });
    const result = await withKey.test(AbortSignal.timeout(20_000));
    assert.equal(result.ok, true, result.message);
    assert.match(
      result.message,
      /^Logged in to 127\.0\.0\.1:\d+ as 'loader' \(pinned host key\); root folder \/shared/,
    );
    await withKey.close();
    const wrong = await connect({ password: undefined, ...userKey, passphrase: 'not-it-0000' }).test(
      AbortSignal.timeout(20_000),
    );
    assert.deepEqual([wrong.ok, wrong.message], [false, 'The private key cannot be read: is the passphrase right?']);
  });

  test('another host key than the pinned one: refused, the actual one named', async () => {
    const pinned = 'SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8';
    const result = await connect({ hostKeySha256: pinned }).test(AbortSignal.timeout(20_000));
    assert.equal(result.ok, false);
    assert.ok(
      result.message.startsWith(`The server's host key ${server.hostKeySha256} is not the one configured`),
      result.message,
    );
    const unpinned = await connect({ hostKeySha256: undefined }).test(AbortSignal.timeout(20_000));
    assert.equal(unpinned.ok, true);
    assert.ok(unpinned.message.includes(`host key ${server.hostKeySha256}, not pinned`), unpinned.message);
  });

  test('unreachable: test() says so; operations fail as operational errors', async () => {
    const sftp = connect({ port: 9 });
    const result = await sftp.test(AbortSignal.timeout(20_000));
    assert.deepEqual([result.ok, result.message], [false, 'Cannot reach the SSH server at 127.0.0.1:9 (ECONNREFUSED)']);
    await assert.rejects(sftp.stat('x'), (e) => e instanceof OperationalError);
    await sftp.close();
  });

  test('a missing root folder: test() says so', async () => {
    const result = await connect({ root: '/absent' }).test(AbortSignal.timeout(20_000));
    assert.deepEqual([result.ok, result.message.startsWith("Root folder '/absent' does not exist")], [false, true]);
  });

  test('the root setting confines the service; a relative root is below the login folder', async () => {
    const sftp = connect();
    await sftp.write('mine.txt', Readable.from(['mine']));
    assert.deepEqual(
      (await sftp.list()).map((e) => e.path),
      ['mine.txt'],
    );
    await assert.rejects(
      sftp.read('../beside-the-root.txt'),
      (e) => e instanceof UserError && e.code === 'path_outside_root',
    );
    assert.equal(await readFile(path.join(server.root, 'shared', 'mine.txt'), 'utf8'), 'mine');
    const relative = connect({ root: 'shared' });
    assert.equal((await buffer(await relative.read('mine.txt'))).toString(), 'mine');
    await Promise.all([sftp.close(), relative.close()]);
  });

  test('a server dying mid-write: the write fails and the file never appears', async () => {
    const dying = await startSftpServer(userKey);
    const sftp = type.create(
      type.config.parse({ ...settings(), port: dying.port, hostKeySha256: dying.hostKeySha256, root: '/' }),
      { dataDir: '/nonexistent' },
    ) as SftpConnector;
    let sent = 0;
    const source = new Readable({
      read() {
        if (sent === 4) dying.kill();
        setTimeout(() => this.push(sent++ < 64 ? Buffer.alloc(64 * 1024, sent) : null), 5);
      },
    });
    await assert.rejects(sftp.write('big.bin', source), (e) => e instanceof OperationalError);
    await sftp.close();
    const left = await readdir(dying.root);
    assert.ok(!left.includes('big.bin'), `left: ${left.join(', ')}`);
    assert.ok(
      left.every((name) => /^\.big\.bin\.[0-9a-f]{8}\.partial$/.test(name)),
      `left: ${left.join(', ')}`,
    );
    await dying.stop();
  });
});
