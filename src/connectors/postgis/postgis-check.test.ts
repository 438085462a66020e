import assert from 'node:assert/strict';
import { test } from 'node:test';

import { describePgError, postgisVersionOf } from './postgis-check.ts';
import { type PostgisConfig, postgisConfigSchema } from './postgis.config.ts';

const config: PostgisConfig = postgisConfigSchema.parse({
  host: 'db.example.org',
  database: 'gis',
  user: 'loader',
  password: 'hunter2-secret',
});
const failure = (message: string, code?: string) => Object.assign(new Error(message), { code });

// Failures a live server cannot easily be made to produce in tests (it runs with trust auth).
test('driver failures become messages a user can act on', () => {
  const cases: Array<[Error, PostgisConfig, string]> = [
    [
      failure('password authentication failed for user "loader"', '28P01'),
      config,
      'authentication failed for user loader',
    ],
    [
      failure('SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string'),
      { ...config, password: undefined },
      'db.example.org:5432 asks for a password for user loader, and none is set',
    ],
    [
      failure('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED'),
      { ...config, host: '::1' },
      'cannot reach [::1]:5432 (ECONNREFUSED)',
    ],
    [
      failure('self-signed certificate', 'DEPTH_ZERO_SELF_SIGNED_CERT'),
      config,
      'the TLS certificate of db.example.org:5432 is not trusted (DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate); set sslRootCert to the certificate of the authority that signed it',
    ],
    [
      failure('sorry, too many clients already', '53300'),
      config,
      'db.example.org:5432 has no free connection slots (sorry, too many clients already)',
    ],
  ];
  for (const [error, settings, expected] of cases) assert.equal(describePgError(error, settings), expected);
});

test('the password never appears, even when the driver echoes it', () => {
  const message = describePgError(failure('odd proxy says: bad secret hunter2-secret'), config);
  assert.ok(!message.includes('hunter2-secret'));
  assert.match(message, /\*{8}/);
});

test('postgisVersionOf reads the version from postgis_full_version()', () => {
  assert.equal(postgisVersionOf('POSTGIS="3.3.2 4975da8" [EXTENSION] PGSQL="150" GEOS="3.11.1-CAPI-1.17.1"'), '3.3.2');
  assert.equal(postgisVersionOf('unexpected'), 'unexpected');
});
