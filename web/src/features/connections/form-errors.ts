import { ApiError, errorMessage } from '../../api-client.ts';

export interface FormErrors {
  /** By form field path (`name`, `config.root`): shown next to that field. */
  fields: Record<string, string>;
  /** Errors naming no field the form shows: shown at the top. */
  general: string[];
}

export const noFormErrors: FormErrors = { fields: {}, general: [] };

/**
 * Places each of the API's `errors[]` next to the field it names. A nested path
 * (`config.tags.0`) goes to the closest field the form has (`config.tags`).
 */
export function toFormErrors(error: unknown, fieldPaths: readonly string[]): FormErrors {
  if (!(error instanceof ApiError) || error.errors.length === 0) {
    return { fields: {}, general: [errorMessage(error)] };
  }
  const fields: Record<string, string> = {};
  const general: string[] = [];
  for (const problem of error.errors) {
    const path = problem.field && closestFieldPath(problem.field, fieldPaths);
    if (path) fields[path] = fields[path] ? `${fields[path]}; ${problem.message}` : problem.message;
    else general.push(problem.field ? `${problem.field}: ${problem.message}` : problem.message);
  }
  return { fields, general };
}

function closestFieldPath(field: string, fieldPaths: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const path of fieldPaths) {
    const matches = field === path || field.startsWith(`${path}.`) || field.startsWith(`${path}[`);
    if (matches && (!best || path.length > best.length)) best = path;
  }
  return best;
}
