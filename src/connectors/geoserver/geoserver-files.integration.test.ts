// The GeoServer connector's file-based layers (GeoTIFF by reference and by upload, app-schema
// mappings) and the layer timestamps in the resource metadata map, against the GeoServer test
// double (test/helpers/fake-geoserver.ts).
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, beforeEach, describe, test } from 'node:test';

import {
  appSchemaMapping,
  FAKE_APP_SCHEMA_NS,
  FAKE_GEOSERVER_ADMIN,
  FAKE_KEYCLOAK,
  type FakeGeoServer,
  FakeGeoServerState,
  startFakeGeoServer,
} from '../../../test/helpers/fake-geoserver.ts';
import { UserError } from '../../errors/errors.ts';
import type { AppSchemaSource, LayerDefinition } from '../publisher.ts';
import { type GeoserverConnector, geoserverConnectorType as type } from './geoserver.connector.ts';

let fake: FakeGeoServer;
before(async () => {
  fake = await startFakeGeoServer();
});
after(() => fake.close());
beforeEach(() => {
  Object.assign(fake.state, new FakeGeoServerState());
  fake.requests.length = 0;
});

const connect = (extra: Record<string, unknown> = {}) =>
  type.create(type.config.parse({ url: fake.url, ...FAKE_GEOSERVER_ADMIN, ...extra }), {
    dataDir: '/nonexistent',
  }) as GeoserverConnector;
const signal = () => AbortSignal.timeout(20_000);
const writes = () => fake.requests.filter((r) => r.method !== 'GET');
const layerNames = () =>
  fake.state.resources
    .filter((r) => r.layer)
    .map((r) => `${r.workspace}:${r.name}`)
    .sort();
/** Not a real GeoTIFF: the double keeps the bytes without reading them. */
const TIFF = Buffer.concat([Buffer.from('II*\0', 'latin1'), Buffer.alloc(2048, 7)]);

function uploadSource(opens: { count: number } = { count: 0 }) {
  return {
    kind: 'geotiff' as const,
    path: 'dem.tif',
    upload: {
      fileName: 'dem.tif',
      open: () => {
        opens.count += 1;
        return Promise.resolve(Readable.from([TIFF.subarray(0, 1000), TIFF.subarray(1000)]));
      },
    },
  };
}

const raster = (extra: Partial<LayerDefinition> = {}): LayerDefinition => ({
  workspace: 'topo',
  name: '_temp_dem',
  source: uploadSource(),
  metadata: { title: 'Elevation', keywords: ['dem'] },
  advertised: false,
  ...extra,
});

describe('GeoTIFF layers', () => {
  test('upload: PUT file.geotiff streams the bytes; the store, named after the layer, is renamed and removed with it', async () => {
    const gs = connect();
    await gs.publishLayer(raster(), signal());
    const put = fake.requests.find((r) => r.method === 'PUT' && r.url.includes('/file.geotiff'));
    assert.match(put?.url ?? '', /coveragestores\/_temp_dem\/file\.geotiff\?configure=first&coverageName=_temp_dem$/);
    assert.equal(put?.contentType, 'image/tiff');
    const store = fake.state.stores.find((s) => s.kind === 'coverageStore');
    assert.deepEqual(store?.files?.get('_temp_dem.geotiff'), TIFF, 'the bytes arrived whole');
    const layer = await gs.getLayer({ workspace: 'topo', name: '_temp_dem' }, signal());
    assert.deepEqual(
      [layer?.source, layer?.metadata.title, layer?.advertised],
      [{ kind: 'geotiff', path: 'data/topo/_temp_dem/_temp_dem.geotiff' }, 'Elevation', false],
    );
    await gs.renameLayer({ workspace: 'topo', name: '_temp_dem' }, { workspace: 'topo', name: 'dem' }, signal());
    assert.deepEqual(
      fake.state.stores.map((s) => s.name),
      ['dem'],
    );
    await gs.removeLayer({ workspace: 'topo', name: 'dem' }, signal());
    assert.deepEqual([fake.state.stores.length, fake.state.resources.length], [0, 0]);
    assert.ok(fake.requests.some((r) => r.method === 'DELETE' && /coveragestores\/dem\?purge=all$/.test(r.url)));
  });

  test('upload replaces the file of an existing layer; a Keycloak retry after a 401 opens the file again', async () => {
    const gs = connect({ authentication: 'keycloak', authUrl: fake.authUrl, ...FAKE_KEYCLOAK });
    await gs.publishLayer(raster({ name: 'dem' }), signal());
    // The token expires on the server just as the upload goes out: 401, a new token, the upload again.
    fake.failNext('PUT', /\/file\.geotiff$/, 401, 'HTTP Status 401 - Unauthorized');
    const issued = fake.tokensIssued;
    const opens = { count: 0 };
    await gs.publishLayer(raster({ name: 'dem', source: uploadSource(opens), metadata: { title: 'v2' } }), signal());
    assert.equal(opens.count, 2, 'the first stream went to the 401; the retry sent a fresh one');
    assert.equal(fake.tokensIssued - issued, 1);
    assert.deepEqual(fake.state.stores[0]?.files?.get('dem.geotiff'), TIFF);
    assert.deepEqual(layerNames(), ['topo:dem']);
    assert.equal((await gs.getLayer({ workspace: 'topo', name: 'dem' }, signal()))?.metadata.title, 'v2');
  });

  test('by reference: an s3:// URL is kept as the store URL (S3GeoTiff), a path becomes file:', async () => {
    const gs = connect();
    await gs.publishLayer(
      raster({ name: 'scan', source: { kind: 'geotiff', path: 's3://rasters/scan.tif' } }),
      signal(),
    );
    await gs.publishLayer(raster({ name: 'local', source: { kind: 'geotiff', path: 'data/local.tif' } }), signal());
    assert.deepEqual(
      fake.state.stores.map((s) => [s.name, s.type, s.url]),
      [
        ['scan', 'S3GeoTiff', 's3://rasters/scan.tif'],
        ['local', 'GeoTIFF', 'file:data/local.tif'],
      ],
    );
    const scan = await gs.getLayer({ workspace: 'topo', name: 'scan' }, signal());
    assert.deepEqual(scan?.source, { kind: 'geotiff', path: 's3://rasters/scan.tif' });
  });
});

const mapping = (types: string[]): AppSchemaSource => ({
  kind: 'app-schema',
  mainFile: 'roads.xml',
  files: [
    { path: 'roads.xml', content: appSchemaMapping(types, 'roads') },
    { path: 'included.xml', content: '<as:AppSchemaDataAccess xmlns:as="http://www.geotools.org/app-schema"/>' },
  ],
});

describe('app-schema layers', () => {
  test('publish: namespace workspace, ZIP upload (main file as *.appschema), one feature type by native name', async () => {
    const gs = connect();
    await gs.publishLayer(
      {
        workspace: 'ex',
        name: '_temp_1a_Road',
        source: mapping(['Road']),
        metadata: { title: 'Roads' },
        advertised: false,
      },
      signal(),
    );
    assert.equal(fake.state.workspaces.get('ex')?.uri, FAKE_APP_SCHEMA_NS.uri, 'created with the mapping namespace');
    const upload = fake.requests.find((r) => r.url.includes('/file.appschema'));
    assert.match(upload?.url ?? '', /datastores\/_temp_1a_Road\/file\.appschema\?configure=none$/);
    assert.equal(upload?.contentType, 'application/zip');
    const store = fake.state.stores[0]!;
    assert.deepEqual([...(store.files?.keys() ?? [])].sort(), ['included.xml', 'roads.appschema']);
    assert.equal(store.params.dbtype, 'app-schema');
    const ft = fake.state.resources[0]!;
    assert.deepEqual([ft.name, ft.nativeName, ft.advertised, ft.title], ['_temp_1a_Road', 'Road', false, 'Roads']);
    const layer = await gs.getLayer({ workspace: 'ex', name: '_temp_1a_Road' }, signal());
    assert.deepEqual(layer?.source, { kind: 'app-schema', mainFile: 'roads.appschema', files: [] });
    await gs.renameLayer({ workspace: 'ex', name: '_temp_1a_Road' }, { workspace: 'ex', name: 'Road' }, signal());
    assert.deepEqual([fake.state.stores[0]?.name, layerNames()], ['Road', ['ex:Road']]);
    await gs.removeLayer({ workspace: 'ex', name: 'Road' }, signal());
    assert.deepEqual([fake.state.stores.length, fake.state.resources.length], [0, 0]);
  });

  test('a mapping of several types publishes the one named like the layer; no match is refused before any change', async () => {
    const gs = connect();
    await gs.publishLayer(
      { workspace: 'ex', name: '_temp_2b_Road', source: mapping(['River', 'Road']), metadata: {}, advertised: false },
      signal(),
    );
    assert.equal(fake.state.resources[0]?.nativeName, 'Road');
    fake.requests.length = 0;
    await assert.rejects(
      gs.publishLayer(
        { workspace: 'ex', name: 'Lake', source: mapping(['River', 'Road']), metadata: {}, advertised: true },
        signal(),
      ),
      (e) => e instanceof UserError && e.code === 'invalid_mapping' && /maps ex:River, ex:Road/.test(e.message),
    );
    assert.deepEqual(writes(), []);
  });

  test('a workspace of another namespace and a mapping that is not XML are refused before any change', async () => {
    const gs = connect();
    fake.state.workspaces.set('topo', { name: 'topo', uri: 'http://topo' });
    await assert.rejects(
      gs.publishLayer(
        { workspace: 'topo', name: 'Road', source: mapping(['Road']), metadata: {}, advertised: true },
        signal(),
      ),
      (e) => e instanceof UserError && e.code === 'namespace_mismatch' && e.message.includes(FAKE_APP_SCHEMA_NS.uri),
    );
    const broken: AppSchemaSource = {
      kind: 'app-schema',
      mainFile: 'm.xml',
      files: [{ path: 'm.xml', content: '<as:A' }],
    };
    await assert.rejects(
      gs.publishLayer({ workspace: 'ex', name: 'Road', source: broken, metadata: {}, advertised: true }, signal()),
      (e) => e instanceof UserError && e.code === 'invalid_mapping',
    );
    assert.deepEqual(writes(), []);
  });
});

describe('timestamps in the resource metadata map', () => {
  const roads = (metadata: LayerDefinition['metadata']): LayerDefinition => ({
    workspace: 'topo',
    name: 'roads',
    source: { kind: 'postgis', host: 'db', port: 5432, database: 'gis', user: 'gs', schema: 'public', table: 'roads' },
    metadata,
    advertised: true,
  });

  test('written at the configured key paths (nested with dots), read back, other entries kept', async () => {
    const gs = connect({ dataTimestampProperty: 'timestamps.data', metadataTimestampProperty: 'custom._timestamp' });
    await gs.publishLayer(
      roads({
        title: 'Roads',
        dataTimestamp: '2024-05-01T10:00:00.000Z',
        metadataTimestamp: '2024-05-02T08:00:00.000Z',
      }),
      signal(),
    );
    const r = fake.state.resources[0]!;
    assert.deepEqual(r.metadata, [
      { '@key': 'timestamps', map: { entry: [{ '@key': 'data', $: '2024-05-01T10:00:00.000Z' }] } },
      { '@key': 'custom', map: { entry: [{ '@key': '_timestamp', $: '2024-05-02T08:00:00.000Z' }] } },
    ]);
    const entries: unknown[] = r.metadata ?? [];
    entries.push({ '@key': 'cachingEnabled', $: 'false' });
    const ref = { workspace: 'topo', name: 'roads' };
    const stamped = (await gs.getLayer(ref, signal()))!.metadata;
    await gs.updateMetadata(ref, { ...stamped, metadataTimestamp: '2024-06-01T00:00:00.000Z' }, signal());
    const layer = await gs.getLayer(ref, signal());
    assert.deepEqual(
      [layer?.metadata.dataTimestamp, layer?.metadata.metadataTimestamp, layer?.metadata.title],
      ['2024-05-01T10:00:00.000Z', '2024-06-01T00:00:00.000Z', 'Roads'],
    );
    assert.ok(
      r.metadata?.some((e) => (e as { '@key': string })['@key'] === 'cachingEnabled'),
      'other entries kept',
    );
    // updateMetadata replaces as a whole (a rollback restores this way): a stamp left out is removed.
    await gs.updateMetadata(ref, { title: 'Roads', dataTimestamp: '2024-05-01T10:00:00.000Z' }, signal());
    assert.deepEqual((await gs.getLayer(ref, signal()))?.metadata, {
      title: 'Roads',
      dataTimestamp: '2024-05-01T10:00:00.000Z',
    });
    // Publishing replaces too: timestamps not given any more are removed, the rest of the map stays.
    await gs.publishLayer(roads({ title: 'Roads' }), signal());
    assert.deepEqual(r.metadata, [{ '@key': 'cachingEnabled', $: 'false' }]);
    const again = await gs.getLayer(ref, signal());
    assert.deepEqual([again?.metadata.dataTimestamp, again?.metadata.metadataTimestamp], [undefined, undefined]);
  });

  test('default keys are dataTimestamp and metadataTimestamp; bad key paths are refused in the settings', async () => {
    const gs = connect();
    await gs.publishLayer(roads({ dataTimestamp: '2024-01-01T00:00:00.000Z' }), signal());
    assert.deepEqual(fake.state.resources[0]?.metadata, [{ '@key': 'dataTimestamp', $: '2024-01-01T00:00:00.000Z' }]);
    for (const bad of ['a..b', '.a', 'a b', '']) {
      assert.ok(
        !type.config.safeParse({ url: fake.url, ...FAKE_GEOSERVER_ADMIN, dataTimestampProperty: bad }).success,
        bad,
      );
    }
  });
});

describe('app-schema: one enabled store per mapped type', () => {
  test('a staged replacement disables the live store; removing it (rollback) enables it again', async () => {
    const gs = connect();
    const layer = (name: string, title: string): LayerDefinition => ({
      workspace: 'ex',
      name,
      source: mapping(['Road']),
      metadata: { title },
      advertised: name === 'Road',
    });
    await gs.publishLayer(layer('Road', 'Live'), signal());
    await gs.publishLayer(layer('_temp_3c_Road', 'New'), signal());
    const enabled = () => fake.state.stores.map((s) => [s.name, s.enabled]);
    assert.deepEqual(enabled(), [
      ['Road', false],
      ['_temp_3c_Road', true],
    ]);
    await gs.removeLayer({ workspace: 'ex', name: '_temp_3c_Road' }, signal());
    assert.deepEqual(enabled(), [['Road', true]]);
    // Commit instead: the live layer goes, the staged one takes its name and store name.
    await gs.publishLayer(layer('_temp_4d_Road', 'New'), signal());
    await gs.removeLayer({ workspace: 'ex', name: 'Road' }, signal());
    await gs.renameLayer({ workspace: 'ex', name: '_temp_4d_Road' }, { workspace: 'ex', name: 'Road' }, signal());
    assert.deepEqual(enabled(), [['Road', true]]);
    assert.equal((await gs.getLayer({ workspace: 'ex', name: 'Road' }, signal()))?.metadata.title, 'New');
  });
});
