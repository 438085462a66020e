/**
 * The built-in publisher end to end: tables of the embedded PGlite store (with PostGIS), published
 * through the `local` map-server connection, read over real HTTP as OGC API Features and Mapbox
 * vector tiles, with per-layer access and the on-disk tile cache.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { sql } from 'kysely';

import { CLI_PRINCIPAL } from '../../src/cli/cli-context.ts';
import type { Connector } from '../../src/connectors/connector.ts';
import { isPublisher, type LayerDefinition, type Publisher } from '../../src/connectors/publisher.ts';
import { ADMIN_ROLE } from '../../src/domain/security/principal.ts';
import { UserError } from '../../src/errors/errors.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let publisher: Connector & Publisher;
const tokens = { admin: '', editor: '', plain: '' };
const signal = () => AbortSignal.timeout(20_000);

/** 25 points on a 5 x 5 grid of whole degrees, lon 0..4 and lat 40..44, named p0..p24. */
const POINTS = Array.from({ length: 25 }, (_, i) => ({
  id: i + 1,
  name: `p${i}`,
  lon: i % 5,
  lat: 40 + Math.floor(i / 5),
}));

function layer(name: string, table: string, extra: Partial<LayerDefinition> = {}): LayerDefinition {
  return {
    name,
    source: { kind: 'embedded', schema: 'public', table },
    metadata: { title: `Title of ${name}` },
    advertised: true,
    ...extra,
  };
}

before(async () => {
  server = await startTestServer({ backend: 'pglite', postgis: true });
  const { ctx } = server;
  await sql`CREATE TABLE places (id integer PRIMARY KEY, name text NOT NULL, pop integer, ratio float8,
    geom geometry(Point, 4326))`.execute(ctx.db);
  for (const p of POINTS) {
    await sql`INSERT INTO places VALUES (${p.id}, ${p.name}, ${p.id * 100}, ${p.id / 4},
      ST_SetSRID(ST_MakePoint(${p.lon}::float8, ${p.lat}::float8), 4326))`.execute(ctx.db);
  }
  // A polygon in Web Mercator: the service transforms both ways.
  await sql`CREATE TABLE zones (gid serial PRIMARY KEY, label text, geom geometry(Polygon, 3857))`.execute(ctx.db);
  await sql`INSERT INTO zones (label, geom) VALUES
    ('square', ST_Transform(ST_MakeEnvelope(10, 10, 20, 20, 4326), 3857))`.execute(ctx.db);
  await sql`CREATE TABLE no_geometry (id integer PRIMARY KEY, name text)`.execute(ctx.db);

  const local = await ctx.connections.resolve(CLI_PRINCIPAL, 'local', 'map_server');
  assert.equal(local.type, 'builtin-publisher');
  const { connector } = await ctx.connections.open(CLI_PRINCIPAL, local.id);
  assert.ok(isPublisher(connector));
  publisher = connector;

  await ctx.roles.create('editors', '');
  for (const [name, roles] of [
    ['admin', [ADMIN_ROLE]],
    ['editor', ['editors']],
    ['plain', []],
  ] as const) {
    const user = await ctx.users.create({
      username: `ogc-${name}`,
      password: 'password-123',
      displayName: '',
      email: null,
      roles: [...roles],
    });
    const principal = (await ctx.users.principalFor(user.id, 'token'))!;
    tokens[name] = (await ctx.tokens.create(principal, 'ogc', null)).token;
  }
});

after(async () => {
  await publisher?.close();
  await server?.close();
});

interface Link {
  href: string;
  rel: string;
  type?: string;
  title?: string;
}
interface Feature {
  id?: number;
  geometry: { type: string; coordinates: number[] };
  properties: Record<string, unknown>;
}
/** The fields of the OGC answers (and problems) these tests read. */
interface Body extends Feature {
  type: string;
  code: string;
  links: Link[];
  conformsTo: string[];
  collections: { id: string }[];
  title: string;
  description: string;
  keywords: string[];
  extent: { spatial: { bbox: number[][] } };
  dataTimestamp: string;
  created: string;
  updated: string;
  features: Feature[];
  numberMatched: number;
  numberReturned: number;
}

async function get(
  pathname: string,
  as?: keyof typeof tokens,
): Promise<{ status: number; type: string; body: Body; bytes: Uint8Array; headers: Headers }> {
  const response = await fetch(server.url + pathname, {
    headers: as ? { authorization: `Bearer ${tokens[as]}` } : {},
  });
  const bytes = new Uint8Array(await response.arrayBuffer());
  const type = response.headers.get('content-type') ?? '';
  const body = (/json/.test(type) ? JSON.parse(new TextDecoder().decode(bytes)) : {}) as Body;
  return { status: response.status, type, body, bytes, headers: response.headers };
}

// ---- A tiny protobuf reader: enough of the MVT format to check a tile's layers and features.

function readVarint(bytes: Uint8Array, at: { pos: number }): number {
  let value = 0;
  let factor = 1;
  for (;;) {
    const b = bytes[at.pos++]!;
    value += (b & 0x7f) * factor;
    if (b < 0x80) return value;
    factor *= 128;
  }
}

/** The fields of one message: field number -> values (numbers, or byte slices for wire type 2). */
function readMessage(bytes: Uint8Array): Map<number, (number | Uint8Array)[]> {
  const fields = new Map<number, (number | Uint8Array)[]>();
  const at = { pos: 0 };
  while (at.pos < bytes.length) {
    const key = readVarint(bytes, at);
    const [field, wire] = [Math.floor(key / 8), key % 8];
    let value: number | Uint8Array;
    if (wire === 0) value = readVarint(bytes, at);
    else if (wire === 2) {
      const length = readVarint(bytes, at);
      value = bytes.subarray(at.pos, at.pos + length);
      at.pos += length;
    } else if (wire === 1) {
      value = new DataView(bytes.buffer, bytes.byteOffset + at.pos, 8).getFloat64(0, true);
      at.pos += 8;
    } else throw new Error(`unexpected wire type ${wire}`);
    fields.set(field, [...(fields.get(field) ?? []), value]);
  }
  assert.equal(at.pos, bytes.length, 'message ends exactly at its last field');
  return fields;
}

interface DecodedLayer {
  name: string;
  version: number;
  extent: number;
  keys: string[];
  features: { id?: number; type: number; tags: number[]; geometry: number[] }[];
}

function packed(bytes: Uint8Array): number[] {
  const at = { pos: 0 };
  const out: number[] = [];
  while (at.pos < bytes.length) out.push(readVarint(bytes, at));
  return out;
}

function decodeTile(bytes: Uint8Array): DecodedLayer[] {
  const text = (b: unknown) => new TextDecoder().decode(b as Uint8Array);
  return (readMessage(bytes).get(3) ?? []).map((layerBytes) => {
    const layer = readMessage(layerBytes as Uint8Array);
    return {
      name: text(layer.get(1)![0]),
      version: layer.get(15)![0] as number,
      extent: layer.get(5)![0] as number,
      keys: (layer.get(3) ?? []).map(text),
      features: (layer.get(2) ?? []).map((f) => {
        const feature = readMessage(f as Uint8Array);
        return {
          ...(feature.has(1) && { id: feature.get(1)![0] as number }),
          type: feature.get(3)![0] as number,
          tags: packed((feature.get(2)?.[0] as Uint8Array | undefined) ?? new Uint8Array()),
          geometry: packed(feature.get(4)![0] as Uint8Array),
        };
      }),
    };
  });
}

// ---- Tests

test('the local map server is the built-in publisher, and its test says the store answers', async () => {
  const result = await publisher.test(signal());
  assert.equal(result.ok, true, result.message);
  assert.deepEqual(publisher.publisherCapabilities, { security: true, cache: true, appSchema: false, raster: false });
});

test('landing page and conformance', async () => {
  const landing = await get('/ogc');
  assert.equal(landing.status, 200);
  const rels = landing.body.links.map((l: { rel: string }) => l.rel);
  assert.deepEqual(rels, ['self', 'conformance', 'data']);
  assert.equal(landing.body.links[2]!.href, `${server.url}/ogc/collections`);
  const conformance = await get('/ogc/conformance?f=json');
  assert.deepEqual(conformance.body.conformsTo, [
    'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
    'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
  ]);
  const unknownParam = await get('/ogc/conformance?foo=1');
  assert.equal(unknownParam.status, 400);
  assert.equal(unknownParam.type, 'application/problem+json; charset=utf-8');
  assert.equal(unknownParam.body.code, 'invalid_input');
  const unknownPath = await get('/ogc/nothing-here');
  assert.deepEqual([unknownPath.status, unknownPath.body.code], [404, 'route_not_found']);
});

test('publishing refuses what the built-in publisher cannot serve, before anything changes', async () => {
  const refusal = async (definition: LayerDefinition, code: string) => {
    await assert.rejects(
      publisher.publishLayer(definition, signal()),
      (e) => e instanceof UserError && e.code === code,
    );
    if (code !== 'invalid_layer_name') {
      assert.equal(await publisher.getLayer({ name: definition.name }, signal()), undefined);
    }
  };
  await refusal(layer('flat', 'no_geometry'), 'no_geometry');
  await refusal(layer('ghost', 'no_such_table'), 'table_not_found');
  await refusal(layer('secrets', 'users'), 'reserved_table');
  await refusal(layer('a/b', 'places'), 'invalid_layer_name');
  await refusal(
    {
      ...layer('remote', 'places'),
      source: {
        kind: 'postgis',
        host: 'db',
        port: 5432,
        database: 'gis',
        user: 'u',
        password: 'p',
        schema: 'public',
        table: 't',
      },
    },
    'unsupported_source',
  );
  await refusal({ ...layer('dem', 'places'), source: { kind: 'geotiff', path: '/x.tif' } }, 'unsupported_source');
});

test('a published layer is listed with its metadata and its extent', async () => {
  await publisher.publishLayer(
    layer('places', 'places', {
      metadata: {
        title: 'Places',
        abstract: 'Points on a grid',
        keywords: ['grid', 'test'],
        metadataLinks: [{ href: 'https://example.org/md.xml', type: 'ISO19115:2003', format: 'text/xml' }],
        dataTimestamp: '2024-05-01T10:00:00.000Z',
      },
    }),
    signal(),
  );
  const stored = await publisher.getLayer({ name: 'places' }, signal());
  assert.deepEqual(stored?.source, { kind: 'embedded', schema: 'public', table: 'places' });
  assert.equal(stored?.readRoles, undefined);

  const list = await get('/ogc/collections');
  assert.equal(list.status, 200);
  assert.deepEqual(
    list.body.collections.map((c: { id: string }) => c.id),
    ['places'],
  );
  const one = await get('/ogc/collections/places');
  assert.equal(one.status, 200);
  assert.equal(one.body.title, 'Places');
  assert.equal(one.body.description, 'Points on a grid');
  assert.deepEqual(one.body.keywords, ['grid', 'test']);
  assert.deepEqual(one.body.extent.spatial.bbox, [[0, 40, 4, 44]]);
  assert.equal(one.body.dataTimestamp, '2024-05-01T10:00:00.000Z');
  assert.ok(!Number.isNaN(Date.parse(one.body.created)) && !Number.isNaN(Date.parse(one.body.updated)));
  const described = one.body.links.find((l: { rel: string }) => l.rel === 'describedby');
  assert.deepEqual(described, {
    href: 'https://example.org/md.xml',
    rel: 'describedby',
    type: 'text/xml',
    title: 'ISO19115:2003',
  });
});

test('items match the table: count, properties, geometry, paging links', async () => {
  const first = await get('/ogc/collections/places/items');
  assert.equal(first.status, 200);
  assert.match(first.type, /^application\/geo\+json/);
  assert.equal(first.body.type, 'FeatureCollection');
  assert.deepEqual([first.body.numberMatched, first.body.numberReturned], [25, 10]);
  const f0 = first.body.features[0]!;
  assert.equal(f0.id, 1);
  assert.deepEqual(f0.properties, { id: 1, name: 'p0', pop: 100, ratio: 0.25 });
  assert.deepEqual(f0.geometry, { type: 'Point', coordinates: [0, 40] });
  const rels = (body: { links: { rel: string }[] }) => body.links.map((l) => l.rel).sort();
  assert.deepEqual(rels(first.body), ['collection', 'next', 'self']);

  // Follow next links to the end: every row once, in key order.
  const seen: (number | undefined)[] = [];
  let href: string | undefined = `${server.url}/ogc/collections/places/items?limit=10`;
  let pages = 0;
  let last: Body | undefined;
  while (href) {
    const page = await get(href.slice(server.url.length));
    seen.push(...page.body.features.map((f) => f.id));
    href = page.body.links.find((l: { rel: string }) => l.rel === 'next')?.href;
    last = page.body;
    pages++;
  }
  assert.equal(pages, 3);
  assert.deepEqual(
    seen,
    POINTS.map((p) => p.id),
  );
  assert.ok(last);
  assert.deepEqual(rels(last), ['collection', 'prev', 'self']);
  assert.equal(last.numberReturned, 5);
  const prev = last.links.find((l) => l.rel === 'prev')!.href;
  assert.equal(new URL(prev).searchParams.get('offset'), '10');

  const everything = await get('/ogc/collections/places/items?limit=10000');
  assert.equal(everything.body.numberReturned, 25);
  for (const feature of everything.body.features) {
    const p = POINTS.find((q) => q.id === feature.id)!;
    assert.deepEqual(feature.geometry.coordinates, [p.lon, p.lat]);
    assert.equal(feature.properties.name, p.name);
  }
});

test('bbox filters in WGS 84, also for a layer stored in another CRS', async () => {
  const inside = await get('/ogc/collections/places/items?bbox=0.5,40.5,2.5,42.5&limit=100');
  assert.equal(inside.status, 200);
  const expected = POINTS.filter((p) => p.lon >= 0.5 && p.lon <= 2.5 && p.lat >= 40.5 && p.lat <= 42.5);
  assert.equal(expected.length, 4);
  assert.deepEqual(
    inside.body.features.map((f) => f.id),
    expected.map((p) => p.id),
  );
  assert.equal(inside.body.numberMatched, 4);
  const self = inside.body.links.find((l) => l.rel === 'self')!.href;
  assert.equal(new URL(self).searchParams.get('bbox'), '0.5,40.5,2.5,42.5');

  await publisher.publishLayer(layer('zones', 'zones'), signal());
  const zones = await get('/ogc/collections/zones');
  const [bbox] = zones.body.extent.spatial.bbox;
  assert.deepEqual(
    bbox!.map((n) => Math.round(n * 1e6) / 1e6),
    [10, 10, 20, 20],
  );
  assert.equal((await get('/ogc/collections/zones/items?bbox=15,15,16,16')).body.numberMatched, 1);
  assert.equal((await get('/ogc/collections/zones/items?bbox=30,30,31,31')).body.numberMatched, 0);
  const square = (await get('/ogc/collections/zones/items/1')).body;
  assert.equal(square.geometry.type, 'Polygon');
  assert.deepEqual(square.properties, { gid: 1, label: 'square' });
});

test('bad input is a 400 problem; unknown names are 404; SQL-ish ids are only names', async () => {
  for (const query of [
    'bbox=1,2,3',
    'bbox=a,b,c,d',
    'bbox=3,2,1,4',
    'bbox=0,0,200,1',
    'limit=0',
    'limit=10001',
    'offset=-1',
    'limit=x',
  ]) {
    const answer = await get(`/ogc/collections/places/items?${query}`);
    assert.equal(answer.status, 400, query);
    assert.equal(answer.body.code, 'invalid_input', query);
  }
  const unknown = await get('/ogc/collections/nope');
  assert.deepEqual([unknown.status, unknown.body.code], [404, 'collection_not_found']);
  assert.equal((await get('/ogc/collections/nope/items')).status, 404);
  const injection = encodeURIComponent("places'; DROP TABLE places; --");
  assert.equal((await get(`/ogc/collections/${injection}/items`)).status, 404);
  assert.equal((await get(`/ogc/collections/places/items/${encodeURIComponent('1 OR 1=1')}`)).status, 404);
  assert.equal((await get('/ogc/collections/places/items/abc')).status, 404);
  assert.equal((await get('/ogc/collections/places/items/999')).status, 404);
  assert.equal((await get('/ogc/collections/places/items/7')).body.properties.name, 'p6');
  const count = await sql<{ n: number }>`SELECT count(*)::int AS n FROM places`.execute(server.ctx.db);
  assert.equal(count.rows[0]!.n, 25);
  const tile = await get('/ogc/collections/places/tiles/1/2/0.mvt');
  assert.deepEqual([tile.status, tile.body?.code], [400, 'tile_out_of_range']);
  assert.equal((await get('/ogc/collections/places/tiles/25/0/0.mvt')).status, 400);
});

test('an unadvertised layer is listed nowhere and readable by admins only', async () => {
  await publisher.publishLayer(layer('hidden', 'places', { advertised: false }), signal());
  for (const caller of [undefined, 'plain', 'editor', 'admin'] as const) {
    const ids = (await get('/ogc/collections', caller)).body.collections.map((c: { id: string }) => c.id);
    assert.ok(!ids.includes('hidden'), `listed for ${caller ?? 'anonymous'}`);
  }
  assert.equal((await get('/ogc/collections/hidden')).status, 404);
  assert.equal((await get('/ogc/collections/hidden/items', 'plain')).status, 404);
  assert.equal((await get('/ogc/collections/hidden/tiles/0/0/0.mvt')).status, 404);
  assert.equal((await get('/ogc/collections/hidden', 'admin')).status, 200);
  assert.equal((await get('/ogc/collections/hidden/items', 'admin')).body.numberMatched, 25);
  await publisher.setAdvertised({ name: 'hidden' }, true, signal());
  assert.equal((await get('/ogc/collections/hidden')).status, 200);
  await publisher.removeLayer({ name: 'hidden' }, signal());
  await publisher.removeLayer({ name: 'hidden' }, signal()); // missing: not an error
  assert.equal((await get('/ogc/collections/hidden', 'admin')).status, 404);
});

test('read roles restrict a layer to their members (and admins)', async () => {
  await publisher.publishLayer(layer('restricted', 'places'), signal());
  await publisher.setReadRoles!({ name: 'restricted' }, ['editors'], signal());
  assert.deepEqual((await publisher.getLayer({ name: 'restricted' }, signal()))?.readRoles, ['editors']);
  const listed = async (caller?: keyof typeof tokens) =>
    (await get('/ogc/collections', caller)).body.collections.some((c: { id: string }) => c.id === 'restricted');
  assert.deepEqual(
    [await listed(), await listed('plain'), await listed('editor'), await listed('admin')],
    [false, false, true, true],
  );
  assert.equal((await get('/ogc/collections/restricted/items')).status, 404);
  assert.equal((await get('/ogc/collections/restricted/items', 'plain')).status, 404);
  assert.equal((await get('/ogc/collections/restricted/items', 'editor')).status, 200);
  assert.equal((await get('/ogc/collections/restricted/tiles/0/0/0.mvt', 'editor')).status, 200);
  await publisher.setReadRoles!({ name: 'restricted' }, [], signal()); // admins only
  assert.equal((await get('/ogc/collections/restricted/items', 'editor')).status, 404);
  assert.equal((await get('/ogc/collections/restricted/items', 'admin')).status, 200);
  await publisher.setReadRoles!({ name: 'restricted' }, undefined, signal()); // everyone
  assert.equal((await get('/ogc/collections/restricted/items')).status, 200);
  await publisher.removeLayer({ name: 'restricted' }, signal());
});

test('vector tiles decode as MVT with the layer and its features', async () => {
  const world = await get('/ogc/collections/places/tiles/0/0/0.mvt');
  assert.equal(world.status, 200);
  assert.equal(world.type, 'application/vnd.mapbox-vector-tile');
  assert.equal(world.headers.get('x-geosync-tile-cache'), 'off');
  const [decoded, ...more] = decodeTile(world.bytes);
  assert.equal(more.length, 0);
  assert.deepEqual([decoded!.name, decoded!.version, decoded!.extent], ['places', 2, 4096]);
  assert.equal(decoded!.features.length, 25);
  assert.deepEqual(
    decoded!.features.map((f) => f.id).sort((a, b) => a! - b!),
    POINTS.map((p) => p.id),
  );
  assert.ok(decoded!.features.every((f) => f.type === 1 && f.geometry[0] === 9)); // one MoveTo each
  assert.deepEqual(decoded!.keys.sort(), ['id', 'name', 'pop', 'ratio']);
  // Point (0, 40) sits at the middle of the world tile horizontally: x = 2048.
  const first = decoded!.features.find((f) => f.id === 1)!;
  const zigzag = (n: number) => (n % 2 === 0 ? n / 2 : -(n + 1) / 2);
  assert.equal(zigzag(first.geometry[1]!), 2048);

  // z=6 tile 32/23 covers lon 0..5.6 and lat ~40.98..45.08: rows at lat 41..44 (20 points, plus buffer-free edges).
  const zoomed = decodeTile((await get('/ogc/collections/places/tiles/6/32/23.mvt')).bytes);
  const inTile = POINTS.filter((p) => p.lat >= 41);
  assert.equal(zoomed[0]!.features.length, inTile.length);
  // Far away: an empty tile.
  const empty = await get('/ogc/collections/places/tiles/6/0/0.mvt');
  assert.deepEqual([empty.status, empty.bytes.length], [200, 0]);

  const polygons = decodeTile((await get('/ogc/collections/zones/tiles/0/0/0.mvt')).bytes);
  assert.equal(polygons[0]!.name, 'zones');
  assert.equal(polygons[0]!.features.length, 1);
  assert.equal(polygons[0]!.features[0]!.type, 3);
  assert.equal(polygons[0]!.features[0]!.geometry.at(-1), 15); // ClosePath
});

test('the tile cache: configured layers keep tiles on disk, clearing deletes them', async () => {
  await assert.rejects(
    publisher.configureCache!({ name: 'places' }, { gridSets: ['EPSG:4326'], formats: ['image/png'] }, signal()),
    (e) => e instanceof UserError && e.code === 'unsupported_cache',
  );
  await publisher.configureCache!(
    { name: 'places' },
    { gridSets: ['WebMercatorQuad'], formats: ['application/vnd.mapbox-vector-tile'] },
    signal(),
  );
  const miss = await get('/ogc/collections/places/tiles/0/0/0.mvt');
  assert.equal(miss.headers.get('x-geosync-tile-cache'), 'miss');
  const hit = await get('/ogc/collections/places/tiles/0/0/0.mvt');
  assert.equal(hit.headers.get('x-geosync-tile-cache'), 'hit');
  assert.deepEqual(hit.bytes, miss.bytes);
  const tilesDir = path.join(server.dataDir, 'tiles');
  const [layerId] = readdirSync(tilesDir);
  assert.ok(existsSync(path.join(tilesDir, layerId!, '0', '0', '0.mvt')));

  await publisher.clearCache!({ name: 'places' }, signal());
  assert.ok(!existsSync(path.join(tilesDir, layerId!)));
  assert.equal((await get('/ogc/collections/places/tiles/0/0/0.mvt')).headers.get('x-geosync-tile-cache'), 'miss');
  assert.ok(existsSync(path.join(tilesDir, layerId!, '0', '0', '0.mvt')));
  await assert.rejects(
    publisher.clearCache!({ name: 'nope' }, signal()),
    (e) => e instanceof UserError && e.status === 404,
  );
});

test('the temp-name protocol: publish under a temporary name, rename, advertise', async () => {
  await publisher.publishLayer(layer('tmp_places_2', 'places', { advertised: false }), signal());
  await assert.rejects(
    publisher.renameLayer({ name: 'tmp_places_2' }, { name: 'places' }, signal()),
    (e) => e instanceof UserError && e.code === 'layer_exists',
  );
  await publisher.removeLayer({ name: 'places' }, signal());
  await publisher.renameLayer({ name: 'tmp_places_2' }, { name: 'places' }, signal());
  await publisher.renameLayer({ name: 'tmp_places_2' }, { name: 'places' }, signal()); // repeated: done already
  await publisher.setAdvertised({ name: 'places' }, true, signal());
  await publisher.updateMetadata({ name: 'places' }, { title: 'Places again', keywords: ['k'] }, signal());
  const one = await get('/ogc/collections/places');
  assert.deepEqual([one.status, one.body.title, one.body.keywords], [200, 'Places again', ['k']]);
  await assert.rejects(
    publisher.renameLayer({ name: 'nope' }, { name: 'other' }, signal()),
    (e) => e instanceof UserError && e.code === 'layer_not_found',
  );
  await assert.rejects(
    publisher.setAdvertised({ name: 'nope' }, true, signal()),
    (e) => e instanceof UserError && e.status === 404,
  );

  // A workspace makes the collection id `workspace:name`.
  await publisher.publishLayer({ ...layer('places', 'places'), workspace: 'ws1' }, signal());
  assert.equal((await get('/ogc/collections/ws1:places/items?limit=1')).body.numberMatched, 25);
  assert.equal((await publisher.getLayer({ workspace: 'ws1', name: 'places' }, signal()))?.workspace, 'ws1');
});
