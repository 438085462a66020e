import type { ConfigurationDocument } from '../../../contracts/configuration-document.dto.ts';
import type { ErrorDetail } from '../../../errors/errors.ts';

/**
 * Problems the schema cannot see because they span fields: names that must be unique and batches
 * that name tasks the document does not have. Such a document could not be imported faithfully,
 * so it is refused like a malformed one. Whether tasks are complete is validation, not this.
 */
export function documentConsistencyProblems(doc: ConfigurationDocument): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  const seenTasks = new Map<string, number>();
  doc.tasks.forEach((task, i) => {
    const first = seenTasks.get(task.name);
    if (first === undefined) seenTasks.set(task.name, i);
    else {
      problems.push({
        field: `tasks.${i}.name`,
        message: `Task name '${task.name}' is already used by tasks.${first}`,
      });
    }
  });
  const seenBatches = new Map<string, number>();
  doc.batches.forEach((batch, i) => {
    const first = seenBatches.get(batch.name);
    if (first === undefined) seenBatches.set(batch.name, i);
    else {
      problems.push({
        field: `batches.${i}.name`,
        message: `Batch name '${batch.name}' is already used by batches.${first}`,
      });
    }
    batch.tasks.forEach((taskName, j) => {
      if (!seenTasks.has(taskName)) {
        problems.push({
          field: `batches.${i}.tasks.${j}`,
          message: `Batch '${batch.name}' names unknown task '${taskName}'`,
        });
      }
    });
  });
  return problems;
}

/** One line listing problems with their fields, capped so a message stays readable (details keep all). */
export function summarizeProblems(problems: readonly ErrorDetail[], max = 10): string {
  const shown = problems.slice(0, max).map((p) => (p.field ? `${p.field}: ${p.message}` : p.message));
  const more = problems.length > max ? ` (and ${problems.length - max} more)` : '';
  return shown.join('; ') + more;
}
