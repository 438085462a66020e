import { z } from 'zod';

/** RFC 9457 problem details, as every API error is returned (`application/problem+json`). */
export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  /** Stable machine-readable code, e.g. `invalid_input`, `not_found`, `forbidden`. */
  code: z.string(),
  instance: z.string().optional(),
  requestId: z.string().optional(),
  errors: z.array(z.object({ field: z.string().optional(), message: z.string() })).optional(),
});
export type Problem = z.infer<typeof problemSchema>;

/** Query of every list endpoint: `?limit=50&offset=0`. */
export const pageQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
export type PageQuery = z.infer<typeof pageQuerySchema>;

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), total: z.number().int(), limit: z.number().int(), offset: z.number().int() });
export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export const idParamsSchema = z.strictObject({ id: z.uuid() });

/** Names of users, workspaces, connections: what a person types and a URL can carry. */
export const nameSchema = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[A-Za-z][A-Za-z0-9_.-]*$/, 'must start with a letter; letters, digits, _ . - only');
