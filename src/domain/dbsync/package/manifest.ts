import { readFileSync } from 'node:fs';

import { z } from 'zod';

/** The layout of a package archive; a reader refuses any other (`dbsync_version_mismatch`). */
export const PACKAGE_FORMAT_VERSION = 1;

export const MANIFEST_ENTRY = 'manifest.json';
export const PRE_DATA_ENTRY = 'schema/pre-data.sql';
export const POST_DATA_ENTRY = 'schema/post-data.sql';
export const SYNCED_TABLES_ENTRY = 'sync/synced_tables.json';
export const SCHEMA_MIGRATIONS_ENTRY = 'sync/schema_migrations.json';
export const SEQUENCES_ENTRY = 'sync/sequences.json';
export const AFTER_SQL_ENTRY = 'after.sql';
export const dataEntry = (n: number): string => `data/${n}.copy`;

/** Every entry a package may hold besides the manifest. */
export function isPackageEntry(path: string): boolean {
  return (
    [
      PRE_DATA_ENTRY,
      POST_DATA_ENTRY,
      SYNCED_TABLES_ENTRY,
      SCHEMA_MIGRATIONS_ENTRY,
      SEQUENCES_ENTRY,
      AFTER_SQL_ENTRY,
    ].includes(path) || /^data\/[1-9][0-9]{0,6}\.copy$/.test(path)
  );
}

const name = z.string().min(1).max(63);
const digits = z.string().regex(/^[0-9]{1,20}$/);

export const packageTableSchema = z.strictObject({
  schema: name,
  name,
  /** The columns in the COPY data, in order (generated ones are left out: the clone computes them). */
  columns: z.array(name),
  rows: z.number().int().min(0),
  entry: z.string().regex(/^data\/[1-9][0-9]{0,6}\.copy$/),
});
export type PackageTable = z.infer<typeof packageTableSchema>;

export const manifestSchema = z.strictObject({
  formatVersion: z.literal(PACKAGE_FORMAT_VERSION),
  geosyncVersion: z.string().max(100),
  structureVersion: z.number().int().min(1),
  schemaVersion: z.number().int().min(1),
  postgres: z.strictObject({ versionNum: z.number().int().min(100000), version: z.string().max(200) }),
  postgis: z.string().max(100).nullable(),
  /** Extensions the packaged objects use, in the schema the DDL names them with. */
  extensions: z.array(z.strictObject({ name, schema: name, version: z.string().max(100) })),
  centralId: z.uuid(),
  packageId: z.uuid(),
  /** The central's snapshot the data was read in: the clone's first cursor. */
  snapshot: z.string().regex(/^[0-9]{1,20}:[0-9]{1,20}:([0-9]{1,20}(,[0-9]{1,20})*)?$/),
  /** The central's clock then, microseconds: the clone's clock starts above it. */
  hlc: digits,
  createdAt: z.iso.datetime({ offset: true }),
  schemas: z.array(name).min(1),
  tables: z.array(packageTableSchema),
  entries: z.record(
    z.string().max(200),
    z.strictObject({ size: z.number().int().min(0), sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
  ),
});
export type PackageManifest = z.infer<typeof manifestSchema>;

export const sequenceStateSchema = z.array(
  z.strictObject({
    schema: name,
    name,
    lastValue: z
      .string()
      .regex(/^-?[0-9]{1,20}$/)
      .nullable(),
  }),
);
export type SequenceState = z.infer<typeof sequenceStateSchema>;

/** Rows of a sync table as JSON objects (column name to value), as the central holds them. */
export const jsonRowsSchema = z.array(z.record(z.string().max(63), z.unknown()));

let version: string | undefined;

/** This geosync's version (package.json), recorded in every package. */
export function geosyncVersion(): string {
  version ??= (
    JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version: string }
  ).version;
  return version;
}
