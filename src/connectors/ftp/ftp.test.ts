// Unit tests only (no server): the connector contract and the file-service contract run against
// a real FTP server in ftp.integration.test.ts.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';

import { UserError } from '../../errors/errors.ts';
import { isFileService } from '../file-service.ts';
import { parseListDate } from './ftp-list-date.ts';
import { ftpConnectorType as type } from './ftp.connector.ts';

const good = { host: '127.0.0.1', port: 9, user: 'loader', password: 'pw-123456', root: '/incoming' };
const open = () => type.create(type.config.parse(good), { dataDir: '/nonexistent' });

test('ftp is usable and keeps the password sealed', () => {
  assert.equal(type.testable, true);
  assert.deepEqual(type.secretFields, ['password']);
  assert.ok(isFileService(open()));
});

test('bad ftp settings are refused, naming the field', () => {
  const bad = [
    { config: { ...good, host: '' }, field: 'host' },
    { config: { ...good, port: 65536 }, field: 'port' },
    { config: { ...good, secure: 'tls' }, field: 'secure' },
    { config: { ...good, root: '' }, field: 'root' },
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
  const ftp = open();
  assert.ok(isFileService(ftp));
  const outside = (e: unknown) => e instanceof UserError && e.code === 'path_outside_root';
  // Nothing listens on port 9: only a refusal made locally can pass.
  for (const escape of ['../x', '/etc/passwd', 'a/../../x', '..\\x', 'a\0b']) {
    await assert.rejects(ftp.read(escape), outside);
    await assert.rejects(ftp.write(escape, Readable.from(['x'])), outside);
    await assert.rejects(ftp.remove(escape), outside);
    await assert.rejects(ftp.list(escape), outside);
  }
  await ftp.close();
});

test('test() with an aborted signal answers at once', async () => {
  const ftp = open();
  const result = await ftp.test(AbortSignal.abort());
  assert.deepEqual([result.ok, result.message], [false, 'The connection test was cancelled']);
  await ftp.close();
  await ftp.close();
});

test('LIST dates: with a year, without one (this year or last), unreadable', () => {
  const now = new Date('2025-03-10T12:00:00Z');
  assert.deepEqual(parseListDate('Jan 12  2023', now), new Date('2023-01-12T00:00:00Z'));
  assert.deepEqual(parseListDate('Mar  9 13:45', now), new Date('2025-03-09T13:45:00Z'));
  assert.deepEqual(parseListDate('Dec 24 08:00', now), new Date('2024-12-24T08:00:00Z'));
  assert.deepEqual(parseListDate('2023-01-12', now), new Date(0));
});
