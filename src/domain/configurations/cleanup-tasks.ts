import type { TaskTypeRegistry } from '../../tasks/task-registry.ts';
import type { TaskServices } from '../../tasks/task-type.ts';
import { resolveParameters } from './attributes.ts';
import type { StoredConfiguration } from './configuration-repository.ts';

export interface CleanupReport {
  cleaned: string[];
  failed: { task: string; message: string }[];
}

/**
 * Runs each task type's clean-up (removes what the task created for good), `@Initialize` tasks
 * last since the others may build on what they made. A failure is reported and the rest go on.
 */
export async function cleanupTasks(
  stored: StoredConfiguration,
  taskTypes: TaskTypeRegistry,
  services: TaskServices,
): Promise<CleanupReport> {
  const init = new Set(stored.batches.find((b) => b.name === '@Initialize')?.tasks ?? []);
  const ordered = [...stored.tasks.filter((t) => !init.has(t.name)), ...stored.tasks.filter((t) => init.has(t.name))];
  const report: CleanupReport = { cleaned: [], failed: [] };
  for (const task of ordered) {
    if (!taskTypes.has(task.type)) continue;
    const type = taskTypes.get(task.type);
    if (!type.supportsCleanup || !type.cleanup) continue;
    const values = resolveParameters(task.parameters, stored.row.attributes as Record<string, string>);
    const parsed = type.parameters.safeParse(
      Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)),
    );
    if (!parsed.success) {
      report.failed.push({
        task: task.name,
        message: `parameters are not valid: ${parsed.error.issues.map((i) => i.message).join('; ')}`,
      });
      continue;
    }
    try {
      await type.cleanup(parsed.data, {
        signal: AbortSignal.timeout(300_000),
        services,
        log: () => undefined,
      });
      report.cleaned.push(task.name);
    } catch (error) {
      report.failed.push({ task: task.name, message: error instanceof Error ? error.message : String(error) });
    }
  }
  return report;
}
