import type { z } from 'zod';

import { type ErrorDetail, UserError } from './errors.ts';

/** Lists every zod issue as a detail naming the field, so a user fixes all problems at once. */
export function zodDetails(error: z.ZodError, prefix = ''): ErrorDetail[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    return { field: path || undefined, message: issue.message };
  });
}

export function invalidInput(error: z.ZodError, what: string, prefix = ''): UserError {
  const details = zodDetails(error, prefix);
  const where = details.map((d) => (d.field ? `${d.field}: ${d.message}` : d.message)).join('; ');
  return new UserError('invalid_input', `Invalid ${what}: ${where}`, { details, cause: error });
}
