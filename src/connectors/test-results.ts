import type { TestResult } from './connector.ts';

/**
 * The answer of a test() whose signal fired: a time-out (AbortSignal.timeout) reads differently
 * from a user's cancel, so the message says which.
 */
export function abortedResult(signal: AbortSignal): TestResult {
  const reason: unknown = signal.reason;
  const timedOut = reason instanceof Error && reason.name === 'TimeoutError';
  return { ok: false, message: timedOut ? 'The connection test timed out' : 'The connection test was cancelled' };
}

/** The answer of a model-only type: it can be stored but geosync cannot use it yet. */
export function notSupportedYet(feature: string): TestResult {
  return { ok: false, message: `not supported yet: arrives with ${feature}` };
}

/** The message of anything thrown, for a test result (drivers sometimes throw non-Errors). */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
