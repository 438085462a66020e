import assert from 'node:assert/strict';
import { test } from 'node:test';

import { OperationalError, UserError } from '../../errors/errors.ts';
import { withoutSecret } from './without-secret.ts';

test('a map server echoing the filled mapping shows neither the password nor its XML-escaped form', () => {
  const secret = 'p&<ss';
  const echoed = new OperationalError('map_server_failed', 'GeoServer said: bad <value>p&amp;&lt;ss</value>', {
    details: [{ field: 'source', message: 'line 3: p&<ss' }],
  });
  const clean = withoutSecret(echoed, secret) as OperationalError;
  assert.ok(clean instanceof OperationalError);
  assert.equal(clean.message, 'GeoServer said: bad <value>***</value>');
  assert.equal(clean.details[0]?.message, 'line 3: ***');

  const user = withoutSecret(new UserError('x', 'fine', { status: 409, details: [{ message: secret }] }), secret);
  assert.ok(user instanceof UserError && user.status === 409 && user.details[0]?.message === '***');
  const untouched = new UserError('x', 'nothing secret');
  assert.equal(withoutSecret(untouched, secret), untouched);
});
