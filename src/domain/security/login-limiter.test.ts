import assert from 'node:assert/strict';
import { test } from 'node:test';

import { LoginLimiter } from './login-limiter.ts';

test('blocks after the allowed failures until the window passes, per user and address', () => {
  let now = 1_000_000;
  const limiter = new LoginLimiter(3, 60_000, () => now);
  for (let i = 0; i < 3; i++) {
    assert.equal(limiter.retryAfterSeconds('Admin', '1.2.3.4'), 0);
    limiter.fail('admin', '1.2.3.4');
  }
  assert.equal(limiter.retryAfterSeconds('admin', '1.2.3.4'), 60);
  assert.equal(limiter.retryAfterSeconds('admin', '5.6.7.8'), 0, 'another address is not blocked');
  assert.equal(limiter.retryAfterSeconds('bob', '1.2.3.4'), 0, 'another user is not blocked');
  now += 30_000;
  assert.equal(limiter.retryAfterSeconds('admin', '1.2.3.4'), 30);
  now += 30_001;
  assert.equal(limiter.retryAfterSeconds('admin', '1.2.3.4'), 0);
});

test('a success clears the failures', () => {
  const limiter = new LoginLimiter(2, 60_000);
  limiter.fail('u', 'a');
  limiter.succeed('u', 'a');
  limiter.fail('u', 'a');
  assert.equal(limiter.retryAfterSeconds('u', 'a'), 0);
});
