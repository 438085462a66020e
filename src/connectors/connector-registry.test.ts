import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { UnexpectedError, UserError } from '../errors/errors.ts';
import { builtinConnections, builtinConnectorTypes } from './builtin.ts';
import { createConnectorRegistry } from './connector-registry.ts';

describe('connector registry', () => {
  const registry = createConnectorRegistry(builtinConnectorTypes);

  test('finds every built-in type by its key', () => {
    for (const type of builtinConnectorTypes) assert.equal(registry.get(type.type), type);
    assert.deepEqual(
      registry.list().map((t) => t.type),
      builtinConnectorTypes.map((t) => t.type),
    );
  });

  test('an unknown type is a 400 listing the known ones', () => {
    assert.throws(
      () => registry.get('oracle'),
      (e) =>
        e instanceof UserError &&
        e.code === 'unknown_connection_type' &&
        e.status === 400 &&
        e.message.includes("'oracle'") &&
        e.message.includes('postgis, embedded-postgis, mysql'),
    );
  });

  test('a repeated type is a wiring bug', () => {
    const [first] = builtinConnectorTypes;
    assert.throws(
      () => createConnectorRegistry([first!, { ...first! }]),
      (e) => e instanceof UnexpectedError && e.code === 'duplicate_connector_type',
    );
  });

  test('creatable() leaves out the built-in-only types', () => {
    const creatable = registry.creatable().map((t) => t.type);
    assert.ok(creatable.includes('postgis') && creatable.includes('local-files'));
    assert.ok(!creatable.includes('embedded-postgis') && !creatable.includes('builtin-publisher'));
  });

  test('the built-in connections use registered types with valid settings, one name per kind', () => {
    const seen = new Set<string>();
    for (const connection of builtinConnections) {
      const type = registry.get(connection.type);
      assert.ok(type.config.safeParse(connection.config).success, connection.type);
      const key = `${type.kind}/${connection.name}`;
      assert.ok(!seen.has(key), `two built-in ${key}`);
      seen.add(key);
    }
    assert.deepEqual([...seen].sort(), ['database/local', 'file_service/local', 'map_server/local']);
  });
});
