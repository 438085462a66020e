import { z } from 'zod';

import { nameSchema } from './common.dto.ts';

export const connectionKinds = ['database', 'file_service', 'map_server', 'peer'] as const;
export const connectionKindSchema = z.enum(connectionKinds);
export type ConnectionKind = z.infer<typeof connectionKindSchema>;

/**
 * A connection as the API returns it. Secret fields are never returned: `secrets` says which
 * are set (`{ password: true }`).
 */
export const connectionSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  kind: connectionKindSchema,
  type: z.string(),
  description: z.string(),
  config: z.record(z.string(), z.unknown()),
  secrets: z.record(z.string(), z.boolean()),
  /** null = everyone may use it; [] = admins only; else users with one of these roles. */
  roles: z.array(z.string()).nullable(),
  builtin: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Connection = z.infer<typeof connectionSchema>;

const rolesSchema = z.array(z.string().min(1).max(63)).max(100).nullable();

/** `config` holds the type's settings, secret ones included (they are stored sealed). */
export const createConnectionSchema = z.strictObject({
  name: nameSchema,
  type: z.string().min(1).max(63),
  description: z.string().max(2000).default(''),
  config: z.record(z.string(), z.unknown()).default({}),
  roles: rolesSchema.default(null),
});
export type CreateConnection = z.input<typeof createConnectionSchema>;

/**
 * Partial update. In `config`, a secret field left out keeps its stored value; set it to
 * null to clear it.
 */
export const updateConnectionSchema = z.strictObject({
  name: nameSchema.optional(),
  description: z.string().max(2000).optional(),
  config: z.record(z.string(), z.unknown()).optional(),
  roles: rolesSchema.optional(),
});
export type UpdateConnection = z.input<typeof updateConnectionSchema>;

export const connectionTestResultSchema = z.object({
  ok: z.boolean(),
  message: z.string(),
  durationMs: z.number(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type ConnectionTestResult = z.infer<typeof connectionTestResultSchema>;

/** One connection type from the registry, with its settings as JSON Schema (drives the UI form). */
export const connectionTypeSchema = z.object({
  type: z.string(),
  kind: connectionKindSchema,
  title: z.string(),
  description: z.string(),
  configSchema: z.record(z.string(), z.unknown()),
  secretFields: z.array(z.string()),
  /** false: the type can be stored (model only) but not yet tested or used. */
  testable: z.boolean(),
});
export type ConnectionType = z.infer<typeof connectionTypeSchema>;
