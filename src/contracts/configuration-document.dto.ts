import { z } from 'zod';

import { misfirePolicySchema, scheduleSchema } from './schedules.dto.ts';

/**
 * A configuration or template as a portable document (export/import, JSON or YAML). Versioned:
 * a reader accepts every version up to its own and refuses newer ones clearly.
 */
export const CONFIGURATION_DOCUMENT_VERSION = 1;

const name = z.string().min(1).max(200);
/** A parameter value: a literal, or exactly `${attribute}` to read an attribute. */
const parameterValue = z.string().max(65_536);

export const taskDocumentSchema = z.strictObject({
  name,
  type: z.string().min(1).max(100),
  parameters: z.record(z.string().min(1).max(100), parameterValue).default({}),
});

export const batchDocumentSchema = z.strictObject({
  name,
  description: z.string().max(2000).default(''),
  enabled: z.boolean().default(true),
  schedule: scheduleSchema.nullable().default(null),
  timeZone: z.string().min(1).max(64).default('UTC'),
  misfire: misfirePolicySchema.default('run_once'),
  /** Task names of this configuration, in run order. */
  tasks: z.array(name).max(1000).default([]),
});

export const configurationDocumentSchema = z.strictObject({
  format: z.literal('geosync.configuration'),
  version: z.number().int().min(1).max(CONFIGURATION_DOCUMENT_VERSION),
  name,
  description: z.string().max(2000).default(''),
  /** Workspace name; the importer may override it. */
  workspace: z.string().min(1).max(63).optional(),
  template: z.boolean().default(false),
  attributes: z.record(z.string().min(1).max(100), z.string().max(65_536)).default({}),
  tasks: z.array(taskDocumentSchema).max(1000).default([]),
  batches: z.array(batchDocumentSchema).max(1000).default([]),
});
export type ConfigurationDocument = z.infer<typeof configurationDocumentSchema>;
export type TaskDocument = z.infer<typeof taskDocumentSchema>;
export type BatchDocument = z.infer<typeof batchDocumentSchema>;
