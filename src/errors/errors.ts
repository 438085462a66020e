/**
 * The three kinds of error geosync raises. Every error carries a stable `code` (part of the API:
 * clients and tests match on it) and is turned into HTTP or CLI output in exactly one place each
 * (`api/problem.ts`, `cli/output.ts`).
 */

/** Details that locate a problem, e.g. `{ field: 'config.port', reason: 'too_big' }`. */
export interface ErrorDetail {
  /** Dotted path of the offending field, when there is one. */
  field?: string;
  message: string;
}

interface GeosyncErrorOptions {
  cause?: unknown;
  details?: ErrorDetail[];
}

export abstract class GeosyncError extends Error {
  abstract readonly kind: 'user' | 'operational' | 'unexpected';
  readonly code: string;
  readonly details: ErrorDetail[];

  constructor(code: string, message: string, options: GeosyncErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details ?? [];
  }
}

/** Bad input, missing permission, unknown object: the caller can fix it. Never retried. */
export class UserError extends GeosyncError {
  readonly kind = 'user';
  /** HTTP status this maps to (400 unless a more precise one applies). */
  readonly status: number;

  constructor(code: string, message: string, options: GeosyncErrorOptions & { status?: number } = {}) {
    super(code, message, options);
    this.status = options.status ?? 400;
  }
}

/** Network, lock, time-out: the world misbehaved; retrying may help. */
export class OperationalError extends GeosyncError {
  readonly kind = 'operational';
}

/** A bug: an invariant did not hold. */
export class UnexpectedError extends GeosyncError {
  readonly kind = 'unexpected';
}

export const notFound = (what: string, id: string): UserError =>
  new UserError('not_found', `${what} '${id}' does not exist`, { status: 404 });

export const forbidden = (message = 'You do not have permission to do this'): UserError =>
  new UserError('forbidden', message, { status: 403 });

export const unauthenticated = (message = 'Log in or send an API token'): UserError =>
  new UserError('unauthenticated', message, { status: 401 });

export const conflict = (code: string, message: string): UserError => new UserError(code, message, { status: 409 });

export function isGeosyncError(error: unknown): error is GeosyncError {
  return error instanceof GeosyncError;
}
