/** A prepared central with awkward data, and tools to compare databases and doctor archives. */
import { createHash } from 'node:crypto';

import type { SyncNodeDatabase } from '../../../../test/helpers/dbsync-nodes.ts';
import { quoteIdent, quoteQualified } from '../../../lib/sql-identifiers.ts';
import { prepareCentral } from '../prepare.ts';
import { installStructures } from '../structures.ts';
import { MANIFEST_ENTRY, type PackageManifest } from './manifest.ts';
import { ZipFileReader } from './zip-file-reader.ts';
import { ZipFileWriter } from './zip-file-writer.ts';

export const signal = AbortSignal.timeout(10 * 60_000);

/**
 * Schema `field`: sites (any geometry incl. Z/M and empty, a PointZ column, numeric,
 * timestamptz), observations pointing at sites by uid, a user trigger, a view, an index, and a
 * table without primary key (left unsynced, still packaged). Schema `ref`: species with a text
 * key and a generated column.
 */
export async function buildCentral(central: SyncNodeDatabase): Promise<{ nodeId: string }> {
  await central.query(`
    CREATE SCHEMA field;
    CREATE TABLE field.site (
      id serial PRIMARY KEY,
      uid uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
      name text NOT NULL,
      area numeric(16,4),
      seen timestamptz,
      geom geometry,
      pos geometry(PointZ, 4326));
    CREATE INDEX site_geom ON field.site USING gist (geom);
    CREATE TABLE field.observation (
      id serial PRIMARY KEY,
      uid uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
      site_uid uuid NOT NULL REFERENCES field.site (uid),
      value numeric,
      note text,
      at timestamptz NOT NULL DEFAULT '2024-01-01 00:00:00+00');
    CREATE FUNCTION field.touch() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN NEW.note := coalesce(NEW.note, 'touched'); RETURN NEW; END $$;
    CREATE TRIGGER observation_touch BEFORE INSERT ON field.observation FOR EACH ROW EXECUTE FUNCTION field.touch();
    CREATE TABLE field.scratch (label text, n integer);
    CREATE VIEW field.site_names AS SELECT uid, name FROM field.site;
    CREATE SCHEMA ref;
    CREATE TABLE ref.species (code text PRIMARY KEY, label text NOT NULL,
      label_upper text GENERATED ALWAYS AS (upper(label)) STORED);

    INSERT INTO field.site (name, area, seen, geom, pos) VALUES
      ('zm', 1234567890.1234, '2024-02-29 23:59:59.999999+05:30', 'SRID=2154;POINT ZM (1 2 3 4)', 'SRID=4326;POINT Z (5 45 100)'),
      ('line z', -0.0001, '1970-01-01 00:00:00+00', 'SRID=2154;LINESTRING Z (0 0 1, 1 1 2)', NULL),
      ('empty', 0, NULL, 'SRID=2154;POINT EMPTY', NULL),
      ('m only', NULL, 'infinity', 'SRID=2154;POINT M (1 2 9)', NULL),
      ('null geom', 42, now(), NULL, NULL);
    INSERT INTO field.site (name, area, geom)
      SELECT 'site ' || i, i / 7.0, ST_SetSRID(ST_MakePoint(i, i * 2), 2154) FROM generate_series(1, 300) i;
    INSERT INTO field.observation (site_uid, value, note)
      SELECT s.uid, 12345678901234567890.123456789 + i, CASE i % 4 WHEN 0 THEN E'tab\\there\\nnew line \\\\ back é' WHEN 1 THEN '' ELSE 'plain' END
        FROM field.site s, generate_series(1, 3) i;
    UPDATE field.observation SET note = NULL WHERE id % 5 = 0;
    INSERT INTO field.scratch VALUES ('a', 1), (E'b\\tc', NULL);
    INSERT INTO ref.species (code, label) VALUES ('qr', 'Quercus robur'), ('fs', 'Fagus sylvatica');
  `);
  const { meta } = await central.db.withSession((s) => installStructures(s, { role: 'central' }), signal);
  const prepared = await prepareCentral(central.db, { schemas: ['field', 'ref'], signal });
  if (!prepared.withoutPrimaryKey.includes('field.scratch')) throw new Error('fixture: scratch should stay unsynced');
  return { nodeId: meta.nodeId };
}

/** Row hashes (`md5(row::text)`: exact, geometries as hex EWKB) of a table, in a stable order. */
export async function rowHashes(node: SyncNodeDatabase, table: string, order = 'uid'): Promise<string[]> {
  const rows = await node.query<{ h: string }>(
    `SELECT md5(t::text) AS h FROM ${table} t ORDER BY ${order}, md5(t::text)`,
  );
  return rows.map((r) => r.h);
}

/**
 * Everything a deploy could touch, as one digest: the schemas, every table's columns and
 * rows (geosync_dbsync's included), comments. Equal digests: the database is as it was.
 */
export async function stateOf(node: SyncNodeDatabase): Promise<string> {
  const tables = await node.query<{ schema: string; name: string; columns: string }>(
    `SELECT n.nspname AS schema, c.relname AS name,
            (SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ',' ORDER BY a.attnum)
               FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'v', 'S', 'i') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
        AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast_temp%'
      ORDER BY 1, 2`,
  );
  const hash = createHash('sha256');
  const schemas = await node.query<{ s: string }>(
    `SELECT nspname || ':' || coalesce(obj_description(oid, 'pg_namespace'), '') AS s FROM pg_namespace ORDER BY 1`,
  );
  hash.update(JSON.stringify({ schemas, tables }));
  for (const t of tables) {
    const relkind = await node.query<{ k: string }>(
      `SELECT relkind::text AS k FROM pg_class WHERE oid = $1::regclass`,
      [quoteQualified(t)],
    );
    if (relkind[0]!.k !== 'r') continue;
    const rows = await node.query<{ h: string }>(
      `SELECT coalesce(string_agg(md5(x::text), ',' ORDER BY md5(x::text)), '') AS h FROM ${quoteIdent(t.schema)}.${quoteIdent(t.name)} x`,
    );
    hash.update(`${t.schema}.${t.name}=${rows[0]!.h}\n`);
  }
  return hash.digest('hex');
}

/**
 * Copies an archive entry by entry through `edit` (which may change, add or drop entries);
 * `fixManifest` recomputes the manifest's sizes and checksums, as a careful forger would.
 */
export async function rewriteArchive(
  from: string,
  to: string,
  edit: (entries: Map<string, Buffer>, manifest: PackageManifest) => void,
  options: { fixManifest?: boolean } = {},
): Promise<void> {
  const reader = await ZipFileReader.open(from, { invalid: (why) => new Error(why) });
  const entries = new Map<string, Buffer>();
  for (const name of reader.entries.keys()) entries.set(name, await reader.readBuffer(name, 1 << 30));
  const manifest = JSON.parse(entries.get(MANIFEST_ENTRY)!.toString()) as PackageManifest;
  entries.delete(MANIFEST_ENTRY);
  edit(entries, manifest);
  if (options.fixManifest) {
    manifest.entries = Object.fromEntries(
      [...entries].map(([name, content]) => [
        name,
        { size: content.length, sha256: createHash('sha256').update(content).digest('hex') },
      ]),
    );
  }
  const writer = await ZipFileWriter.create(to);
  for (const [name, content] of entries) await writer.add(name, content);
  await writer.add(MANIFEST_ENTRY, JSON.stringify(manifest));
  await writer.finish();
}

export async function readManifest(archive: string): Promise<PackageManifest> {
  const reader = await ZipFileReader.open(archive, { invalid: (why) => new Error(why) });
  return JSON.parse((await reader.readBuffer(MANIFEST_ENTRY, 1 << 24)).toString()) as PackageManifest;
}
