import { type Kysely, type RawBuilder, type Selectable, sql } from 'kysely';

import type { LayerMetadata } from '../../connectors/publisher.ts';
import type { ItemsQuery, OgcCollection, OgcFeature, OgcFeatureCollection, OgcLink } from '../../contracts/ogc.dto.ts';
import { UserError } from '../../errors/errors.ts';
import type { Database, PublishedLayersTable } from '../../store/database.types.ts';
import { sqlStateOf } from '../../store/sql-state.ts';
import type { Principal } from '../security/principal.ts';
import { describeLayerTable, geometryIn, type LayerTable, toLayerSrid } from './layer-table.ts';
import { encodeTile, TILE_EXTENT, type TileFeature, type TileGeometry } from './mvt.ts';
import { readCachedTile, tilePath, writeCachedTile } from './tile-cache.ts';

type LayerRow = Selectable<PublishedLayersTable>;

export interface OgcServiceOptions {
  db: Kysely<Database>;
  dataDir: string;
  /** Settles when PostGIS is enabled in the embedded store (a first start takes seconds). */
  ready: () => Promise<void>;
}

const CONFORMANCE = [
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
];
const JSON_TYPE = 'application/json';
const GEOJSON = 'application/geo+json';
export const MVT_TYPE = 'application/vnd.mapbox-vector-tile';
const CRS84 = 'http://www.opengis.net/def/crs/OGC/1.3/CRS84';

/** Half the width of the Web Mercator square, in metres. */
const MERCATOR = 20037508.342789244;
/** Geometry kept around a tile, in tile units, so lines and fills do not end at its edge. */
const TILE_BUFFER = 64;

const collectionNotFound = (id: string) =>
  new UserError('collection_not_found', `There is no collection '${id}'`, { status: 404 });

/** `workspace:name`, or the name of a layer without workspace. */
export const collectionIdOf = (row: Pick<LayerRow, 'workspace' | 'name'>) =>
  row.workspace === null ? row.name : `${row.workspace}:${row.name}`;

/**
 * Who may read a published layer: admins any; others only advertised layers, and when the layer
 * has read roles (null: everyone, anonymous callers included; empty: admins only) one of them.
 */
export function canReadLayer(principal: Principal | null, row: Pick<LayerRow, 'advertised' | 'read_roles'>): boolean {
  if (principal?.isAdmin) return true;
  if (!row.advertised) return false;
  if (row.read_roles === null) return true;
  return principal !== null && row.read_roles.some((role) => principal.roles.includes(role));
}

export interface TileAnswer {
  tile: Uint8Array;
  /** `off`: the layer's tiles are not cached. */
  cache: 'hit' | 'miss' | 'off';
}

export type OgcService = ReturnType<typeof createOgcService>;

/**
 * The built-in publisher's read side: OGC API – Features and vector tiles of the layers in
 * `published_layers` (written by the connector), served from the tables of the embedded store.
 * Every table and column name is quoted; every value is a query parameter.
 */
export function createOgcService(options: OgcServiceOptions) {
  const { db, dataDir } = options;

  function layers() {
    return db
      .selectFrom('published_layers')
      .innerJoin('connections', 'connections.id', 'published_layers.map_server')
      .where('connections.type', '=', 'builtin-publisher')
      .selectAll('published_layers');
  }

  /** The layer named by a collection id, if the caller may read it; 404 otherwise (no leak). */
  async function readable(principal: Principal | null, collectionId: string): Promise<LayerRow> {
    const colon = collectionId.indexOf(':');
    const [workspace, name] =
      colon === -1 ? [null, collectionId] : [collectionId.slice(0, colon), collectionId.slice(colon + 1)];
    const row = await layers()
      .where('published_layers.name', '=', name)
      .where((eb) =>
        workspace === null
          ? eb('published_layers.workspace', 'is', null)
          : eb('published_layers.workspace', '=', workspace),
      )
      .executeTakeFirst();
    if (!row || !canReadLayer(principal, row)) throw collectionNotFound(collectionId);
    return row;
  }

  async function tableOf(row: LayerRow): Promise<LayerTable> {
    await options.ready();
    const source = row.source as { kind?: string; schema?: string; table?: string };
    if (source.kind !== 'embedded' || !source.schema || !source.table) {
      throw new UserError(
        'unsupported_source',
        `Collection '${collectionIdOf(row)}' has a source geosync cannot serve`,
      );
    }
    return describeLayerTable(db, source.schema, source.table);
  }

  async function extentOf(table: LayerTable): Promise<number[] | undefined> {
    const box = `ST_SetSRID(ST_Extent(t.${table.geometry})::geometry, ${table.srid})`;
    const wgs84 = table.srid === 4326 || table.srid === 0 ? box : `ST_Transform(${box}, 4326)`;
    const { rows } = await sql<{ minx: number | null; miny: number; maxx: number; maxy: number }>`
      SELECT ST_XMin(e) AS minx, ST_YMin(e) AS miny, ST_XMax(e) AS maxx, ST_YMax(e) AS maxy
      FROM (SELECT ${sql.raw(wgs84)} AS e FROM ${sql.raw(table.from)} t) s`.execute(db);
    const r = rows[0];
    return r && r.minx !== null ? [r.minx, r.miny, r.maxx, r.maxy].map(Number) : undefined;
  }

  function collectionOf(row: LayerRow, base: string, extent?: number[]): OgcCollection {
    const id = collectionIdOf(row);
    const metadata = row.metadata as LayerMetadata;
    const href = `${base}/collections/${encodeURIComponent(id)}`;
    const links: OgcLink[] = [
      { href, rel: 'self', type: JSON_TYPE, title: 'This collection' },
      { href: `${href}/items`, rel: 'items', type: GEOJSON, title: 'Features' },
      {
        href: `${href}/tiles/{z}/{x}/{y}.mvt`,
        rel: 'item',
        type: MVT_TYPE,
        title: 'Vector tiles (WebMercatorQuad)',
        templated: true,
      },
      ...(metadata.metadataLinks ?? []).map((m) => ({
        href: m.href,
        rel: 'describedby',
        type: m.format,
        title: m.type,
      })),
    ];
    return {
      id,
      title: metadata.title ?? row.name,
      ...(metadata.abstract !== undefined && { description: metadata.abstract }),
      ...(metadata.keywords !== undefined && { keywords: metadata.keywords }),
      itemType: 'feature',
      crs: [CRS84],
      ...(extent && { extent: { spatial: { bbox: [extent], crs: CRS84 } } }),
      links,
      created: new Date(row.created_at).toISOString(),
      updated: new Date(row.updated_at).toISOString(),
      ...(metadata.dataTimestamp !== undefined && { dataTimestamp: metadata.dataTimestamp }),
      ...(metadata.metadataTimestamp !== undefined && { metadataTimestamp: metadata.metadataTimestamp }),
    };
  }

  /** The id, properties (all columns but the geometry) and geometry select list of row alias `t`. */
  function featureColumns(table: LayerTable, geometry: RawBuilder<unknown>) {
    const id = sql.raw(table.id ? `to_jsonb(t.${table.id.column})` : 'NULL::jsonb');
    return sql`${id} AS fid, to_jsonb(t) - ${table.geometryName}::text AS properties, ${geometry} AS geometry`;
  }

  function toFeature(row: { fid: unknown; properties: unknown; geometry: unknown }, itemsHref?: string): OgcFeature {
    const fid = typeof row.fid === 'number' || typeof row.fid === 'string' ? row.fid : undefined;
    return {
      type: 'Feature',
      ...(fid !== undefined && { id: fid }),
      geometry: parseJson(row.geometry) as Record<string, unknown> | null,
      properties: (parseJson(row.properties) ?? {}) as Record<string, unknown>,
      ...(itemsHref &&
        fid !== undefined && {
          links: [{ href: `${itemsHref}/${encodeURIComponent(String(fid))}`, rel: 'self', type: GEOJSON }],
        }),
    };
  }

  return {
    landingPage(base: string) {
      return {
        title: 'geosync',
        description: 'Layers published by the built-in publisher of geosync: OGC API – Features and vector tiles.',
        links: [
          { href: base, rel: 'self', type: JSON_TYPE, title: 'This document' },
          { href: `${base}/conformance`, rel: 'conformance', type: JSON_TYPE, title: 'Conformance classes' },
          { href: `${base}/collections`, rel: 'data', type: JSON_TYPE, title: 'Collections' },
        ],
      };
    },

    conformance() {
      return { conformsTo: CONFORMANCE };
    },

    /** The advertised layers the caller may read (unadvertised ones are never listed). */
    async collections(principal: Principal | null, base: string) {
      const rows = await layers()
        .where('published_layers.advertised', '=', true)
        .orderBy('published_layers.workspace')
        .orderBy('published_layers.name')
        .execute();
      return {
        collections: rows.filter((r) => canReadLayer(principal, r)).map((r) => collectionOf(r, base)),
        links: [{ href: `${base}/collections`, rel: 'self', type: JSON_TYPE, title: 'Collections' }],
      };
    },

    async collection(principal: Principal | null, collectionId: string, base: string): Promise<OgcCollection> {
      const row = await readable(principal, collectionId);
      const table = await tableOf(row);
      return collectionOf(row, base, await extentOf(table));
    },

    async items(
      principal: Principal | null,
      collectionId: string,
      query: ItemsQuery,
      base: string,
    ): Promise<OgcFeatureCollection> {
      const row = await readable(principal, collectionId);
      const table = await tableOf(row);
      const bbox = query.bbox;
      const where = bbox
        ? sql`WHERE ST_Intersects(t.${sql.raw(table.geometry)}, ${toLayerSrid(
            table,
            sql`ST_MakeEnvelope(${bbox[0]}::float8, ${bbox[1]}::float8, ${bbox[2]}::float8, ${bbox[3]}::float8, 4326)`,
            4326,
          )})`
        : sql``;
      const count = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.raw(table.from)} t ${where}`.execute(
        db,
      );
      const order = table.id ? sql.raw(`ORDER BY t.${table.id.column}`) : sql``;
      const { rows } = await sql<{ fid: unknown; properties: unknown; geometry: unknown }>`
        SELECT ${featureColumns(table, sql`ST_AsGeoJSON(${geometryIn(table, 4326)})::json`)}
        FROM ${sql.raw(table.from)} t ${where} ${order}
        LIMIT ${query.limit} OFFSET ${query.offset}`.execute(db);
      const matched = Number(count.rows[0]?.n ?? 0);
      const itemsHref = `${base}/collections/${encodeURIComponent(collectionIdOf(row))}/items`;
      const page = (offset: number) => {
        const params = new URLSearchParams({ limit: String(query.limit), offset: String(offset) });
        if (bbox) params.set('bbox', bbox.join(','));
        return `${itemsHref}?${params.toString()}`;
      };
      const links: OgcLink[] = [
        { href: page(query.offset), rel: 'self', type: GEOJSON, title: 'This page' },
        { href: `${base}/collections/${encodeURIComponent(collectionIdOf(row))}`, rel: 'collection', type: JSON_TYPE },
      ];
      if (query.offset + rows.length < matched) {
        links.push({ href: page(query.offset + query.limit), rel: 'next', type: GEOJSON, title: 'Next page' });
      }
      if (query.offset > 0) {
        links.push({
          href: page(Math.max(0, query.offset - query.limit)),
          rel: 'prev',
          type: GEOJSON,
          title: 'Previous page',
        });
      }
      return {
        type: 'FeatureCollection',
        features: rows.map((r) => toFeature(r, itemsHref)),
        numberMatched: matched,
        numberReturned: rows.length,
        timeStamp: new Date().toISOString(),
        links,
      };
    },

    async item(
      principal: Principal | null,
      collectionId: string,
      featureId: string,
      base: string,
    ): Promise<OgcFeature> {
      const row = await readable(principal, collectionId);
      const table = await tableOf(row);
      const notFound = new UserError(
        'feature_not_found',
        `Collection '${collectionId}' has no feature '${featureId}'`,
        {
          status: 404,
        },
      );
      if (!table.id) throw notFound;
      let found;
      try {
        ({ rows: found } = await sql<{ fid: unknown; properties: unknown; geometry: unknown }>`
          SELECT ${featureColumns(table, sql`ST_AsGeoJSON(${geometryIn(table, 4326)})::json`)}
          FROM ${sql.raw(table.from)} t
          WHERE t.${sql.raw(table.id.column)} = CAST(${featureId}::text AS ${sql.raw(table.id.type)})`.execute(db));
      } catch (error) {
        // An id that is not a value of the key's type (`abc` for an integer key) names no feature.
        if (sqlStateOf(error)?.startsWith('22')) throw notFound;
        throw error;
      }
      if (!found[0]) throw notFound;
      const itemsHref = `${base}/collections/${encodeURIComponent(collectionIdOf(row))}/items`;
      return {
        ...toFeature(found[0]),
        links: [
          { href: `${itemsHref}/${encodeURIComponent(featureId)}`, rel: 'self', type: GEOJSON },
          {
            href: `${base}/collections/${encodeURIComponent(collectionIdOf(row))}`,
            rel: 'collection',
            type: JSON_TYPE,
          },
        ],
      };
    },

    /** A Mapbox vector tile (WebMercatorQuad z/x/y), from the disk cache when the layer has one. */
    async tile(
      principal: Principal | null,
      collectionId: string,
      z: number,
      x: number,
      y: number,
    ): Promise<TileAnswer> {
      const size = 2 ** z;
      if (x >= size || y >= size) {
        throw new UserError(
          'tile_out_of_range',
          `Tile ${z}/${x}/${y} is outside the grid: x and y go up to ${size - 1}`,
          {
            details: [{ field: x >= size ? 'params.x' : 'params.y', message: `at most ${size - 1} at zoom ${z}` }],
          },
        );
      }
      const row = await readable(principal, collectionId);
      const file = row.cache === null ? undefined : tilePath(dataDir, row.id, z, x, y);
      if (file) {
        const cached = await readCachedTile(file);
        if (cached) return { tile: cached, cache: 'hit' };
      }
      const table = await tableOf(row);
      const tile = await renderTile(db, table, row.name, z, x, y);
      if (file) await writeCachedTile(file, tile);
      return { tile, cache: file ? 'miss' : 'off' };
    },
  };
}

/**
 * Geometries of the tile, prepared in SQL (to Web Mercator, clipped to the tile and its buffer,
 * scaled to tile units with y down, snapped to the grid) and encoded in mvt.ts.
 */
async function renderTile(
  db: Kysely<Database>,
  table: LayerTable,
  layerName: string,
  z: number,
  x: number,
  y: number,
): Promise<Uint8Array> {
  const width = (2 * MERCATOR) / 2 ** z;
  const minX = -MERCATOR + x * width;
  const maxY = MERCATOR - y * width;
  const buffer = (width * TILE_BUFFER) / TILE_EXTENT;
  const scale = TILE_EXTENT / width;
  const clip = sql`ST_MakeEnvelope(${minX - buffer}::float8, ${maxY - width - buffer}::float8,
    ${minX + width + buffer}::float8, ${maxY + buffer}::float8, 3857)`;
  const inTile = sql`ST_SnapToGrid(ST_Affine(ST_ClipByBox2D(${geometryIn(table, 3857)}, ${clip}::box2d),
    ${scale}::float8, 0::float8, 0::float8, ${-scale}::float8, ${-minX * scale}::float8, ${maxY * scale}::float8), 1::float8)`;
  const { rows } = await sql<{ fid: unknown; properties: unknown; geometry: unknown }>`
    SELECT fid, properties, ST_AsGeoJSON(g, 0)::json AS geometry FROM (
      SELECT ${sql.raw(table.id ? `to_jsonb(t.${table.id.column})` : 'NULL::jsonb')} AS fid,
        to_jsonb(t) - ${table.geometryName}::text AS properties, ${inTile} AS g
      FROM ${sql.raw(table.from)} t
      WHERE ST_Intersects(t.${sql.raw(table.geometry)}, ${toLayerSrid(table, clip, 3857)})
    ) s
    WHERE g IS NOT NULL AND NOT ST_IsEmpty(g)`.execute(db);
  const features: TileFeature[] = rows.map((r) => ({
    ...(typeof r.fid === 'number' && { id: r.fid }),
    geometry: parseJson(r.geometry) as TileGeometry,
    properties: (parseJson(r.properties) ?? {}) as Record<string, unknown>,
  }));
  return encodeTile(layerName, features);
}

function parseJson(value: unknown): unknown {
  return typeof value === 'string' ? JSON.parse(value) : value;
}
