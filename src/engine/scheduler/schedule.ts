/**
 * When batches fire: the schedule model of src/contracts/schedules.dto.ts evaluated with Quartz
 * semantics in an IANA time zone (docs/schedules.md). Pure: no database, no clock; every function
 * takes the time it needs as an argument.
 */
import { type Schedule, type weekdays } from '../../contracts/schedules.dto.ts';
import { UnexpectedError, UserError } from '../../errors/errors.ts';
import { assertDate, checkSchedule, compileSchedule, invalidSchedule } from './cron.ts';
import { toQuartz } from './quartz.ts';

export { toQuartz } from './quartz.ts';
export { missedFires } from './misfire.ts';

/** The most fire times one call returns: enough for any preview, small enough to stay fast. */
export const MAX_FIRE_TIMES = 1000;

/**
 * Throws UserError `invalid_schedule` (400) listing every problem, each with the field it is in
 * (`schedule.expression`, `schedule.time`, `schedule.day`, `timeZone`): malformed cron, cron
 * Quartz would refuse, an expression that never fires, an unknown IANA time zone. With `now`,
 * an expression whose last fire is before `now` (a past year) counts as never firing too.
 */
export function validateSchedule(schedule: Schedule, timeZone: string, now?: Date): void {
  if (now !== undefined) assertDate(now, 'now');
  const { details } = checkSchedule(schedule, timeZone, now);
  if (details.length > 0) throw invalidSchedule(details);
}

/**
 * The next `count` fire times strictly after `from`, in order. Quartz semantics (`L`, `W`, `#`,
 * 1 = Sunday, seconds, years) read in `timeZone`, with the DST rules of docs/schedules.md. Fewer
 * than `count` when the schedule ends (year field). Throws invalid_schedule.
 */
export function nextFireTimes(schedule: Schedule, timeZone: string, from: Date, count = 5): Date[] {
  assertDate(from, 'from');
  if (!Number.isInteger(count) || count < 0 || count > MAX_FIRE_TIMES) {
    const message = `must be a whole number from 0 to ${MAX_FIRE_TIMES}`;
    throw new UserError('invalid_input', `count ${message}`, { details: [{ field: 'count', message }] });
  }
  return compileSchedule(schedule, timeZone).nextRuns(count, from);
}

/**
 * The key of one fire of one batch, the same on every node (`batch:<id>:<ISO time>`), so the
 * fire is enqueued once however many nodes see it (unique key / pg-boss job id).
 */
export function fireKey(batchId: string, fireTime: Date): string {
  assertDate(fireTime, 'fireTime');
  if (typeof batchId !== 'string' || batchId === '') throw new UnexpectedError('invalid_batch_id', 'batchId is empty');
  return `batch:${batchId}:${fireTime.toISOString()}`;
}

type Weekday = (typeof weekdays)[number];
type Helper = Exclude<Schedule, { kind: 'cron' }>;

const DAY_NAMES: Record<Weekday, string> = {
  MON: 'Monday',
  TUE: 'Tuesday',
  WED: 'Wednesday',
  THU: 'Thursday',
  FRI: 'Friday',
  SAT: 'Saturday',
  SUN: 'Sunday',
};

/**
 * A sentence for people: "every day at 02:30 (Europe/Brussels)", "every Monday at 06:00 (UTC)",
 * "on the last day of every month at 23:00 (UTC)". A cron expression that is one of these forms
 * is described the same way; any other reads "on the Quartz schedule <expression> (<zone>)".
 * Does not validate.
 */
export function describeSchedule(schedule: Schedule, timeZone: string): string {
  const helper = schedule.kind === 'cron' ? helperOf(toQuartz(schedule)) : schedule;
  const what = helper ? describeHelper(helper) : `on the Quartz schedule ${toQuartz(schedule)}`;
  return `${what} (${timeZone})`;
}

function describeHelper(helper: Helper): string {
  switch (helper.kind) {
    case 'daily':
      return `every day at ${helper.time}`;
    case 'weekly':
      return `every ${DAY_NAMES[helper.day]} at ${helper.time}`;
    case 'monthly':
      if (helper.day === 'L') return `on the last day of every month at ${helper.time}`;
      // Quartz skips months without that day rather than moving to their last day.
      return helper.day > 28
        ? `on day ${helper.day} of every month at ${helper.time}, skipping months without a day ${helper.day}`
        : `on day ${helper.day} of every month at ${helper.time}`;
  }
}

/** The helper a cron expression spells, if it is exactly one of toQuartz's forms. */
function helperOf(expression: string): Helper | undefined {
  const match = /^0 (\d{1,2}) (\d{1,2}) (\?|\*|L|\d{1,2}) \* (\?|[A-Z]{3})$/.exec(expression.toUpperCase());
  if (!match) return undefined;
  const [, minutes = '', hours = '', dayOfMonth = '', dayOfWeek = ''] = match;
  if (Number(minutes) > 59 || Number(hours) > 23) return undefined;
  const time = `${hours.padStart(2, '0')}:${minutes.padStart(2, '0')}`;
  if (dayOfMonth === '*' && dayOfWeek === '?') return { kind: 'daily', time };
  if (dayOfMonth === '?' && dayOfWeek in DAY_NAMES) return { kind: 'weekly', day: dayOfWeek as Weekday, time };
  if (dayOfMonth === 'L') return dayOfWeek === '?' ? { kind: 'monthly', day: 'L', time } : undefined;
  const day = Number(dayOfMonth);
  return dayOfWeek === '?' && day >= 1 && day <= 31 ? { kind: 'monthly', day, time } : undefined;
}
