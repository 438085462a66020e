/** The batch editor's form state, what it sends (`PATCH /batches/:id`), and its checks before sending. */
import type { Batch } from '../../../../src/contracts/batches.dto.ts';
import type { MisfirePolicy } from '../../../../src/contracts/schedules.dto.ts';
import type { BatchChanges } from './batches-api.ts';
import { type ScheduleForm, formToSchedule, scheduleToForm } from './schedule-form.ts';

export interface BatchForm {
  name: string;
  description: string;
  enabled: boolean;
  taskIds: string[];
  schedule: ScheduleForm;
  timeZone: string;
  misfire: MisfirePolicy;
}

export function batchToForm(batch: Batch): BatchForm {
  return {
    name: batch.name,
    description: batch.description,
    enabled: batch.enabled,
    taskIds: batch.tasks.map((task) => task.id),
    schedule: scheduleToForm(batch.schedule),
    timeZone: batch.timeZone,
    misfire: batch.misfire,
  };
}

export function formToChanges(form: BatchForm): BatchChanges {
  return {
    name: form.name.trim(),
    description: form.description,
    enabled: form.enabled,
    tasks: form.taskIds,
    schedule: formToSchedule(form.schedule),
    timeZone: form.timeZone.trim(),
    misfire: form.misfire,
  };
}

/** Whether the form differs from the stored batch (compared as the API would receive them). */
export function isDirty(form: BatchForm, batch: Batch): boolean {
  return JSON.stringify(formToChanges(form)) !== JSON.stringify(formToChanges(batchToForm(batch)));
}

/** Field paths the form shows, for placing the API's `errors[]` next to them. */
export const batchFieldPaths = [
  'name',
  'description',
  'enabled',
  'tasks',
  'schedule',
  'schedule.time',
  'schedule.day',
  'schedule.expression',
  'timeZone',
  'misfire',
];

/** What can be told without the server; the server checks the rest (cron, time zone). */
export function checkBatchForm(form: BatchForm): Record<string, string> {
  const errors: Record<string, string> = {};
  const changes = formToChanges(form);
  if (!changes.name) errors.name = 'Required';
  if (changes.schedule?.kind === 'cron' && !changes.schedule.expression) errors['schedule.expression'] = 'Required';
  if (changes.schedule && changes.schedule.kind !== 'cron' && !/^\d{2}:\d{2}$/.test(form.schedule.time)) {
    errors['schedule.time'] = 'Enter a time';
  }
  if (changes.schedule && !changes.timeZone) errors.timeZone = 'Required';
  return errors;
}
