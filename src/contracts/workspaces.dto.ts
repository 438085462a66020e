import { z } from 'zod';

import { nameSchema } from './common.dto.ts';

export const workspaceLevelSchema = z.enum(['read', 'write', 'admin']);

export const workspaceSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  description: z.string(),
  /** The caller's own level on it. */
  myLevel: workspaceLevelSchema,
  createdAt: z.string(),
});
export type Workspace = z.infer<typeof workspaceSchema>;

export const createWorkspaceSchema = z.strictObject({
  name: nameSchema,
  description: z.string().max(2000).default(''),
});
export const updateWorkspaceSchema = z.strictObject({
  name: nameSchema.optional(),
  description: z.string().max(2000).optional(),
});

/** A grant names a user (by user name) or a role, never both. */
export const grantSchema = z
  .strictObject({
    user: z.string().min(1).max(63).optional(),
    role: z.string().min(1).max(63).optional(),
    level: workspaceLevelSchema,
  })
  .refine((g) => (g.user === undefined) !== (g.role === undefined), {
    message: 'name exactly one of user or role',
    path: ['user'],
  });
export type Grant = z.infer<typeof grantSchema>;
export const grantsSchema = z.strictObject({ grants: z.array(grantSchema).max(1000) });
