import { z } from 'zod';

import type { ConnectionType } from '../contracts/connections.dto.ts';
import type { ConnectorType } from './connector.ts';

type JsonSchema = Record<string, unknown>;

/**
 * The settings of a connector type as JSON Schema (draft 2020-12) for the UI form. It describes
 * what a user sends (`io: 'input'`: fields with defaults are optional). Secret fields carry
 * `writeOnly: true` and `format: 'password'`, so a form masks them and never expects them back.
 */
export function configJsonSchema(type: ConnectorType): JsonSchema {
  const schema = z.toJSONSchema(type.config, { io: 'input' }) as JsonSchema;
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  for (const field of type.secretFields) {
    const property = properties[field];
    if (property) properties[field] = { ...property, writeOnly: true, format: 'password' };
  }
  return schema;
}

/** A connector type as the API lists it (`GET /connection-types`). */
export function describeConnectorType(type: ConnectorType): ConnectionType {
  return {
    type: type.type,
    kind: type.kind,
    title: type.title,
    description: type.description,
    configSchema: configJsonSchema(type),
    secretFields: [...type.secretFields],
    testable: type.testable,
  };
}
