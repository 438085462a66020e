import { z } from 'zod';

import { nameSchema } from './common.dto.ts';
import { batchScheduleSchema } from './schedules.dto.ts';

const parameterValue = z.string().max(65_536);

export const taskInputSchema = z.strictObject({
  name: z.string().min(1).max(100),
  type: z.string().min(1).max(100),
  /** Left out: every parameter reads the attribute of the same name (`${name}`). */
  parameters: z.record(z.string().min(1).max(100), parameterValue).optional(),
});
export type TaskInput = z.infer<typeof taskInputSchema>;

export const taskSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  type: z.string(),
  parameters: z.record(z.string(), z.string()),
});

export const attributeSchema = z.object({
  name: z.string(),
  value: z.string().nullable(),
  required: z.boolean(),
  kinds: z.array(z.string()),
  usedBy: z.array(z.string()),
  dependsOn: z.array(z.string()),
});

export const validationProblemSchema = z.object({ code: z.string(), location: z.string(), message: z.string() });

export const batchSummarySchema = z.object({
  id: z.uuid(),
  name: z.string(),
  enabled: z.boolean(),
  tasks: z.array(z.string()),
});

export const configurationSchema = z.object({
  id: z.uuid(),
  workspaceId: z.uuid(),
  workspace: z.string(),
  name: z.string(),
  description: z.string(),
  template: z.boolean(),
  templateId: z.uuid().nullable(),
  validated: z.boolean(),
  attributes: z.array(attributeSchema),
  tasks: z.array(taskSchema),
  batches: z.array(batchSummarySchema),
  problems: z.array(validationProblemSchema),
  /** Created from a template that changed since (tasks, parameters or batches differ). */
  drift: z.boolean().nullable(),
  /**
   * Set while the configuration waits for its `@Initialize` batch to commit (init mode): only
   * that batch's tasks are validated; the rest is completed afterwards.
   */
  initializeBatchId: z.uuid().nullable(),
  /**
   * The `@Initialize` run this create or update started, if any: a save in init mode starts it when
   * its values are complete and no run of it is queued or running.
   */
  initializeRunId: z.uuid().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Configuration = z.infer<typeof configurationSchema>;

export const configurationListItemSchema = configurationSchema.pick({
  id: true,
  workspace: true,
  name: true,
  description: true,
  template: true,
  validated: true,
  updatedAt: true,
});

export const configurationListQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
  workspace: z.string().max(63).optional(),
  template: z.enum(['true', 'false']).optional(),
  search: z.string().max(100).optional(),
});

export const createConfigurationSchema = z.strictObject({
  workspace: z.string().min(1).max(63),
  name: nameSchema,
  description: z.string().max(2000).default(''),
  template: z.boolean().default(false),
  /** Copy tasks, attributes and batches from this template or configuration. */
  from: z.uuid().optional(),
  attributes: z.record(z.string().min(1).max(100), parameterValue).default({}),
  tasks: z.array(taskInputSchema).max(1000).default([]),
});

/** Replaces what is given; tasks are matched by name (new ones added, missing ones removed). */
export const updateConfigurationSchema = z.strictObject({
  name: nameSchema.optional(),
  description: z.string().max(2000).optional(),
  attributes: z.record(z.string().min(1).max(100), parameterValue).optional(),
  tasks: z.array(taskInputSchema).max(1000).optional(),
});

export const removeConfigurationQuerySchema = z.strictObject({
  cleanup: z.enum(['true', 'false']).default('false'),
});

export const cleanupReportSchema = z.object({
  removed: z.boolean(),
  cleaned: z.array(z.string()),
  failed: z.array(z.object({ task: z.string(), message: z.string() })),
});

export const batchInputSchema = z
  .strictObject({
    workspace: z.string().min(1).max(63).optional(),
    configuration: z.uuid().nullable().optional(),
    name: z.string().min(1).max(100),
    description: z.string().max(2000).default(''),
    enabled: z.boolean().default(true),
    /** Task ids, in run order. */
    tasks: z.array(z.uuid()).max(1000).default([]),
  })
  .extend(batchScheduleSchema.shape);
