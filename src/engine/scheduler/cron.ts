/**
 * Turns a schedule and a time zone into a croner `Cron` (cached), or into the list of what is
 * wrong with them. Internal to the scheduler: callers use schedule.ts.
 */
import { Cron } from 'croner';

import { type Schedule, scheduleSchema } from '../../contracts/schedules.dto.ts';
import { type ErrorDetail, UnexpectedError, UserError } from '../../errors/errors.ts';
import { QuartzSyntaxError, quartzToCroner, toQuartz } from './quartz.ts';

/**
 * Quartz semantics: seconds first with an optional year, 1 = Sunday, and AND of the day fields
 * (one is always `?`, so AND is what Quartz means). `no-wildcard` makes `0 30 2,14 * * ?` a
 * fixed-time job like `0 30 2 * * ?`, so both behave the same on DST days (docs/schedules.md).
 */
const CRONER_OPTIONS = {
  mode: '6-or-7-parts',
  alternativeWeekdays: true,
  domAndDow: true,
  fixedTimeRule: 'no-wildcard',
} as const;

/** Where the "does it ever fire" search starts when no `now` is given: Quartz's first year. */
const EPOCH = new Date(Date.UTC(1970, 0, 1));

/** Why `timeZone` is not an IANA time zone name we accept, or undefined when it is one. */
export function timeZoneProblem(timeZone: unknown): string | undefined {
  const usage = 'an IANA time zone name such as Europe/Brussels, America/New_York or UTC';
  if (typeof timeZone !== 'string' || timeZone === '' || timeZone.length > 64) return `must be ${usage}`;
  // Newer ICU versions accept offsets such as +01:00; they have no DST rules and are not IANA names.
  if (/^[+-]/.test(timeZone)) return `must be ${usage}, not a UTC offset`;
  let canonical: string;
  try {
    canonical = new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
  } catch {
    return `'${timeZone}' is not a known time zone; use ${usage}`;
  }
  // Intl ignores case; we do not, so a stored name is always spelled one way.
  if (canonical !== timeZone && canonical.toLowerCase() === timeZone.toLowerCase()) {
    return `write the time zone as '${canonical}'`;
  }
  return undefined;
}

/** The builder behind validateSchedule and compileSchedule: a Cron, or what is wrong. */
export function checkSchedule(
  schedule: Schedule,
  timeZone: string,
  now?: Date,
): { cron: Cron; details: [] } | { cron?: undefined; details: ErrorDetail[] } {
  const details: ErrorDetail[] = [];
  const zoneProblem = timeZoneProblem(timeZone);
  if (zoneProblem) details.push({ field: 'timeZone', message: zoneProblem });

  const parsed = scheduleSchema.safeParse(schedule);
  const isCron = (schedule as { kind?: unknown } | null)?.kind === 'cron';
  // For cron, the expression gets our own messages below rather than zod's length checks.
  const issues = parsed.error?.issues.filter((issue) => !(isCron && issue.path[0] === 'expression')) ?? [];
  if (issues.length > 0) {
    for (const issue of issues) {
      details.push({ field: ['schedule', ...issue.path.map(String)].join('.'), message: issue.message });
    }
    return { details };
  }
  const expressionField = isCron ? 'schedule.expression' : 'schedule';
  if (isCron && typeof (schedule as { expression?: unknown }).expression !== 'string') {
    return { details: [...details, { field: expressionField, message: 'must be a Quartz cron expression' }] };
  }

  let pattern: string;
  try {
    pattern = quartzToCroner(toQuartz(schedule));
  } catch (error) {
    if (!(error instanceof QuartzSyntaxError)) throw error;
    return { details: [...details, { field: expressionField, message: error.message }] };
  }
  if (zoneProblem) return { details };

  let cron: Cron;
  try {
    cron = new Cron(pattern, { ...CRONER_OPTIONS, timezone: timeZone });
  } catch (error) {
    // Only reached if quartz.ts lets through something croner refuses: still the user's input.
    const message = error instanceof Error ? error.message.replace(/^CronPattern: /, '') : String(error);
    return { details: [{ field: expressionField, message: `is not a valid expression: ${message}` }] };
  }
  const from = now ?? EPOCH;
  if (cron.nextRun(from) === null) {
    const message = now
      ? `never fires after ${now.toISOString()} (a year that has passed, or a day such as 30 February?)`
      : 'never fires (a day such as 30 February or 31 April?)';
    return { details: [{ field: expressionField, message }] };
  }
  return { cron, details: [] };
}

/** The UserError every schedule problem becomes: code invalid_schedule, status 400. */
export function invalidSchedule(details: ErrorDetail[]): UserError {
  const where = details.map((d) => (d.field ? `${d.field}: ${d.message}` : d.message)).join('; ');
  return new UserError('invalid_schedule', `Invalid schedule: ${where}`, { details });
}

// Compiling is pure, so results can be shared; the cap keeps memory bounded with many batches.
const cache = new Map<string, Cron>();
const CACHE_SIZE = 500;

/** A croner job for this schedule in this zone; throws invalid_schedule if it is not valid. */
export function compileSchedule(schedule: Schedule, timeZone: string): Cron {
  const key = `${String(timeZone)}\n${JSON.stringify(schedule)}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const { cron, details } = checkSchedule(schedule, timeZone);
  if (!cron) throw invalidSchedule(details);
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(key, cron);
  return cron;
}

/** Times come from the caller (never Date.now()); an invalid one is a bug, not user input. */
export function assertDate(date: Date, name: string): void {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw new UnexpectedError('invalid_date', `${name} must be a valid Date`);
  }
}
