import type { BatchDocument } from '../../../contracts/configuration-document.dto.ts';
import { childElements, firstChild, type XmlElement } from '../../../lib/xml/xml-node.ts';
import { childText, invalidTaskManagerXml, isRemoved, mapEntries, type XStreamGraph } from './xstream-graph.ts';

/**
 * The configuration's batches (its `<batches>` map, export order) with their tasks in run order.
 * Removed batches and elements, and elements naming tasks that were not imported, are skipped with
 * a warning; so are independent batches that only appear because a task of this configuration is
 * in them (they belong to no configuration).
 */
export function readBatches(graph: XStreamGraph, taskNames: ReadonlySet<string>, warnings: string[]): BatchDocument[] {
  const own = new Set<XmlElement>();
  const batches: BatchDocument[] = [];
  for (const { key, value: batch } of mapEntries(graph, firstChild(graph.root, 'batches'))) {
    own.add(batch);
    const name = childText(batch, 'name')?.trim() || key.trim();
    if (!name) throw invalidTaskManagerXml('a batch has no <name>', batch.line);
    if (isRemoved(batch)) {
      warnings.push(`Batch '${name}' was removed in Task Manager; skipped`);
      continue;
    }
    const workspace = childText(batch, 'workspace')?.trim();
    if (workspace) {
      warnings.push(
        `Batch '${name}': its workspace '${workspace}' is dropped (geosync batches use their configuration's)`,
      );
    }
    // Task Manager stores no schedule as a null frequency ("NEVER").
    const frequency = childText(batch, 'frequency')?.trim();
    batches.push({
      name,
      description: childText(batch, 'description') ?? '',
      enabled: childText(batch, 'enabled')?.trim() !== 'false',
      schedule: frequency ? { kind: 'cron', expression: frequency } : null,
      timeZone: 'UTC',
      misfire: 'run_once',
      tasks: readElements(graph, batch, name, taskNames, warnings),
    });
  }
  warnForeignBatches(graph, own, warnings);
  if (batches.some((b) => b.schedule !== null)) {
    warnings.push(
      "Task Manager read schedules in its server's time zone, which the export does not record; the batches use UTC, change timeZone where needed",
    );
  }
  return batches;
}

function readElements(
  graph: XStreamGraph,
  batch: XmlElement,
  batchName: string,
  taskNames: ReadonlySet<string>,
  warnings: string[],
): string[] {
  const list = firstChild(batch, 'elements');
  if (!list) return [];
  const found: Array<{ index: number; order: number; task: string }> = [];
  childElements(list).forEach((mention, order) => {
    const element = graph.deref(mention);
    const taskMention = firstChild(element, 'task');
    const task = taskMention && graph.deref(taskMention);
    const taskName = task && childText(task, 'name')?.trim();
    if (!taskName) throw invalidTaskManagerXml(`an element of batch '${batchName}' names no task`, element.line);
    const skip = (why: string): void => void warnings.push(`Batch '${batchName}': task '${taskName}' ${why}; skipped`);
    if (isRemoved(element)) skip('was removed from the batch');
    else if (!graph.isRoot(firstChild(task, 'configuration'))) skip('belongs to another configuration');
    else if (!taskNames.has(taskName)) skip('was not imported');
    else {
      const index = Number.parseInt(childText(element, 'index') ?? '', 10);
      found.push({ index: Number.isNaN(index) ? Number.MAX_SAFE_INTEGER : index, order, task: taskName });
    }
  });
  // Task Manager runs elements by index, then by id (which exports omit: document order stands in).
  return found.sort((a, b) => a.index - b.index || a.order - b.order).map((e) => e.task);
}

function warnForeignBatches(graph: XStreamGraph, own: ReadonlySet<XmlElement>, warnings: string[]): void {
  const reported = new Set<XmlElement>();
  for (const { value: task } of mapEntries(graph, firstChild(graph.root, 'tasks'))) {
    const list = firstChild(task, 'batchElements');
    for (const mention of list ? childElements(list) : []) {
      const batchMention = firstChild(graph.deref(mention), 'batch');
      const batch = batchMention && graph.deref(batchMention);
      if (!batch || own.has(batch) || reported.has(batch)) continue;
      reported.add(batch);
      const name = childText(batch, 'name')?.trim() ?? '?';
      const whose = graph.isRoot(firstChild(batch, 'configuration'))
        ? "not in the configuration's batches"
        : 'an independent batch';
      warnings.push(`Batch '${name}' uses tasks of this configuration but is ${whose}; not imported`);
    }
  }
}
