import YAML from 'yaml';

import {
  CONFIGURATION_DOCUMENT_VERSION,
  type ConfigurationDocument,
  configurationDocumentSchema,
} from '../../../contracts/configuration-document.dto.ts';
import type { Schedule } from '../../../contracts/schedules.dto.ts';
import { type ErrorDetail, UserError } from '../../../errors/errors.ts';
import { zodDetails } from '../../../errors/zod-details.ts';
import { documentConsistencyProblems, summarizeProblems } from './document-consistency.ts';

export type DocumentFormat = 'json' | 'yaml';

/** Largest document accepted, in UTF-8 bytes: far above any real configuration, small enough to parse safely. */
export const MAX_DOCUMENT_BYTES = 5 * 1024 * 1024;

/**
 * Writes a configuration document as JSON or YAML with a fixed key order (schema order; attributes
 * and parameters sorted by name), 2-space indented, ending in a newline: the same document always
 * gives the same text, so exports diff cleanly.
 */
export function serializeDocument(doc: ConfigurationDocument, format: DocumentFormat): string {
  const canonical = canonicalDocument(doc);
  if (format === 'json') return `${JSON.stringify(canonical, null, 2)}\n`;
  // No line folding, no anchors/aliases for repeated objects, and strings quoted wherever a YAML 1.1
  // reader (PyYAML, older tools) would take them for something else ('yes', '0755').
  return YAML.stringify(canonical, { indent: 2, lineWidth: 0, aliasDuplicateObjects: false, compat: 'yaml-1.1' });
}

/**
 * Reads a configuration document, JSON or YAML (detected from the text unless `hint` says). Throws
 * UserError `document_too_large`, `unsupported_version` (written by a newer geosync) or
 * `invalid_document` listing every problem with its path (`tasks.2.type`).
 */
export function parseDocument(text: string, hint?: DocumentFormat): ConfigurationDocument {
  // A string's UTF-8 size is at least its length, so only texts near the limit are measured.
  if (text.length > MAX_DOCUMENT_BYTES || Buffer.byteLength(text, 'utf8') > MAX_DOCUMENT_BYTES) {
    throw new UserError('document_too_large', `The document is larger than ${MAX_DOCUMENT_BYTES / 1024 / 1024} MB`, {
      status: 413,
    });
  }
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const format = hint ?? detectDocumentFormat(source);
  const raw = format === 'json' ? readJson(source) : readYaml(source);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw invalid([{ message: 'The document must be an object with format, version, name, tasks...' }]);
  }
  checkVersion(raw as Record<string, unknown>);
  const parsed = configurationDocumentSchema.safeParse(raw);
  if (!parsed.success) throw invalid(zodDetails(parsed.error));
  const problems = documentConsistencyProblems(parsed.data);
  if (problems.length > 0) throw invalid(problems);
  return parsed.data;
}

/** JSON when the text starts with `{` (after whitespace), YAML otherwise (YAML also reads JSON). */
export function detectDocumentFormat(text: string): DocumentFormat {
  return text.trimStart().startsWith('{') ? 'json' : 'yaml';
}

function readJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalid([{ message: `Not valid JSON: ${(error as Error).message}` }]);
  }
}

function readYaml(text: string): unknown {
  // Core schema only (no custom tags), merge keys off, alias expansion bounded (no "billion laughs").
  const doc = YAML.parseDocument(text, { schema: 'core', merge: false, uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw invalid(doc.errors.map((e) => ({ message: `Not valid YAML: ${e.message.split('\n')[0]}` })));
  }
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw invalid([{ message: `Not valid YAML: ${(error as Error).message}` }]);
  }
}

function checkVersion(raw: Record<string, unknown>): void {
  const version = raw['version'];
  if (raw['format'] !== 'geosync.configuration' || typeof version !== 'number' || !Number.isInteger(version)) return;
  if (version <= CONFIGURATION_DOCUMENT_VERSION) return;
  const supported = Array.from({ length: CONFIGURATION_DOCUMENT_VERSION }, (_, i) => i + 1).join(', ');
  throw new UserError(
    'unsupported_version',
    `This document has version ${version}, written by a newer geosync; this one reads versions ${supported}`,
    { details: [{ field: 'version', message: `Supported versions: ${supported}` }] },
  );
}

function invalid(details: ErrorDetail[]): UserError {
  return new UserError('invalid_document', `Invalid configuration document: ${summarizeProblems(details)}`, {
    details,
  });
}

/** Compares by UTF-16 code units: deterministic, unlike localeCompare. */
const byKey = ([a]: [string, unknown], [b]: [string, unknown]): number => (a < b ? -1 : a > b ? 1 : 0);

function sortedRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(byKey));
}

function canonicalSchedule(schedule: Schedule): Schedule {
  switch (schedule.kind) {
    case 'daily':
      return { kind: schedule.kind, time: schedule.time };
    case 'weekly':
      return { kind: schedule.kind, day: schedule.day, time: schedule.time };
    case 'monthly':
      return { kind: schedule.kind, day: schedule.day, time: schedule.time };
    case 'cron':
      return { kind: schedule.kind, expression: schedule.expression };
  }
}

function canonicalDocument(doc: ConfigurationDocument): ConfigurationDocument {
  return {
    format: doc.format,
    version: doc.version,
    name: doc.name,
    description: doc.description,
    ...(doc.workspace === undefined ? {} : { workspace: doc.workspace }),
    template: doc.template,
    attributes: sortedRecord(doc.attributes),
    tasks: doc.tasks.map((t) => ({ name: t.name, type: t.type, parameters: sortedRecord(t.parameters) })),
    batches: doc.batches.map((b) => ({
      name: b.name,
      description: b.description,
      enabled: b.enabled,
      schedule: b.schedule === null ? null : canonicalSchedule(b.schedule),
      timeZone: b.timeZone,
      misfire: b.misfire,
      tasks: [...b.tasks],
    })),
  };
}
