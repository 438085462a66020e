import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { after, before, describe, test } from 'node:test';

import { connectorContract } from '../../../test/contracts/connector.contract.ts';
import { fileServiceContract } from '../../../test/contracts/file-service.contract.ts';
import { FTP_PASSWORD, FTP_USER, startFtpServer, type TestFtpServer } from '../../../test/helpers/ftp-server.ts';
import { OperationalError, UserError } from '../../errors/errors.ts';
import type { FtpConnector } from './ftp.connector.ts';
import { ftpConnectorType as type } from './ftp.connector.ts';

let server: TestFtpServer;

before(async () => {
  server = await startFtpServer();
  await mkdir(path.join(server.root, 'contract'));
  await mkdir(path.join(server.root, 'shared'));
  await writeFile(path.join(server.root, 'beside-the-root.txt'), 'not yours');
});
after(() => server.stop());

const settings = (extra: Record<string, unknown> = {}) => ({
  host: server.host,
  port: server.port,
  user: FTP_USER,
  password: FTP_PASSWORD,
  secure: 'none',
  root: '/shared',
  ...extra,
});

const connect = (extra: Record<string, unknown> = {}) =>
  type.create(type.config.parse(settings(extra)), { dataDir: '/nonexistent' }) as FtpConnector;

connectorContract('ftp', () =>
  Promise.resolve({
    type,
    goodConfig: settings(),
    badConfigs: [{ config: settings({ port: 0 }), field: 'port' }],
    unreachableConfig: settings({ port: 9 }),
    deps: { dataDir: '/nonexistent' },
  }),
);

fileServiceContract('ftp', () => {
  const ftp = connect({ root: '/contract' });
  return Promise.resolve({ service: ftp, cleanup: () => ftp.close() });
});

describe('ftp', () => {
  test('a wrong password: test() says the login was refused, without the password', async () => {
    const ftp = connect({ password: 'wrong-pass-5521' });
    const result = await ftp.test(AbortSignal.timeout(20_000));
    await ftp.close();
    assert.equal(result.ok, false);
    assert.match(result.message, /refused the login of user 'loader': check the user and password/);
    assert.ok(!JSON.stringify(result).includes('wrong-pass-5521'));
    const refused = connect({ password: 'wrong-pass-5521' });
    await assert.rejects(refused.list(), (e) => e instanceof UserError && e.code === 'file_access_denied');
    await refused.close();
  });

  test('unreachable: test() says so; operations fail as operational errors', async () => {
    const ftp = connect({ port: 9 });
    const result = await ftp.test(AbortSignal.timeout(20_000));
    assert.deepEqual([result.ok, result.message], [false, 'Cannot reach the FTP server at 127.0.0.1:9 (ECONNREFUSED)']);
    await assert.rejects(ftp.stat('x'), (e) => e instanceof OperationalError);
    await ftp.close();
  });

  test('a missing root folder: test() says so', async () => {
    const result = await connect({ root: '/absent' }).test(AbortSignal.timeout(20_000));
    assert.equal(result.ok, false);
    assert.match(result.message, /^Root folder '\/absent' cannot be listed/);
  });

  test('the root setting confines the service: the folder beside it is out of reach', async () => {
    const ftp = connect();
    await ftp.write('mine.txt', Readable.from(['mine']));
    assert.deepEqual(
      (await ftp.list()).map((e) => e.path),
      ['mine.txt'],
    );
    await assert.rejects(
      ftp.read('../beside-the-root.txt'),
      (e) => e instanceof UserError && e.code === 'path_outside_root',
    );
    assert.equal(await readFile(path.join(server.root, 'shared', 'mine.txt'), 'utf8'), 'mine');
    // A relative root is relative to the login folder.
    const relative = connect({ root: 'shared' });
    assert.equal((await buffer(await relative.read('mine.txt'))).toString(), 'mine');
    await Promise.all([ftp.close(), relative.close()]);
  });

  test('operations issued together queue on one session; an unread stream blocks nothing', async () => {
    const ftp = connect({ root: '/contract' });
    await Promise.all(Array.from({ length: 5 }, (_, i) => ftp.write(`together/${i}.txt`, Readable.from([`${i}`]))));
    const unread = await ftp.read('together/0.txt');
    const [listing, stat] = await Promise.all([ftp.list('together'), ftp.stat('together/4.txt')]);
    assert.equal(listing.length, 5);
    assert.equal(stat.size, 1);
    assert.equal((await buffer(unread)).toString(), '0');
    await ftp.close();
  });

  test('a write whose signal was aborted before it started fails and writes nothing', async () => {
    const ftp = connect({ root: '/contract' });
    const stopped = new AbortController();
    stopped.abort(new Error('stopped before the write'));
    await assert.rejects(ftp.write('never.txt', Readable.from(['x']), stopped.signal), /stopped before the write/);
    assert.equal(await ftp.exists('never.txt'), false);
    await ftp.close();
  });

  test('a server dying mid-write: the write fails and the file never appears', async () => {
    const dying = await startFtpServer();
    const ftp = type.create(type.config.parse({ ...settings(), port: dying.port, root: '/' }), {
      dataDir: '/nonexistent',
    }) as FtpConnector;
    let sent = 0;
    const source = new Readable({
      read() {
        // Some data, then the server goes away while the upload is still open.
        if (sent === 4) void dying.close();
        setTimeout(() => this.push(sent++ < 64 ? Buffer.alloc(64 * 1024, sent) : null), 5);
      },
    });
    await assert.rejects(ftp.write('big.bin', source), (e) => e instanceof OperationalError);
    await ftp.close();
    // Only the temporary upload (a dot file the server kept) may remain, never big.bin itself.
    const left = await readdir(dying.root);
    assert.ok(!left.includes('big.bin'), `left: ${left.join(', ')}`);
    assert.ok(
      left.every((name) => /^\.big\.bin\.[0-9a-f]{8}\.partial$/.test(name)),
      `left: ${left.join(', ')}`,
    );
    await dying.stop();
  });
});
