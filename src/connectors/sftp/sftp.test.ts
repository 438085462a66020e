// Unit tests only (no server): the connector contract and the file-service contract run against
// a real SSH server in sftp.integration.test.ts.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';

import { UserError } from '../../errors/errors.ts';
import { isFileService } from '../file-service.ts';
import { sftpConnectorType as type } from './sftp.connector.ts';

const key = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n';
const good = {
  host: '127.0.0.1',
  port: 9,
  user: 'loader',
  password: 'pw-4711-secret',
  root: '/data/incoming',
  hostKeySha256: 'SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8',
};
const open = () => type.create(type.config.parse(good), { dataDir: '/nonexistent' });

test('sftp is usable and keeps every credential sealed', () => {
  assert.equal(type.testable, true);
  assert.deepEqual(type.secretFields, ['password', 'privateKey', 'passphrase']);
  assert.ok(isFileService(open()));
});

test('bad sftp settings are refused, naming the field', () => {
  const bad = [
    { config: { ...good, user: '' }, field: 'user' },
    { config: { ...good, port: 'ssh' }, field: 'port' },
    { config: { ...good, privateKey: 'ssh-rsa AAAA' }, field: 'privateKey' },
    { config: { host: 'h', user: 'u' }, field: 'password' },
    { config: { host: 'h', user: 'u', password: 'p', passphrase: 'x' }, field: 'passphrase' },
    { config: { ...good, hostKeySha256: 'aa:bb:cc' }, field: 'hostKeySha256' },
  ];
  for (const { config, field } of bad) {
    const result = type.config.safeParse(config);
    assert.ok(!result.success, `accepted ${JSON.stringify(config)}`);
    assert.ok(
      result.error.issues.some((i) => i.path.join('.') === field),
      `no issue on ${field}`,
    );
  }
});

test('paths leaving the root are refused before connecting', async () => {
  const sftp = open();
  assert.ok(isFileService(sftp));
  const outside = (e: unknown) => e instanceof UserError && e.code === 'path_outside_root';
  // Nothing listens on port 9: only a refusal made locally can pass.
  for (const escape of ['../x', '/etc/passwd', 'a/../../x', '..\\x', 'a\0b']) {
    await assert.rejects(sftp.read(escape), outside);
    await assert.rejects(sftp.write(escape, Readable.from(['x'])), outside);
    await assert.rejects(sftp.remove(escape), outside);
    await assert.rejects(sftp.stat(escape), outside);
  }
  await sftp.close();
});

test('an unreadable private key: test() says so, without the passphrase', async () => {
  const config = type.config.parse({ ...good, password: undefined, privateKey: key, passphrase: 'open-sesame-99' });
  const sftp = type.create(config, { dataDir: '/nonexistent' });
  const result = await sftp.test(AbortSignal.timeout(5000));
  assert.deepEqual([result.ok, result.message], [false, 'The private key cannot be read: is the passphrase right?']);
  await sftp.close();
});

test('test() with an aborted signal answers at once', async () => {
  const sftp = open();
  const result = await sftp.test(AbortSignal.abort());
  assert.deepEqual([result.ok, result.message], [false, 'The connection test was cancelled']);
  await sftp.close();
  await sftp.close();
});
