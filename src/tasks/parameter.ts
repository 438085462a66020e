import { z } from 'zod';

import type { PublisherCapability } from '../connectors/connector.ts';

/**
 * What a task parameter holds. The kind decides how the UI offers values (a drop-down of
 * databases, of the tables of the chosen database...) and how a value is checked.
 */
export const parameterKinds = [
  'string',
  'integer',
  'boolean',
  'sql',
  'uri',
  'database',
  'table',
  'file-service',
  'file',
  'map-server',
  'workspace',
  'layer',
] as const;
export type ParameterKind = (typeof parameterKinds)[number];

/** A parameter this one depends on: `enforced` = it must have a value first (a table needs its database). */
export interface ParameterDependency {
  name: string;
  enforced: boolean;
}

/**
 * What a `map-server` parameter asks of the server it names, checked when a configuration is
 * validated (the task type checks again at run time). Omitted, an optional map-server parameter
 * stands for the local map server, unless another map-server parameter of the task names one
 * (`map-server` / `external-geoserver`).
 */
export interface MapServerNeeds {
  /** Capabilities the named map server must have, e.g. `['security']`. */
  needs?: readonly PublisherCapability[];
  /** The task also reads the local map server, which needs them too (the source of security rules). */
  localToo?: boolean;
}

/** Metadata geosync reads from each field of a task type's parameter schema. */
export interface ParameterMeta extends MapServerNeeds {
  kind: ParameterKind;
  dependsOn?: ParameterDependency[];
  description?: string;
}

export interface ParameterSpec extends ParameterMeta {
  name: string;
  required: boolean;
}

const metaKey = 'geosyncParameter';

/** Marks a zod field as a task parameter of `kind`. Values arrive as text and are converted. */
function parameter<T extends z.ZodType>(schema: T, meta: ParameterMeta): T {
  return schema.meta({ [metaKey]: meta, ...(meta.description && { description: meta.description }) });
}

const text = () => z.string().min(1);

/** Builders for task parameter schemas: `param.table({ database: 'database' })`. */
export const param = {
  string: (description?: string) => parameter(text(), { kind: 'string', description }),
  integer: (description?: string) => parameter(z.coerce.number().int(), { kind: 'integer', description }),
  boolean: (description?: string) =>
    parameter(
      z.enum(['true', 'false']).transform((v) => v === 'true'),
      { kind: 'boolean', description },
    ),
  sql: (description?: string) => parameter(text(), { kind: 'sql', description }),
  uri: (description?: string) => parameter(z.url(), { kind: 'uri', description }),
  database: (description?: string) => parameter(text(), { kind: 'database', description }),
  table: (database: string, description?: string) =>
    parameter(text(), { kind: 'table', dependsOn: [{ name: database, enforced: true }], description }),
  fileService: (description?: string) => parameter(text(), { kind: 'file-service', description }),
  file: (fileService: string, description?: string) =>
    parameter(text(), { kind: 'file', dependsOn: [{ name: fileService, enforced: true }], description }),
  mapServer: (description?: string, needs: MapServerNeeds = {}) =>
    parameter(text(), { kind: 'map-server', description, ...needs }),
  workspace: (description?: string) => parameter(text(), { kind: 'workspace', description }),
  layer: (workspace?: string, description?: string) =>
    parameter(text(), {
      kind: 'layer',
      dependsOn: workspace ? [{ name: workspace, enforced: false }] : [],
      description,
    }),
};

function unwrapOptional(schema: z.ZodType): { inner: z.ZodType; required: boolean } {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault) {
    return { inner: schema.def.innerType as z.ZodType, required: false };
  }
  return { inner: schema, required: true };
}

/** The parameters of a task type's schema, in declaration order (the UI order). */
export function listParameters(schema: z.ZodObject): ParameterSpec[] {
  return Object.entries(schema.shape).map(([name, field]) => {
    const { inner, required } = unwrapOptional(field as z.ZodType);
    const meta = (z.globalRegistry.get(inner)?.[metaKey] ?? z.globalRegistry.get(field as z.ZodType)?.[metaKey]) as
      ParameterMeta | undefined;
    return {
      name,
      required,
      kind: meta?.kind ?? 'string',
      dependsOn: meta?.dependsOn ?? [],
      description: meta?.description,
      ...(meta?.needs?.length && { needs: meta.needs }),
      ...(meta?.localToo && { localToo: true }),
    };
  });
}
