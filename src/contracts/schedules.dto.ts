import { z } from 'zod';

const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time as HH:MM (24 h)');
export const weekdays = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] as const;

/**
 * When a batch runs. The helpers (daily, weekly, monthly) become Quartz cron expressions; `cron`
 * takes one directly (seconds first, `?`, `L`, `W`, `#`, Quartz day numbering 1 = Sunday).
 */
export const scheduleSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('daily'), time }),
  z.strictObject({ kind: z.literal('weekly'), day: z.enum(weekdays), time }),
  z.strictObject({
    kind: z.literal('monthly'),
    /** 1-31, or 'L' for the last day of the month. */
    day: z.union([z.number().int().min(1).max(31), z.literal('L')]),
    time,
  }),
  z.strictObject({ kind: z.literal('cron'), expression: z.string().min(1).max(200) }),
]);
export type Schedule = z.infer<typeof scheduleSchema>;

/** A fire missed while geosync was down: run once when it is back, or skip to the next one. */
export const misfirePolicySchema = z.enum(['run_once', 'skip']);
export type MisfirePolicy = z.infer<typeof misfirePolicySchema>;

export const batchScheduleSchema = z.strictObject({
  /** null: runs only when started by hand (or by bulk run). */
  schedule: scheduleSchema.nullable().default(null),
  /** IANA time zone the schedule is read in, e.g. Europe/Brussels. */
  timeZone: z.string().min(1).max(64).default('UTC'),
  misfire: misfirePolicySchema.default('run_once'),
});
export type BatchSchedule = z.infer<typeof batchScheduleSchema>;
