import assert from 'node:assert/strict';
import { test } from 'node:test';

import { isGeosyncError } from '../errors/errors.ts';
import { mapServerTarget } from './map-server-target.ts';
import type { TaskActionContext } from './task-type.ts';

const ctx = { services: { connections: { localMapServer: 'work-maps' } } } as unknown as TaskActionContext;

test('the target map server: map-server, else external-geoserver, else the local one', () => {
  assert.deepEqual(mapServerTarget({}, ctx), { name: 'work-maps', field: 'map-server' });
  assert.deepEqual(mapServerTarget({ 'map-server': 'a' }, ctx), { name: 'a', field: 'map-server' });
  assert.deepEqual(mapServerTarget({ 'external-geoserver': 'b' }, ctx), { name: 'b', field: 'external-geoserver' });
  assert.deepEqual(mapServerTarget({ 'map-server': 'b', 'external-geoserver': 'b' }, ctx), {
    name: 'b',
    field: 'external-geoserver',
  });
});

test('two different target map servers are refused', () => {
  assert.throws(
    () => mapServerTarget({ 'map-server': 'a', 'external-geoserver': 'b' }, ctx),
    (error: unknown) => isGeosyncError(error) && error.code === 'conflicting_parameters',
  );
});
