import {
  CONFIGURATION_DOCUMENT_VERSION,
  type ConfigurationDocument,
  configurationDocumentSchema,
  type TaskDocument,
} from '../../../contracts/configuration-document.dto.ts';
import { zodDetails } from '../../../errors/zod-details.ts';
import { UserError } from '../../../errors/errors.ts';
import { firstChild, type XmlElement } from '../../../lib/xml/xml-node.ts';
import { parseXml, XmlSyntaxError } from '../../../lib/xml/xml-parser.ts';
import { documentConsistencyProblems, summarizeProblems } from './document-consistency.ts';
import { readAttributes } from './taskmanager-attributes.ts';
import { readBatches } from './taskmanager-batches.ts';
import { mapTaskManagerType } from './taskmanager-types.ts';
import { childText, invalidTaskManagerXml, isRemoved, mapEntries, XStreamGraph } from './xstream-graph.ts';

/** Largest export accepted, in UTF-8 bytes. */
export const MAX_TASKMANAGER_XML_BYTES = 10 * 1024 * 1024;

const ROOT = 'org.geoserver.taskmanager.data.impl.ConfigurationImpl';

/**
 * Converts a GeoServer Task Manager configuration or template export (its XStream XML) into a
 * geosync configuration document: attributes, tasks (types mapped, parameters and `${attribute}`
 * references kept), batches (element order, enabled, Quartz cron). Whatever cannot be carried over
 * exactly is skipped or kept as-is and explained in `warnings`. Throws UserError
 * `invalid_taskmanager_xml` for anything that is not a readable export.
 */
export function importTaskManagerXml(xml: string): { document: ConfigurationDocument; warnings: string[] } {
  if (xml.length > MAX_TASKMANAGER_XML_BYTES || Buffer.byteLength(xml, 'utf8') > MAX_TASKMANAGER_XML_BYTES) {
    throw new UserError(
      'invalid_taskmanager_xml',
      `The export is larger than ${MAX_TASKMANAGER_XML_BYTES / 1024 / 1024} MB`,
      {
        status: 413,
      },
    );
  }
  const root = parse(xml);
  if (root.name !== ROOT) {
    throw invalidTaskManagerXml(`the root element is <${root.name}>; a configuration export starts with <${ROOT}>`);
  }
  const graph = new XStreamGraph(root);
  const warnings: string[] = [];
  const name = childText(root, 'name')?.trim();
  if (!name) throw invalidTaskManagerXml('the configuration has no <name>');
  if (isRemoved(root)) warnings.push(`Configuration '${name}' was removed in Task Manager; it is imported anyway`);
  const workspace = childText(root, 'workspace')?.trim();
  const tasks = readTasks(graph, warnings);
  const batches = readBatches(graph, new Set(tasks.map((t) => t.name)), warnings);
  const candidate = {
    format: 'geosync.configuration',
    version: CONFIGURATION_DOCUMENT_VERSION,
    name,
    description: childText(root, 'description') ?? '',
    ...(workspace ? { workspace } : {}),
    template: childText(root, 'template')?.trim() === 'true',
    attributes: readAttributes(graph, warnings),
    tasks,
    batches,
  };
  const parsed = configurationDocumentSchema.safeParse(candidate);
  const problems = parsed.success ? documentConsistencyProblems(parsed.data) : zodDetails(parsed.error);
  if (!parsed.success || problems.length > 0) {
    throw new UserError(
      'invalid_taskmanager_xml',
      `The export does not fit a geosync configuration: ${summarizeProblems(problems)}`,
      {
        details: problems,
      },
    );
  }
  return { document: parsed.data, warnings };
}

function parse(xml: string): XmlElement {
  try {
    // Deep on purpose: XStream nests each task inside the batch of the one before it.
    return parseXml(xml, { maxDepth: 20_000 });
  } catch (error) {
    if (error instanceof XmlSyntaxError) throw invalidTaskManagerXml(`the XML is not well-formed: ${error.message}`);
    throw error;
  }
}

/** Active tasks in export order (Task Manager's id order), types mapped through the one table. */
function readTasks(graph: XStreamGraph, warnings: string[]): TaskDocument[] {
  const tasks: TaskDocument[] = [];
  for (const { key, value: task } of mapEntries(graph, firstChild(graph.root, 'tasks'))) {
    const name = childText(task, 'name')?.trim() || key.trim();
    if (!name) throw invalidTaskManagerXml('a task has no <name>', task.line);
    if (isRemoved(task)) {
      warnings.push(`Task '${name}' was removed in Task Manager; skipped`);
      continue;
    }
    const tmType = childText(task, 'type')?.trim();
    if (!tmType) throw invalidTaskManagerXml(`task '${name}' has no <type>`, task.line);
    const { type, known } = mapTaskManagerType(tmType);
    if (!known) warnings.push(`Task '${name}' has type '${tmType}', which geosync does not know; kept as it is`);
    tasks.push({ name, type, parameters: readParameters(graph, task, name, warnings) });
  }
  return tasks;
}

function readParameters(
  graph: XStreamGraph,
  task: XmlElement,
  taskName: string,
  warnings: string[],
): Record<string, string> {
  const parameters: Record<string, string> = {};
  for (const { key, value: parameter } of mapEntries(graph, firstChild(task, 'parameters'))) {
    const name = childText(parameter, 'name') ?? key;
    const value = childText(parameter, 'value');
    if (name === '__proto__') warnings.push(`Task '${taskName}': parameter '${name}' cannot be kept; skipped`);
    // Task Manager stores an unset parameter as null: leaving it out keeps it unset.
    else if (value === undefined) warnings.push(`Task '${taskName}': parameter '${name}' has no value; left out`);
    else parameters[name] = value;
  }
  return parameters;
}
