import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';

import { createSecretBox } from './secret-box.ts';

test('seals and opens a secret; the sealed text does not contain it', () => {
  const box = createSecretBox(randomBytes(32));
  const sealed = box.seal('p@ssw0rd-ünïcode');
  assert.ok(sealed.startsWith('v1:'));
  assert.ok(!sealed.includes('p@ssw0rd'));
  assert.equal(box.open(sealed), 'p@ssw0rd-ünïcode');
  assert.notEqual(box.seal('same'), box.seal('same'), 'a fresh IV every time');
});

test('a wrong key or a tampered text cannot open', () => {
  const box = createSecretBox(randomBytes(32));
  const sealed = box.seal('secret');
  assert.throws(() => createSecretBox(randomBytes(32)).open(sealed));
  const raw = Buffer.from(sealed.slice(3), 'base64');
  raw[raw.length - 1] = raw[raw.length - 1]! ^ 1;
  assert.throws(() => box.open(`v1:${raw.toString('base64')}`));
  assert.throws(() => box.open('v0:abc'), /Unknown sealed secret format/);
});

test('refuses a key of the wrong size', () => {
  assert.throws(() => createSecretBox(randomBytes(16)), RangeError);
});
