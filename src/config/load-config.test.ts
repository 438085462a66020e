import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { UserError } from '../errors/errors.ts';
import { renderConfigDocs } from './config-docs.ts';
import { loadConfig } from './load-config.ts';
import { makeTempDir } from '../../test/helpers/temp-dir.ts';

const tmpFile = (text: string) => {
  const file = path.join(makeTempDir('gs-cfg-'), 'geosync.yaml');
  writeFileSync(file, text);
  return file;
};

test('defaults with no file and no environment', () => {
  const config = loadConfig({ env: {}, file: undefined });
  assert.equal(config.server.port, 8080);
  assert.equal(config.dataDir, './data');
  assert.equal(config.store.url, undefined);
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.server), 'frozen all the way down');
});

test('file, then environment, then overrides', () => {
  const file = tmpFile('server:\n  port: 9000\n  host: 0.0.0.0\nlog:\n  level: debug\n');
  const config = loadConfig({
    file,
    env: { GEOSYNC_SERVER_PORT: '9100', GEOSYNC_STORE_POSTGIS: 'false' },
    overrides: { log: { level: 'warn' } },
  });
  assert.equal(config.server.port, 9100);
  assert.equal(config.server.host, '0.0.0.0');
  assert.equal(config.store.postgis, false);
  assert.equal(config.log.level, 'warn');
});

test('every problem is listed at once, unknown keys and variables included', () => {
  const file = tmpFile('server:\n  port: -1\n  colour: blue\nbogus: 1\n');
  const error = (() => {
    try {
      loadConfig({ file, env: { GEOSYNC_NOPE: '1', GEOSYNC_LOG_LEVEL: 'loud' } });
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  assert.ok(error instanceof UserError);
  assert.equal(error.code, 'config_invalid');
  const fields = error.details.map((d) => d.field);
  for (const field of ['GEOSYNC_NOPE', 'server.port', 'server', 'log.level']) {
    assert.ok(fields.includes(field), `lists ${field}: ${fields.join(', ')}`);
  }
  assert.match(error.message, /bogus/);
  assert.match(error.message, /colour/);
});

test('bad files are clear errors', () => {
  assert.throws(() => loadConfig({ file: tmpFile('server: [unclosed'), env: {} }), /not valid YAML/);
  assert.throws(() => loadConfig({ file: tmpFile('- a\n- b\n'), env: {} }), /mapping of settings/);
  assert.throws(() => loadConfig({ file: '/no/such/file.yaml', env: {} }), /Cannot read settings file/);
  assert.throws(() => loadConfig({ env: { GEOSYNC_STORE_URL: 'mysql://x' } }), /postgres/);
  assert.throws(() => loadConfig({ env: { GEOSYNC_SECRETS_KEY: 'short' } }), /32 bytes/);
});

test('docs/configuration.md is generated from the schema and up to date', () => {
  const onDisk = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
  assert.equal(onDisk, renderConfigDocs(), 'run `npm run docs:config`');
});
