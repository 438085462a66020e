import assert from 'node:assert/strict';
import { test } from 'node:test';

import { connectionTypeSchema } from '../contracts/connections.dto.ts';
import { builtinConnectorTypes } from './builtin.ts';
import { configJsonSchema, describeConnectorType } from './json-schema.ts';
import { postgisConnectorType } from './postgis/postgis.connector.ts';

type Properties = Record<string, Record<string, unknown>>;

test('the PostGIS form: defaults optional, required fields listed, password masked', () => {
  const schema = configJsonSchema(postgisConnectorType);
  const properties = schema.properties as Properties;
  assert.deepEqual(schema.required, ['host', 'database', 'user']);
  assert.equal(schema.additionalProperties, false);
  assert.deepEqual(properties.port, {
    default: 5432,
    type: 'integer',
    minimum: 1,
    maximum: 65535,
    description: 'PostgreSQL port.',
  });
  assert.deepEqual(properties.sslMode?.enum, ['disable', 'prefer', 'require', 'verify-full']);
  assert.deepEqual([properties.password?.writeOnly, properties.password?.format], [true, 'password']);
  assert.equal(properties.host?.writeOnly, undefined);
});

test('every built-in type describes itself as the API returns it', () => {
  for (const type of builtinConnectorTypes) {
    const described = describeConnectorType(type);
    assert.ok(connectionTypeSchema.safeParse(described).success, type.type);
    const roundTripped = JSON.parse(JSON.stringify(described.configSchema)) as Record<string, unknown>;
    assert.equal(roundTripped.type, 'object');
  }
});
