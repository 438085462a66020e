import type { LayerMetadata, LayerSource, PublishedLayer } from '../publisher.ts';
import type { EmbeddedDatabase } from '../connector.ts';
import { UnexpectedError } from '../../errors/errors.ts';

/** A row of `published_layers` as the connector sees it. */
export interface LayerRow {
  id: string;
  layer: PublishedLayer;
  /** The tile cache settings; undefined: tiles are not cached. */
  cache?: TileCacheSettings;
}

export interface TileCacheSettings {
  gridSets: string[];
  formats: string[];
}

export interface LayerKey {
  workspace?: string;
  name: string;
}

const COLUMNS = `id::text AS id, workspace, name, source, metadata, advertised, to_json(read_roles) AS read_roles,
  style, cache`;

/** The row's ref condition, parameters $2 (workspace) and $3 (name); $1 is the map server. */
const REF = `map_server = $1::uuid AND coalesce(workspace, '') = coalesce($2::text, '') AND name = $3::text`;

function json<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

function toRow(row: Record<string, unknown>): LayerRow {
  const readRoles = json<string[] | null>(row.read_roles);
  const cache = json<TileCacheSettings | null>(row.cache);
  return {
    id: String(row.id),
    layer: {
      ...(row.workspace !== null && { workspace: row.workspace as string }),
      name: String(row.name),
      source: json<LayerSource>(row.source),
      metadata: json<LayerMetadata>(row.metadata),
      advertised: row.advertised === true,
      ...(row.style !== null && { style: row.style as string }),
      ...(readRoles !== null && { readRoles }),
    },
    ...(cache !== null && { cache }),
  };
}

/** `$n::jsonb` of a text array, or null: arrays go as JSON, which both store drivers pass alike. */
const rolesParam = (roles: string[] | undefined) => (roles === undefined ? null : JSON.stringify(roles));
const ROLES_FROM_JSON = (n: number) =>
  `CASE WHEN $${n}::jsonb IS NULL THEN NULL ELSE ARRAY(SELECT jsonb_array_elements_text($${n}::jsonb)) END`;

/**
 * The `published_layers` table of geosync's store, through the embedded database handed to the
 * connector (connectors do not import the store module). Layers belong to the built-in
 * publisher's one connection, which the connector finds by its type: a connector is not told
 * its own connection id.
 */
export class PublishedLayers {
  private mapServerId: string | undefined;

  constructor(private readonly db: EmbeddedDatabase) {}

  /** The built-in publisher's connection id (geosync creates exactly one, `local`). */
  async mapServer(): Promise<string> {
    if (this.mapServerId) return this.mapServerId;
    const { rows } = await this.db.query(
      `SELECT id::text AS id FROM connections WHERE kind = 'map_server' AND type = 'builtin-publisher'
       ORDER BY created_at, id LIMIT 1`,
    );
    const id = rows[0]?.id;
    if (typeof id !== 'string') {
      throw new UnexpectedError('builtin_publisher_missing', 'The built-in publisher connection does not exist');
    }
    this.mapServerId = id;
    return id;
  }

  private async params(ref: LayerKey): Promise<unknown[]> {
    return [await this.mapServer(), ref.workspace ?? null, ref.name];
  }

  async count(): Promise<number> {
    const { rows } = await this.db.query('SELECT count(*)::int AS n FROM published_layers');
    return Number(rows[0]?.n ?? 0);
  }

  /** Layer refs of a workspace (every layer when undefined), sorted by workspace and name. */
  async list(workspace: string | undefined): Promise<LayerKey[]> {
    const { rows } = await this.db.query(
      `SELECT workspace, name FROM published_layers
       WHERE map_server = $1::uuid AND ($2::text IS NULL OR coalesce(workspace, '') = $2::text)
       ORDER BY coalesce(workspace, ''), name`,
      [await this.mapServer(), workspace ?? null],
    );
    return rows.map((r) =>
      r.workspace === null ? { name: String(r.name) } : { workspace: r.workspace as string, name: String(r.name) },
    );
  }

  async find(ref: LayerKey): Promise<LayerRow | undefined> {
    const { rows } = await this.db.query(
      `SELECT ${COLUMNS} FROM published_layers WHERE ${REF}`,
      await this.params(ref),
    );
    return rows[0] ? toRow(rows[0]) : undefined;
  }

  /**
   * Creates or replaces the layer; a replaced layer keeps its id, read roles and cache settings
   * (set by their own calls). Returns the id and whether a layer was replaced.
   */
  async upsert(layer: {
    workspace?: string;
    name: string;
    source: LayerSource;
    metadata: LayerMetadata;
    advertised: boolean;
    style?: string;
  }): Promise<{ id: string; replaced: boolean }> {
    const { rows } = await this.db.query(
      `INSERT INTO published_layers (map_server, workspace, name, source, metadata, advertised, style)
       VALUES ($1::uuid, $2::text, $3::text, $4::jsonb, $5::jsonb, $6::boolean, $7::text)
       ON CONFLICT (map_server, (coalesce(workspace, '')), name) DO UPDATE SET
         source = excluded.source, metadata = excluded.metadata, advertised = excluded.advertised,
         style = excluded.style, updated_at = now()
       RETURNING id::text AS id, (xmax <> 0) AS replaced`,
      [
        ...(await this.params(layer)),
        JSON.stringify(layer.source),
        JSON.stringify(layer.metadata),
        layer.advertised,
        layer.style ?? null,
      ],
    );
    return { id: String(rows[0]!.id), replaced: rows[0]!.replaced === true };
  }

  /** Updates one layer; undefined when there is none. */
  private async update(ref: LayerKey, set: string, values: unknown[]): Promise<string | undefined> {
    const { rows } = await this.db.query(
      `UPDATE published_layers SET ${set}, updated_at = now() WHERE ${REF} RETURNING id::text AS id`,
      [...(await this.params(ref)), ...values],
    );
    return rows[0] ? String(rows[0].id) : undefined;
  }

  rename(from: LayerKey, to: LayerKey): Promise<string | undefined> {
    return this.update(from, 'workspace = $4::text, name = $5::text', [to.workspace ?? null, to.name]);
  }

  setAdvertised(ref: LayerKey, advertised: boolean): Promise<string | undefined> {
    return this.update(ref, 'advertised = $4::boolean', [advertised]);
  }

  setMetadata(ref: LayerKey, metadata: LayerMetadata): Promise<string | undefined> {
    return this.update(ref, 'metadata = $4::jsonb', [JSON.stringify(metadata)]);
  }

  setReadRoles(ref: LayerKey, roles: string[] | undefined): Promise<string | undefined> {
    return this.update(ref, `read_roles = ${ROLES_FROM_JSON(4)}`, [rolesParam(roles)]);
  }

  setCache(ref: LayerKey, cache: TileCacheSettings | undefined): Promise<string | undefined> {
    return this.update(ref, 'cache = $4::jsonb', [cache === undefined ? null : JSON.stringify(cache)]);
  }

  /** Deletes the layer; returns its id, undefined when there was none. */
  async remove(ref: LayerKey): Promise<string | undefined> {
    const { rows } = await this.db.query(
      `DELETE FROM published_layers WHERE ${REF} RETURNING id::text AS id`,
      await this.params(ref),
    );
    return rows[0] ? String(rows[0].id) : undefined;
  }

  /** What publishing needs to know of a table: its kind and how many geometry columns it has. */
  async describeTable(schema: string, table: string): Promise<{ kind: string; geometryColumns: number } | undefined> {
    const { rows } = await this.db.query(
      `SELECT c.relkind::text AS kind,
         (SELECT count(*)::int FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
          WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND t.typname = 'geometry') AS geometry_columns
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1::text AND c.relname = $2::text AND c.relkind IN ('r', 'v', 'm', 'p', 'f')`,
      [schema, table],
    );
    const row = rows[0];
    return row ? { kind: String(row.kind), geometryColumns: Number(row.geometry_columns) } : undefined;
  }
}
