import { z } from 'zod';

import { batchScheduleSchema, misfirePolicySchema, scheduleSchema } from './schedules.dto.ts';

export const batchSchema = z.object({
  id: z.uuid(),
  workspace: z.string(),
  configurationId: z.uuid().nullable(),
  configuration: z.string().nullable(),
  name: z.string(),
  description: z.string(),
  enabled: z.boolean(),
  schedule: scheduleSchema.nullable(),
  timeZone: z.string(),
  misfire: misfirePolicySchema,
  tasks: z.array(z.object({ id: z.uuid(), name: z.string(), configuration: z.string() })),
  /** The next fire times (up to five), when scheduled and enabled. */
  nextFires: z.array(z.string()),
  lastRun: z
    .object({ id: z.uuid(), status: z.string(), startedAt: z.string(), endedAt: z.string().nullable() })
    .nullable(),
});
export type Batch = z.infer<typeof batchSchema>;

export const batchListQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
  workspace: z.string().max(63).optional(),
  configuration: z.uuid().optional(),
});

const batchFields = {
  name: z.string().min(1).max(100),
  description: z.string().max(2000).default(''),
  enabled: z.boolean().default(true),
  /** Task ids in run order. */
  tasks: z.array(z.uuid()).max(1000).default([]),
};

export const createBatchSchema = z
  .strictObject({
    workspace: z.string().min(1).max(63),
    /** The configuration it belongs to; left out: an independent batch of the workspace. */
    configuration: z.uuid().optional(),
    ...batchFields,
  })
  .extend(batchScheduleSchema.shape);

export const updateBatchSchema = z.strictObject({
  name: batchFields.name.optional(),
  description: z.string().max(2000).optional(),
  enabled: z.boolean().optional(),
  tasks: z.array(z.uuid()).max(1000).optional(),
  schedule: scheduleSchema.nullable().optional(),
  timeZone: z.string().min(1).max(64).optional(),
  misfire: misfirePolicySchema.optional(),
});

export const schedulePreviewSchema = z.strictObject({
  schedule: scheduleSchema,
  timeZone: z.string().min(1).max(64).default('UTC'),
  count: z.number().int().min(1).max(50).default(5),
});

export const runSchema = z.object({
  id: z.uuid(),
  batchId: z.uuid(),
  batch: z.string(),
  status: z.string(),
  trigger: z.string(),
  message: z.string().nullable(),
  startedBy: z.string().nullable(),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  interruptRequested: z.boolean(),
  tasks: z.array(
    z.object({
      id: z.uuid(),
      task: z.string(),
      type: z.string(),
      status: z.string(),
      message: z.string().nullable(),
      progress: z.record(z.string(), z.unknown()).nullable(),
      startedAt: z.string().nullable(),
      endedAt: z.string().nullable(),
    }),
  ),
});
export type Run = z.infer<typeof runSchema>;

const runTimeBound = (what: string) =>
  z.iso.datetime({ offset: true, error: `${what} must be an ISO date-time, e.g. 2026-01-31T00:00:00Z` }).optional();

export const runListQuerySchema = z
  .strictObject({
    limit: z.coerce.number().int().min(1).max(500).default(50),
    offset: z.coerce.number().int().min(0).default(0),
    batch: z.uuid().optional(),
    status: z.string().max(30).optional(),
    /** Runs started at or after this time. */
    since: runTimeBound('since'),
    /** Runs started before this time (exclusive), so day ranges do not overlap. */
    until: runTimeBound('until'),
  })
  .refine((q) => !q.since || !q.until || Date.parse(q.until) > Date.parse(q.since), {
    path: ['until'],
    error: 'until must be later than since',
  });

export const runLogSchema = z.object({
  items: z.array(
    z.object({
      /** Pass the last one as `after` to read the next page. */
      id: z.number().int(),
      at: z.string(),
      level: z.string(),
      message: z.string(),
      taskRunId: z.string().nullable(),
    }),
  ),
});
