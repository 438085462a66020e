import { z } from 'zod';

export const loginRequestSchema = z.strictObject({
  username: z.string().min(1).max(200),
  password: z.string().min(1).max(1000),
});
export type LoginRequest = z.infer<typeof loginRequestSchema>;

export const currentUserSchema = z.object({
  id: z.uuid(),
  username: z.string(),
  displayName: z.string(),
  roles: z.array(z.string()),
  isAdmin: z.boolean(),
});
export type CurrentUser = z.infer<typeof currentUserSchema>;

/**
 * Answer of login and of `GET /api/v1/auth/me`. A browser sends `csrfToken` back in the
 * `x-csrf-token` header on every POST/PUT/PATCH/DELETE made with the session cookie.
 */
export const sessionInfoSchema = z.object({
  user: currentUserSchema,
  csrfToken: z.string().optional(),
});
export type SessionInfo = z.infer<typeof sessionInfoSchema>;
