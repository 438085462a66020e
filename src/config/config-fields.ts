import { z } from 'zod';

/** One leaf of the settings schema, as documentation and environment mapping need it. */
export interface ConfigField {
  path: string[];
  env: string;
  description: string;
  defaultValue: unknown;
  schema: z.ZodType;
}

export const envName = (path: string[]): string =>
  'GEOSYNC_' + path.map((part) => part.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_');

function unwrap(schema: z.ZodType): { inner: z.ZodType; defaultValue: unknown } {
  let current: z.ZodType = schema;
  let defaultValue: unknown;
  for (;;) {
    if (current instanceof z.ZodDefault) {
      defaultValue = current.def.defaultValue;
      current = current.def.innerType as z.ZodType;
    } else if (current instanceof z.ZodOptional || current instanceof z.ZodPrefault) {
      current = current.def.innerType as z.ZodType;
    } else {
      return { inner: current, defaultValue };
    }
  }
}

/** Walks an object schema down to its leaves. */
export function listConfigFields(schema: z.ZodObject, prefix: string[] = []): ConfigField[] {
  return Object.entries(schema.shape).flatMap(([key, value]) => {
    const path = [...prefix, key];
    const { inner, defaultValue } = unwrap(value as z.ZodType);
    if (inner instanceof z.ZodObject) return listConfigFields(inner, path);
    const description = (value as z.ZodType).description ?? inner.description ?? '';
    return [{ path, env: envName(path), description, defaultValue, schema: inner }];
  });
}
