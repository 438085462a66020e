import { z } from 'zod';

import { nameSchema } from './common.dto.ts';

export const userSchema = z.object({
  id: z.uuid(),
  username: z.string(),
  displayName: z.string(),
  email: z.string().nullable(),
  roles: z.array(z.string()),
  disabled: z.boolean(),
  createdAt: z.string(),
});
export type User = z.infer<typeof userSchema>;

const roleNameSchema = z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/, 'lower-case letters, digits, _ and - only');

export const createUserSchema = z.strictObject({
  username: nameSchema,
  password: z.string().min(8).max(1000),
  displayName: z.string().max(200).default(''),
  email: z.email().nullable().default(null),
  roles: z.array(roleNameSchema).max(100).default([]),
});
export type CreateUser = z.input<typeof createUserSchema>;

export const updateUserSchema = z.strictObject({
  displayName: z.string().max(200).optional(),
  email: z.email().nullable().optional(),
  roles: z.array(roleNameSchema).max(100).optional(),
  disabled: z.boolean().optional(),
});
export type UpdateUser = z.input<typeof updateUserSchema>;

/** Changing one's own password needs the current one; an admin resetting another's does not. */
export const setPasswordSchema = z.strictObject({
  currentPassword: z.string().max(1000).optional(),
  newPassword: z.string().min(8).max(1000),
});

export const roleSchema = z.object({ name: z.string(), description: z.string(), builtin: z.boolean() });
export type Role = z.infer<typeof roleSchema>;
export const createRoleSchema = z.strictObject({
  name: roleNameSchema,
  description: z.string().max(2000).default(''),
});
export const roleParamsSchema = z.strictObject({ name: roleNameSchema });

export const apiTokenSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  prefix: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
  revoked: z.boolean(),
});
export type ApiToken = z.infer<typeof apiTokenSchema>;
export const createApiTokenSchema = z.strictObject({
  name: z.string().min(1).max(100),
  expiresInDays: z.number().int().min(1).max(3650).nullable().default(null),
});
/** The token itself is in this answer only: it is stored hashed and cannot be shown again. */
export const createdApiTokenSchema = apiTokenSchema.extend({ token: z.string() });
