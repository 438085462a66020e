/**
 * Quartz cron syntax (the dialect of the GeoServer Task Manager), checked field by field and
 * rewritten into a pattern croner evaluates the same way. We parse first because croner alone
 * accepts what Quartz refuses (no `?`, `?` in both day fields, day-of-week 8, year 1960, `L` in
 * a list, several `#` days) and refuses what Quartz accepts (`FRI-MON`, `22-2`, `5/15`, `L` alone
 * in day-of-week), and because its messages name croner's internals rather than the user's field.
 */
import type { Schedule } from '../../contracts/schedules.dto.ts';

/** A Quartz expression that is not valid; the message names the field and says how to fix it. */
export class QuartzSyntaxError extends Error {}

export const MAX_EXPRESSION_LENGTH = 200;

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  /** Quartz refuses larger increments ("Increment > 60"), so we do too. */
  maxStep: number;
  names?: readonly string[];
  hint?: string;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] as const;
/** Quartz numbering: 1 = Sunday ... 7 = Saturday (not Unix cron's 0 = Sunday). */
export const QUARTZ_DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;

const FIELDS: readonly FieldSpec[] = [
  { name: 'seconds', min: 0, max: 59, maxStep: 59 },
  { name: 'minutes', min: 0, max: 59, maxStep: 59 },
  { name: 'hours', min: 0, max: 23, maxStep: 23 },
  { name: 'day-of-month', min: 1, max: 31, maxStep: 31 },
  { name: 'month', min: 1, max: 12, maxStep: 12, names: MONTHS, hint: 'or JAN-DEC' },
  { name: 'day-of-week', min: 1, max: 7, maxStep: 7, names: QUARTZ_DAYS, hint: 'or SUN-SAT; 1 = Sunday' },
  // Quartz's documented year range; it also keeps "never fires" searches short.
  { name: 'year', min: 1970, max: 2099, maxStep: 129 },
];
const DAY_OF_MONTH = 3;
const DAY_OF_WEEK = 5;
const YEAR = 6;

function fail(message: string, field?: FieldSpec): never {
  throw new QuartzSyntaxError(field ? `${field.name}: ${message}` : message);
}

/**
 * Checks a Quartz expression (6 or 7 fields, seconds first, `?` in exactly one day field) and
 * returns the equivalent croner pattern (numbers only, Quartz day numbering, wrap-around ranges
 * split in two). Throws QuartzSyntaxError.
 */
export function quartzToCroner(expression: string): string {
  if (expression.length > MAX_EXPRESSION_LENGTH) fail(`is longer than ${MAX_EXPRESSION_LENGTH} characters`);
  if (expression.trim() === '') fail('is empty');
  const bad = /[^0-9A-Za-z*?,/#\- \t]/.exec(expression);
  if (bad) fail(`contains ${JSON.stringify(bad[0])}, which Quartz does not allow`);
  const parts = expression
    .trim()
    .toUpperCase()
    .split(/[ \t]+/);
  if (parts.length !== 6 && parts.length !== 7) {
    fail(
      `has ${parts.length} field${parts.length === 1 ? '' : 's'}; Quartz needs 6 or 7: ` +
        'seconds minutes hours day-of-month month day-of-week [year]',
    );
  }
  // Fields first, so garbage gets a message about the garbage rather than about '?'.
  const pattern = parts.map((part, index) => field(part, index)).join(' ');
  const dayOfMonth = parts[DAY_OF_MONTH];
  const dayOfWeek = parts[DAY_OF_WEEK];
  if (dayOfMonth === '?' && dayOfWeek === '?') fail("'?' may be in only one of day-of-month and day-of-week");
  if (dayOfMonth !== '?' && dayOfWeek !== '?') {
    fail(
      "put '?' in day-of-month or in day-of-week: Quartz cannot combine both " +
        "(e.g. '0 0 12 * * ?' or '0 0 12 ? * MON')",
    );
  }
  return pattern;
}

function field(part: string, index: number): string {
  const spec = FIELDS[index]!;
  if (part === '?') {
    if (index !== DAY_OF_MONTH && index !== DAY_OF_WEEK) {
      fail("'?' is only allowed in day-of-month and day-of-week", spec);
    }
    return '?';
  }
  if (index === DAY_OF_MONTH && /^[0-9LW,-]+$/.test(part) && /[LW]/.test(part)) return dayOfMonthSpecial(part, spec);
  if (index === DAY_OF_WEEK && /[L#]/.test(part)) return dayOfWeekSpecial(part, spec);
  return part
    .split(',')
    .map((item) => listItem(item, spec, index !== YEAR))
    .join(',');
}

/** `L` (last day), `LW` (last weekday), `15W` (weekday nearest the 15th, within the month). */
function dayOfMonthSpecial(part: string, spec: FieldSpec): string {
  if (part === 'L' || part === 'LW') return part;
  if (/^L-\d+$/.test(part)) fail(`'${part}' (days before the last day) is not supported; use L or a fixed day`, spec);
  const nearest = /^(\d+)W$/.exec(part);
  if (nearest) return `${value(nearest[1]!, spec)}W`;
  return fail(`L and W must stand alone: use L, LW or a single day with W such as 15W (got '${part}')`, spec);
}

/** `6L` (last Friday), `6#3` (third Friday), `L` alone (Saturday, as in Quartz). */
function dayOfWeekSpecial(part: string, spec: FieldSpec): string {
  if (part === 'L') return '7';
  const last = /^([0-9A-Z]+)L$/.exec(part);
  if (last) return `${value(last[1]!, spec)}L`;
  const nth = /^([0-9A-Z]+)#(\d+)$/.exec(part);
  if (nth) {
    const n = Number(nth[2]);
    if (n < 1 || n > 5) fail(`'#${nth[2]}' must be #1 to #5 (the nth such day of the month)`, spec);
    return `${value(nth[1]!, spec)}#${n}`;
  }
  if (/[,-]/.test(part)) {
    fail(`L and # apply to one day, e.g. 6L or 6#3, never in a list or range (got '${part}')`, spec);
  }
  return fail(
    `'${part}' is not a valid value (1-7, or SUN-SAT; 1 = Sunday; 6L = last Friday, 6#3 = third Friday)`,
    spec,
  );
}

/** One comma-separated item: `*`, `n`, `a-b`, each with an optional `/step`, or `/step` alone. */
function listItem(item: string, spec: FieldSpec, wraps: boolean): string {
  const pieces = item.split('/');
  if (pieces.length > 2) fail(`'${item}' has more than one '/'`, spec);
  const [base = '', stepText] = pieces;
  let step: number | undefined;
  if (stepText !== undefined) {
    step = /^\d+$/.test(stepText) ? Number(stepText) : NaN;
    if (!(step >= 1 && step <= spec.maxStep)) {
      fail(`the step in '${item}' must be a number from 1 to ${spec.maxStep}`, spec);
    }
  }
  if (base === '' && step === undefined) fail('has an empty value (two commas in a row, or a trailing comma?)', spec);
  // Quartz reads '/5' and '*/5' alike; croner does not know '/5', so we spell the range out.
  if (base === '' || base === '*') return step === undefined ? '*' : `${spec.min}-${spec.max}/${step}`;
  const bounds = base.split('-');
  if (bounds.length > 2 || bounds.includes('')) fail(`'${item}' is not a valid range`, spec);
  const from = value(bounds[0]!, spec);
  // Quartz 'a/s' means a, a+s, ... up to the field's maximum.
  const to = bounds[1] === undefined ? (step === undefined ? from : spec.max) : value(bounds[1], spec);
  if (from <= to) return range(from, to, step);
  if (!wraps) fail(`the range '${item}' goes backwards`, spec);
  // Quartz wraps around (FRI-MON, 22-2): split at the end of the field, keeping the step's phase.
  const first = range(from, spec.max, step);
  const span = spec.max - spec.min + 1;
  const restart = step === undefined ? spec.min : from + step * Math.floor((spec.max - from) / step) + step - span;
  return restart <= to ? `${first},${range(restart, to, step)}` : first;
}

function range(from: number, to: number, step: number | undefined): string {
  if (step !== undefined) return `${from}-${to}/${step}`;
  return from === to ? String(from) : `${from}-${to}`;
}

function value(text: string, spec: FieldSpec): number {
  const allowed = `${spec.min}-${spec.max}${spec.hint ? `, ${spec.hint}` : ''}`;
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n < spec.min || n > spec.max) fail(`${text} is out of range (${allowed})`, spec);
    return n;
  }
  const index = spec.names?.indexOf(text) ?? -1;
  if (index < 0) fail(`'${text}' is not a valid value (${allowed})`, spec);
  return index + spec.min;
}

function hoursMinutes(time: string): [number, number] {
  const [hours = '', minutes = ''] = time.split(':');
  return [Number(hours), Number(minutes)];
}

/**
 * The Quartz expression a schedule stands for, as the Task Manager's frequency editor writes it:
 * daily 02:30 → `0 30 2 * * ?`, weekly MON 06:00 → `0 0 6 ? * MON`, monthly L 23:00 →
 * `0 0 23 L * ?`. A `cron` schedule is returned as written, with its spaces normalised.
 */
export function toQuartz(schedule: Schedule): string {
  if (schedule.kind === 'cron') {
    return schedule.expression
      .trim()
      .split(/[ \t]+/)
      .join(' ');
  }
  const [hours, minutes] = hoursMinutes(schedule.time);
  switch (schedule.kind) {
    case 'daily':
      return `0 ${minutes} ${hours} * * ?`;
    case 'weekly':
      return `0 ${minutes} ${hours} ? * ${schedule.day}`;
    case 'monthly':
      return `0 ${minutes} ${hours} ${schedule.day} * ?`;
  }
}
