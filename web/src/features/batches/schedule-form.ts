/**
 * The schedule editor's form state and its conversion to and from the API's `Schedule`
 * (src/contracts/schedules.dto.ts). Pure functions, no React.
 */
import type { Schedule } from '../../../../src/contracts/schedules.dto.ts';

export const weekdayNames = {
  MON: 'Monday',
  TUE: 'Tuesday',
  WED: 'Wednesday',
  THU: 'Thursday',
  FRI: 'Friday',
  SAT: 'Saturday',
  SUN: 'Sunday',
} as const;
export type Weekday = keyof typeof weekdayNames;

export type ScheduleKind = 'none' | Schedule['kind'];

export const scheduleKindLabels: Record<ScheduleKind, string> = {
  none: 'None (run by hand)',
  daily: 'Daily',
  weekly: 'Weekly',
  monthly: 'Monthly',
  cron: 'Custom (cron)',
};

/** Every kind's fields are kept, so switching kinds back and forth loses nothing typed. */
export interface ScheduleForm {
  kind: ScheduleKind;
  time: string;
  weekday: Weekday;
  /** '1'..'31' or 'L'. */
  monthDay: string;
  expression: string;
}

export function scheduleToForm(schedule: Schedule | null): ScheduleForm {
  const form: ScheduleForm = { kind: 'none', time: '02:00', weekday: 'MON', monthDay: '1', expression: '' };
  if (!schedule) return form;
  switch (schedule.kind) {
    case 'daily':
      return { ...form, kind: 'daily', time: schedule.time };
    case 'weekly':
      return { ...form, kind: 'weekly', time: schedule.time, weekday: schedule.day };
    case 'monthly':
      return { ...form, kind: 'monthly', time: schedule.time, monthDay: String(schedule.day) };
    case 'cron':
      return { ...form, kind: 'cron', expression: schedule.expression };
  }
}

export function formToSchedule(form: ScheduleForm): Schedule | null {
  switch (form.kind) {
    case 'none':
      return null;
    case 'daily':
      return { kind: 'daily', time: form.time };
    case 'weekly':
      return { kind: 'weekly', day: form.weekday, time: form.time };
    case 'monthly':
      return { kind: 'monthly', day: form.monthDay === 'L' ? 'L' : Number(form.monthDay), time: form.time };
    case 'cron':
      return { kind: 'cron', expression: form.expression.trim() };
  }
}

/** A short text for lists: "Weekly, Monday 06:30 (Europe/Brussels)". */
export function describeSchedule(schedule: Schedule | null, timeZone: string): string {
  if (!schedule) return 'By hand only';
  switch (schedule.kind) {
    case 'daily':
      return `Daily at ${schedule.time} (${timeZone})`;
    case 'weekly':
      return `Weekly, ${weekdayNames[schedule.day]} ${schedule.time} (${timeZone})`;
    case 'monthly':
      return `Monthly, ${schedule.day === 'L' ? 'last day' : `day ${schedule.day}`} ${schedule.time} (${timeZone})`;
    case 'cron':
      return `Cron ${schedule.expression} (${timeZone})`;
  }
}

/** IANA zones the browser knows, for the time zone suggestions; UTC first. */
export function timeZoneNames(): string[] {
  const known = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return ['UTC', ...known.filter((zone) => zone !== 'UTC')];
}

/** A fire time as the schedule's zone reads it: "Mon, 7 Dec 2026, 06:30". */
export function formatFireTime(iso: string, timeZone: string): string {
  try {
    return new Intl.DateTimeFormat(undefined, {
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      // Schedules are written on a 24-hour clock; the fire times read the same way.
      hourCycle: 'h23',
      timeZone,
    }).format(new Date(iso));
  } catch {
    // An unknown zone (the server checks it): the browser's own zone still gives a true instant.
    return new Date(iso).toLocaleString();
  }
}
