import { createHash } from 'node:crypto';
import path from 'node:path';

import { UserError } from '../../../errors/errors.ts';
import { LATEST_STRUCTURE_VERSION } from '../structures.ts';
import { cleanDumpScript, MAX_SCHEMA_DUMP_BYTES } from './dump.ts';
import {
  AFTER_SQL_ENTRY,
  isPackageEntry,
  jsonRowsSchema,
  MANIFEST_ENTRY,
  manifestSchema,
  PACKAGE_FORMAT_VERSION,
  type PackageManifest,
  type PackageTable,
  POST_DATA_ENTRY,
  PRE_DATA_ENTRY,
  SCHEMA_MIGRATIONS_ENTRY,
  SEQUENCES_ENTRY,
  type SequenceState,
  sequenceStateSchema,
  SYNCED_TABLES_ENTRY,
} from './manifest.ts';
import { ZipFileReader } from './zip-file-reader.ts';

const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;
const MAX_JSON_BYTES = 64 * 1024 * 1024;
const REQUIRED = [PRE_DATA_ENTRY, POST_DATA_ENTRY, SYNCED_TABLES_ENTRY, SCHEMA_MIGRATIONS_ENTRY, SEQUENCES_ENTRY];

/** A package whose manifest, entry list and every checksum were verified. */
export interface OpenedPackage {
  manifest: PackageManifest;
  preDataSql: string;
  postDataSql: string;
  afterSql?: string;
  syncedTables: Array<Record<string, unknown>>;
  schemaMigrations: Array<Record<string, unknown>>;
  sequences: SequenceState;
  /** A table's COPY rows, checked again against the manifest as they stream (the file may change). */
  data(table: PackageTable): AsyncGenerator<Buffer>;
}

export const versionMismatch = (message: string) => new UserError('dbsync_version_mismatch', message, { status: 409 });

/**
 * Opens a package and verifies all of it before anything touches a database: a ZIP with safe
 * names, a manifest of a format and structure version this geosync reads, exactly the entries
 * the manifest lists, each with its size and sha256. Damage, truncation, tampering or a file
 * that is no package: `dbsync_archive_invalid`.
 */
export async function openPackage(archivePath: string, signal: AbortSignal): Promise<OpenedPackage> {
  const label = path.basename(archivePath);
  const invalid = (why: string) =>
    new UserError('dbsync_archive_invalid', `The package '${label}' cannot be deployed: ${why}`, {
      details: [{ field: 'archive', message: why }],
    });
  const reader = await ZipFileReader.open(archivePath, { invalid, maxEntries: 100_000 });
  if (!reader.entries.has(MANIFEST_ENTRY)) throw invalid('it has no manifest.json');
  const manifest = parseManifest(await reader.readBuffer(MANIFEST_ENTRY, MAX_MANIFEST_BYTES), invalid);

  const listed = Object.keys(manifest.entries);
  const present = [...reader.entries.keys()].filter((p) => p !== MANIFEST_ENTRY);
  const unexpected = present.find((p) => !isPackageEntry(p) || !listed.includes(p));
  if (unexpected !== undefined) throw invalid(`it holds an entry the manifest does not list: '${unexpected}'`);
  const missing = [...listed, ...REQUIRED, ...manifest.tables.map((t) => t.entry)].find((p) => !reader.entries.has(p));
  if (missing !== undefined) throw invalid(`its entry '${missing}' is missing`);
  const outside = manifest.tables.find((t) => !manifest.schemas.includes(t.schema));
  if (outside) throw invalid(`table ${outside.schema}.${outside.name} is outside the packaged schemas`);
  if (new Set(manifest.tables.map((t) => t.entry)).size !== manifest.tables.length) {
    throw invalid('two tables share one data entry');
  }

  const checked = async function* (entry: string): AsyncGenerator<Buffer> {
    const expected = manifest.entries[entry]!;
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of reader.read(entry)) {
      signal.throwIfAborted();
      hash.update(chunk);
      size += chunk.length;
      yield chunk;
    }
    if (size !== expected.size || hash.digest('hex') !== expected.sha256) {
      throw invalid(`'${entry}' does not match its checksum in the manifest`);
    }
  };
  for (const entry of listed) {
    for await (const _chunk of checked(entry));
  }
  const text = async (entry: string, max: number) => (await reader.readBuffer(entry, max)).toString('utf8');
  const json = async <T>(entry: string, schema: { safeParse(v: unknown): { success: boolean; data?: T } }) => {
    let value: unknown;
    try {
      value = JSON.parse(await text(entry, MAX_JSON_BYTES));
    } catch {
      throw invalid(`'${entry}' is not JSON`);
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw invalid(`'${entry}' is not what a package holds there`);
    return parsed.data as T;
  };
  const script = async (entry: string) => {
    const cleaned = cleanDumpScript(await text(entry, MAX_SCHEMA_DUMP_BYTES));
    if ('refusedLine' in cleaned) {
      throw invalid(`'${entry}' line ${cleaned.refusedLine} is a psql command, which a deploy does not run`);
    }
    return cleaned.sql;
  };
  const sequences = async () => {
    const list = await json<SequenceState>(SEQUENCES_ENTRY, sequenceStateSchema);
    const stray = list.find((q) => !manifest.schemas.includes(q.schema));
    if (stray) throw invalid(`sequence ${stray.schema}.${stray.name} is outside the packaged schemas`);
    return list;
  };
  return {
    manifest,
    preDataSql: await script(PRE_DATA_ENTRY),
    postDataSql: await script(POST_DATA_ENTRY),
    ...(reader.entries.has(AFTER_SQL_ENTRY) && { afterSql: await text(AFTER_SQL_ENTRY, MAX_SCHEMA_DUMP_BYTES) }),
    syncedTables: await json(SYNCED_TABLES_ENTRY, jsonRowsSchema),
    schemaMigrations: await json(SCHEMA_MIGRATIONS_ENTRY, jsonRowsSchema),
    sequences: await sequences(),
    data: (table) => checked(table.entry),
  };
}

function parseManifest(content: Buffer, invalid: (why: string) => Error): PackageManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(content.toString('utf8'));
  } catch {
    throw invalid('its manifest.json is not JSON');
  }
  const format = (raw as { formatVersion?: unknown } | null)?.formatVersion;
  if (typeof format === 'number' && Number.isInteger(format) && format > PACKAGE_FORMAT_VERSION) {
    throw versionMismatch(
      `The package has format ${format}, newer than this geosync reads (${PACKAGE_FORMAT_VERSION}): upgrade geosync`,
    );
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw invalid(`its manifest.json is not valid (${issue.path.join('.') || 'manifest'}: ${issue.message})`);
  }
  const latest = LATEST_STRUCTURE_VERSION();
  if (parsed.data.structureVersion > latest) {
    throw versionMismatch(
      `The package was made with sync structures version ${parsed.data.structureVersion}, newer than this geosync knows (${latest}): upgrade geosync`,
    );
  }
  return parsed.data;
}
