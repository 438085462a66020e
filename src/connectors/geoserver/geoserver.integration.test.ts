// The GeoServer connector against the GeoServer test double (test/helpers/fake-geoserver.ts),
// which follows the REST contract in test/contracts/geoserver-rest.contract.ts.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';

import { connectorContract } from '../../../test/contracts/connector.contract.ts';
import {
  FAKE_GEOSERVER_ADMIN,
  FAKE_GEOSERVER_VIEWER,
  FAKE_KEYCLOAK,
  type FakeGeoServer,
  FakeGeoServerState,
  startFakeGeoServer,
} from '../../../test/helpers/fake-geoserver.ts';
import { OperationalError, UserError } from '../../errors/errors.ts';
import { isPublisher, type LayerDefinition, type PostgisSource } from '../publisher.ts';
import { type GeoserverConnector, geoserverConnectorType as type } from './geoserver.connector.ts';

let fake: FakeGeoServer;
/** A loopback port nothing listens on (fetch refuses port 9, "discard", as a bad port). */
let closedPort: number;
before(async () => {
  fake = await startFakeGeoServer();
  const probe = net.createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  closedPort = (probe.address() as net.AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
});
after(() => fake.close());

const basic = (extra: Record<string, unknown> = {}) => ({ url: fake.url, ...FAKE_GEOSERVER_ADMIN, ...extra });
const keycloak = (extra: Record<string, unknown> = {}) => ({
  ...basic(),
  authentication: 'keycloak',
  authUrl: fake.authUrl,
  ...FAKE_KEYCLOAK,
  ...extra,
});
const connect = (settings: Record<string, unknown> = basic()) =>
  type.create(type.config.parse(settings), { dataDir: '/nonexistent' }) as GeoserverConnector;
const signal = () => AbortSignal.timeout(20_000);

const DB_PASSWORD = 'db-secret-pw-4471';
const pgSource = (table = 'roads_v2', extra: Partial<PostgisSource> = {}): PostgisSource => ({
  kind: 'postgis',
  host: 'db.internal',
  port: 5432,
  database: 'gis',
  user: 'gs',
  password: DB_PASSWORD,
  schema: 'public',
  table,
  ...extra,
});
const roads = (extra: Partial<LayerDefinition> = {}): LayerDefinition => ({
  workspace: 'topo',
  name: 'roads',
  source: pgSource(),
  metadata: {
    title: 'Roads',
    abstract: 'All the roads',
    keywords: ['transport'],
    metadataLinks: [{ href: 'https://csw.example.org/?id=roads', type: 'ISO19115:2003', format: 'text/xml' }],
  },
  advertised: true,
  ...extra,
});
const SLD = (color: string) =>
  '<?xml version="1.0" encoding="UTF-8"?><StyledLayerDescriptor version="1.0.0" xmlns="http://www.opengis.net/sld">' +
  `<NamedLayer><Name>s</Name><UserStyle><Name>s</Name><FeatureTypeStyle><Rule><LineSymbolizer><Stroke><CssParameter name="stroke">${color}</CssParameter></Stroke></LineSymbolizer></Rule></FeatureTypeStyle></UserStyle></NamedLayer></StyledLayerDescriptor>`;

/** Every layer the double serves, as `ws:name`. */
const layerNames = () =>
  fake.state.resources
    .filter((r) => r.layer)
    .map((r) => `${r.workspace}:${r.name}`)
    .sort();
const writes = () => fake.requests.filter((r) => r.method !== 'GET');
const noSecretIn = (error: unknown) => {
  const text = `${(error as Error).message} ${JSON.stringify(error)}`;
  for (const secret of [DB_PASSWORD, FAKE_GEOSERVER_ADMIN.password, FAKE_KEYCLOAK.clientSecret]) {
    assert.ok(!text.includes(secret), `secret leaked in: ${text}`);
  }
  return true;
};
const code =
  (c: string, kind: typeof UserError | typeof OperationalError = UserError) =>
  (e: unknown) =>
    e instanceof kind && e.code === c && noSecretIn(e);

function resetFake() {
  const fresh = new FakeGeoServerState();
  Object.assign(fake.state, fresh);
  fake.requests.length = 0;
}

connectorContract('geoserver (basic, test double)', () =>
  Promise.resolve({
    type,
    goodConfig: basic(),
    badConfigs: [
      { config: basic({ url: 'maps.example.org' }), field: 'url' },
      { config: basic({ password: undefined }), field: 'password' },
    ],
    // Port 9 (discard) on loopback: nothing listens there.
    unreachableConfig: basic({ url: 'http://127.0.0.1:9/geoserver' }),
    deps: { dataDir: '/nonexistent' },
  }),
);

connectorContract('geoserver (keycloak, test double)', () =>
  Promise.resolve({
    type,
    goodConfig: keycloak(),
    badConfigs: [{ config: keycloak({ realm: undefined }), field: 'realm' }],
    unreachableConfig: keycloak({ authUrl: 'http://127.0.0.1:9/auth' }),
    deps: { dataDir: '/nonexistent' },
  }),
);

describe('geoserver publisher', () => {
  let gs: GeoserverConnector;
  beforeEach(() => {
    resetFake();
    gs = connect();
  });

  test('is a publisher with security, cache, app-schema and raster', () => {
    assert.ok(isPublisher(gs));
    assert.deepEqual(gs.publisherCapabilities, { security: true, cache: true, appSchema: true, raster: true });
    assert.equal(type.testable, true);
  });

  test('test() names the server and the version', async () => {
    const result = await gs.test(signal());
    assert.deepEqual(
      [result.ok, result.message],
      [true, `Logged in to ${new URL(fake.url).host} as 'admin' (GeoServer 2.25.2-fake)`],
    );
  });

  test('publishLayer creates workspace, store, feature type and layer; getLayer reads it back', async () => {
    await gs.publishLayer(roads({ advertised: false }), signal());
    assert.deepEqual([...fake.state.workspaces.keys()], ['topo']);
    assert.deepEqual(
      fake.state.stores.map((s) => [s.name, s.params.host, s.params.database, s.params.schema, s.params.dbtype]),
      [['gis_public', 'db.internal', 'gis', 'public', 'postgis']],
    );
    assert.deepEqual(layerNames(), ['topo:roads']);
    const layer = await gs.getLayer({ workspace: 'topo', name: 'roads' }, signal());
    assert.deepEqual(layer, {
      workspace: 'topo',
      name: 'roads',
      source: {
        kind: 'postgis',
        host: 'db.internal',
        port: 5432,
        database: 'gis',
        user: 'gs',
        schema: 'public',
        table: 'roads_v2',
      },
      metadata: roads().metadata,
      advertised: false,
      style: 'generic',
    });
    assert.equal(await gs.getLayer({ workspace: 'topo', name: 'nothing' }, signal()), undefined);
    assert.equal(await gs.getLayer({ workspace: 'no_such_ws', name: 'roads' }, signal()), undefined);
  });

  test('publishing twice is idempotent: one store, one layer, updated by PUT, no 500', async () => {
    await gs.publishLayer(roads(), signal());
    fake.requests.length = 0;
    await gs.publishLayer(roads({ metadata: { title: 'Roads again', keywords: ['a', 'b'] } }), signal());
    assert.ok(!writes().some((r) => r.method === 'POST'), 'nothing created the second time');
    assert.ok(fake.requests.every((r) => r.status < 500));
    assert.equal(fake.state.stores.length, 1);
    assert.deepEqual(layerNames(), ['topo:roads']);
    const layer = await gs.getLayer({ workspace: 'topo', name: 'roads' }, signal());
    // Publishing replaces: metadata not given any more is cleared.
    assert.deepEqual(layer?.metadata, { title: 'Roads again', keywords: ['a', 'b'] });
  });

  test('the temp-name protocol leaves exactly the final layer, advertised; its read rule goes with the old layer', async () => {
    await gs.publishLayer(roads(), signal());
    await gs.setReadRoles({ workspace: 'topo', name: 'roads' }, ['ROLE_GIS'], signal());
    const temp = { workspace: 'topo', name: '_temp_4f2a' };
    const final = { workspace: 'topo', name: 'roads' };
    await gs.publishLayer(
      roads({ ...temp, source: pgSource('roads_v3'), metadata: { title: 'Roads v3' }, advertised: false }),
      signal(),
    );
    assert.deepEqual(layerNames(), ['topo:_temp_4f2a', 'topo:roads']);
    assert.equal((await gs.getLayer(temp, signal()))?.advertised, false);
    // Commit.
    await gs.removeLayer(final, signal());
    await gs.renameLayer(temp, final, signal());
    await gs.setAdvertised(final, true, signal());
    assert.deepEqual(layerNames(), ['topo:roads']);
    assert.equal(fake.state.resources.length, 1, 'no resource left behind');
    const layer = await gs.getLayer(final, signal());
    assert.equal(layer?.advertised, true);
    assert.deepEqual(layer?.metadata, { title: 'Roads v3' });
    assert.equal(layer?.source.kind === 'postgis' && layer.source.table, 'roads_v3');
    // Removing the old layer took its rule: the task types' commit (commitTempLayer) puts the roles back.
    assert.equal(layer?.readRoles, undefined, 'no rule of the old layer left over');
    assert.equal(fake.state.acl.has('topo.roads.r'), false);
    assert.equal(fake.state.stores.length, 1, 'the shared store stays');
    // Recovery repeats the commit: each step is a no-op now.
    await gs.removeLayer(temp, signal());
    await gs.renameLayer(temp, final, signal());
    await gs.setAdvertised(final, true, signal());
    assert.deepEqual(layerNames(), ['topo:roads']);
  });

  test('rollback of the protocol: removing the temp layer leaves the old one untouched', async () => {
    await gs.publishLayer(roads(), signal());
    await gs.publishLayer(roads({ name: '_temp_9', advertised: false }), signal());
    await gs.removeLayer({ workspace: 'topo', name: '_temp_9' }, signal());
    assert.deepEqual(layerNames(), ['topo:roads']);
    assert.equal(fake.state.stores.length, 1, 'the store is still used by roads');
  });

  test('removeLayer removes layer and resource, is a no-op the second time, and drops the store once unused', async () => {
    await gs.publishLayer(roads(), signal());
    await gs.publishLayer(roads({ name: 'rivers', source: pgSource('rivers') }), signal());
    await gs.removeLayer({ workspace: 'topo', name: 'roads' }, signal());
    assert.deepEqual(layerNames(), ['topo:rivers']);
    assert.equal(fake.state.stores.length, 1, 'still used by rivers');
    await gs.removeLayer({ workspace: 'topo', name: 'roads' }, signal());
    await gs.removeLayer({ workspace: 'topo', name: 'rivers' }, signal());
    assert.deepEqual([layerNames(), fake.state.resources.length, fake.state.stores.length], [[], 0, 0]);
    await gs.removeLayer({ workspace: 'topo', name: 'rivers' }, signal());
    await gs.removeLayer({ workspace: 'no_such_ws', name: 'rivers' }, signal());
  });

  test('renameLayer refuses a taken name (409) and a missing layer (404); another workspace is refused', async () => {
    await gs.publishLayer(roads(), signal());
    await gs.publishLayer(roads({ name: 'rivers', source: pgSource('rivers') }), signal());
    const from = { workspace: 'topo', name: 'roads' };
    await assert.rejects(
      gs.renameLayer(from, { workspace: 'topo', name: 'rivers' }, signal()),
      (e) => code('layer_exists')(e) && (e as UserError).status === 409,
    );
    await assert.rejects(
      gs.renameLayer({ workspace: 'topo', name: 'nope' }, { workspace: 'topo', name: 'nope2' }, signal()),
      code('layer_not_found'),
    );
    await assert.rejects(gs.renameLayer(from, { workspace: 'other', name: 'roads' }, signal()), code('invalid_layer'));
    assert.deepEqual(layerNames(), ['topo:rivers', 'topo:roads']);
  });

  test('setAdvertised and updateMetadata change the resource; updateMetadata replaces the metadata as a whole', async () => {
    const ref = { workspace: 'topo', name: 'roads' };
    await gs.publishLayer(roads(), signal());
    await gs.setAdvertised(ref, false, signal());
    assert.equal((await gs.getLayer(ref, signal()))?.advertised, false);
    await gs.updateMetadata(ref, { abstract: 'New abstract', keywords: ['one'] }, signal());
    const metadata = (await gs.getLayer(ref, signal()))?.metadata;
    // Fields left out are cleared (explicit nulls: GeoServer's PUT is partial), so a rollback can restore.
    assert.deepEqual(metadata, { abstract: 'New abstract', keywords: ['one'] });
    assert.equal((await gs.getLayer(ref, signal()))?.advertised, false, 'advertised is no metadata');
    await assert.rejects(
      gs.setAdvertised({ workspace: 'topo', name: 'nope' }, true, signal()),
      code('layer_not_found'),
    );
    await assert.rejects(gs.updateMetadata({ workspace: 'topo', name: 'nope' }, {}, signal()), code('layer_not_found'));
  });

  test('GeoTIFF by reference: coverage store named after the layer, metadata kept, renamed along, removed with it', async () => {
    const raster = roads({ name: '_temp_dem', source: { kind: 'geotiff', path: '/data/dem.tif' }, advertised: false });
    await gs.publishLayer(raster, signal());
    const store = fake.state.stores.find((s) => s.kind === 'coverageStore');
    assert.deepEqual([store?.name, store?.url], ['_temp_dem', 'file:///data/dem.tif']);
    const layer = await gs.getLayer({ workspace: 'topo', name: '_temp_dem' }, signal());
    assert.deepEqual(
      [layer?.source, layer?.metadata.title, layer?.style],
      [{ kind: 'geotiff', path: '/data/dem.tif' }, 'Roads', 'raster'],
    );
    await gs.renameLayer({ workspace: 'topo', name: '_temp_dem' }, { workspace: 'topo', name: 'dem' }, signal());
    assert.deepEqual(
      fake.state.stores.map((s) => s.name),
      ['dem'],
    );
    assert.deepEqual(layerNames(), ['topo:dem']);
    await gs.removeLayer({ workspace: 'topo', name: 'dem' }, signal());
    assert.deepEqual([fake.state.stores.length, fake.state.resources.length], [0, 0]);
  });

  test('an embedded table is refused with a clear UserError, before any change', async () => {
    await assert.rejects(
      gs.publishLayer(roads({ source: { kind: 'embedded', schema: 'data', table: 'roads' } }), signal()),
      (e) => code('source_unsupported')(e) && /copy it to a PostGIS database/.test((e as Error).message),
    );
    assert.deepEqual(writes(), []);
  });

  test('invalid names and a missing workspace are refused before any request', async () => {
    await assert.rejects(gs.publishLayer(roads({ workspace: undefined }), signal()), code('invalid_layer'));
    await assert.rejects(gs.publishLayer(roads({ name: 'a.b' }), signal()), code('invalid_layer'));
    await assert.rejects(gs.publishLayer(roads({ workspace: 'x/y' }), signal()), code('invalid_layer'));
    assert.deepEqual(fake.requests, []);
  });

  test('an SLD body becomes a workspace style, shared by equal bodies, removed with its last layer', async () => {
    await gs.publishLayer(roads({ style: SLD('#ff0000') }), signal());
    await gs.publishLayer(roads({ name: 'rivers', source: pgSource('rivers'), style: SLD('#ff0000') }), signal());
    const styles = fake.state.styles.filter((s) => s.workspace === 'topo');
    assert.equal(styles.length, 1);
    const name = styles[0]!.name;
    assert.match(name, /^geosync_[0-9a-f]{16}$/);
    assert.equal((await gs.getLayer({ workspace: 'topo', name: 'roads' }, signal()))?.style, name);
    await gs.removeLayer({ workspace: 'topo', name: 'roads' }, signal());
    assert.equal(fake.state.styles.filter((s) => s.workspace === 'topo').length, 1, 'still used by rivers');
    await gs.removeLayer({ workspace: 'topo', name: 'rivers' }, signal());
    assert.equal(fake.state.styles.filter((s) => s.workspace === 'topo').length, 0);
  });

  test('a named style is looked up (workspace, then global); an unknown one fails before any change', async () => {
    await gs.publishLayer(roads({ style: 'line' }), signal());
    assert.equal((await gs.getLayer({ workspace: 'topo', name: 'roads' }, signal()))?.style, 'line');
    fake.requests.length = 0;
    await assert.rejects(
      gs.publishLayer(roads({ name: 'rivers', style: 'no_such_style' }), signal()),
      code('style_not_found'),
    );
    assert.deepEqual(writes(), []);
  });

  test('a style the server rejects: clear style_rejected error, and the workspace made for it is removed', async () => {
    await assert.rejects(
      gs.publishLayer(roads({ style: '<StyledLayerDescriptor><NamedLayer>' }), signal()),
      (e) => code('style_rejected')(e) && /rejected the layer's SLD: Style error/.test((e as Error).message),
    );
    assert.deepEqual([[...fake.state.workspaces.keys()], fake.state.stores.length, layerNames()], [[], 0, []]);
  });

  test('a remote that already has the layer (made by someone else) gets it replaced', async () => {
    // Made by hand on the server: other store of the same database, other title, unadvertised.
    const other = connect();
    await other.publishLayer(
      roads({ source: pgSource('roads_old', { schema: 'legacy' }), metadata: { title: 'Old' } }),
      signal(),
    );
    await gs.publishLayer(roads(), signal());
    const layer = await gs.getLayer({ workspace: 'topo', name: 'roads' }, signal());
    assert.deepEqual(
      [layer?.metadata.title, layer?.source.kind === 'postgis' && layer.source.schema],
      ['Roads', 'public'],
    );
    assert.deepEqual(layerNames(), ['topo:roads']);
    assert.deepEqual(
      fake.state.stores.map((s) => s.name),
      ['gis_public'],
      'the emptied store went',
    );
  });

  test('duplicate quirk: a resource left without its layer (500 "already exists") is replaced', async () => {
    await gs.publishLayer(roads(), signal());
    const orphan = fake.state.resources[0]!;
    orphan.layer = undefined;
    await gs.publishLayer(roads({ metadata: { title: 'Again' } }), signal());
    assert.ok(
      fake.requests.some((r) => r.status === 500),
      'the server answered the duplicate with 500',
    );
    assert.deepEqual(layerNames(), ['topo:roads']);
    assert.equal((await gs.getLayer({ workspace: 'topo', name: 'roads' }, signal()))?.metadata.title, 'Again');
  });

  test('a store of the same name pointing at another database is refused, not re-pointed', async () => {
    await gs.publishLayer(roads(), signal());
    await assert.rejects(
      gs.publishLayer(roads({ name: 'other', source: pgSource('x', { host: 'elsewhere' }) }), signal()),
      (e) => code('store_conflict')(e) && (e as UserError).status === 409,
    );
    assert.equal(fake.state.stores[0]?.params.host, 'db.internal');
  });

  test('a GeoServer failure (5xx) is an OperationalError with its text, the database password redacted', async () => {
    fake.failNext('POST', /\/datastores$/, 500, `Error connecting: password ${DB_PASSWORD} rejected`);
    await assert.rejects(gs.publishLayer(roads(), signal()), (e) => {
      assert.ok(e instanceof OperationalError && e.code === 'map_server_failed', String(e));
      assert.match(e.message, /Error connecting: password \*\*\* rejected/);
      return noSecretIn(e);
    });
    assert.deepEqual([...fake.state.workspaces.keys()], [], 'the workspace created for it was removed');
  });

  test('configureCache upserts the GWC layer; clearCache truncates with exactly text/xml', async () => {
    const ref = { workspace: 'topo', name: 'roads' };
    await gs.publishLayer(roads(), signal());
    await gs.clearCache(ref, signal());
    assert.deepEqual(fake.state.truncated, [], 'no tile layer: nothing to clear');
    await gs.configureCache(ref, { gridSets: ['EPSG:4326', 'EPSG:900913'], formats: ['image/png'] }, signal());
    await gs.configureCache(ref, { gridSets: ['EPSG:4326'], formats: ['image/png', 'image/jpeg'] }, signal());
    assert.deepEqual(
      [...fake.state.tileLayers.values()],
      [{ gridSets: ['EPSG:4326'], formats: ['image/png', 'image/jpeg'] }],
    );
    await gs.clearCache(ref, signal());
    assert.deepEqual(fake.state.truncated, ['topo:roads']);
    assert.equal(fake.requests.find((r) => r.url.endsWith('/masstruncate'))?.contentType, 'text/xml');
    await assert.rejects(
      gs.configureCache(
        { workspace: 'topo', name: 'nope' },
        { gridSets: ['EPSG:4326'], formats: ['image/png'] },
        signal(),
      ),
      code('layer_not_found'),
    );
    await assert.rejects(
      gs.configureCache(ref, { gridSets: [], formats: ['image/png'] }, signal()),
      code('invalid_cache'),
    );
  });

  test('setReadRoles adds, changes and removes the ws.layer.r rule', async () => {
    const ref = { workspace: 'topo', name: 'roads' };
    await gs.publishLayer(roads(), signal());
    await gs.setReadRoles(ref, ['ROLE_A', 'ROLE_B'], signal());
    assert.equal(fake.state.acl.get('topo.roads.r'), 'ROLE_A,ROLE_B');
    await gs.setReadRoles(ref, ['ROLE_A', 'ROLE_B'], signal());
    await gs.setReadRoles(ref, ['ROLE_C'], signal());
    assert.deepEqual((await gs.getLayer(ref, signal()))?.readRoles, ['ROLE_C']);
    await gs.setReadRoles(ref, [], signal());
    assert.equal(fake.state.acl.get('topo.roads.r'), 'ADMIN');
    assert.deepEqual((await gs.getLayer(ref, signal()))?.readRoles, []);
    await gs.setReadRoles(ref, undefined, signal());
    await gs.setReadRoles(ref, undefined, signal());
    assert.equal(fake.state.acl.has('topo.roads.r'), false);
    assert.equal((await gs.getLayer(ref, signal()))?.readRoles, undefined);
    assert.ok(
      fake.requests.every((r) => r.status !== 409),
      'no conflicting POST or PUT',
    );
    await assert.rejects(gs.setReadRoles(ref, ['A,B'], signal()), code('invalid_roles'));
  });
});

describe('geoserver logins and failures', () => {
  beforeEach(resetFake);

  test('wrong password: test() says the login was refused, publish is a UserError, no secret shown', async () => {
    const gs = connect(basic({ password: 'wrong-pw-0815' }));
    const result = await gs.test(signal());
    assert.equal(result.ok, false);
    assert.match(result.message, /refused the login of 'admin': check the user name and password/);
    assert.ok(!JSON.stringify(result).includes('wrong-pw-0815'));
    await assert.rejects(
      gs.publishLayer(roads(), signal()),
      (e) => code('map_server_login_refused')(e) && !(e as Error).message.includes('wrong-pw-0815'),
    );
  });

  test('a user who is no administrator: test() says so', async () => {
    const result = await connect(basic(FAKE_GEOSERVER_VIEWER)).test(signal());
    assert.deepEqual([result.ok, /'viewer' is not an administrator/.test(result.message)], [false, true]);
  });

  test('a URL with no GeoServer behind it: test() says to check the URL', async () => {
    const result = await connect(basic({ url: `${fake.url}/nothing-here` })).test(signal());
    assert.deepEqual(
      [result.ok, /No GeoServer REST API at .*\/nothing-here\/rest \(HTTP 404\)/.test(result.message)],
      [false, true],
    );
  });

  test('unreachable server: OperationalError map_server_unreachable naming the host', async () => {
    const gs = connect(basic({ url: `http://127.0.0.1:${closedPort}/geoserver` }));
    const where = `127.0.0.1:${closedPort}`;
    await assert.rejects(
      gs.getLayer({ workspace: 'topo', name: 'roads' }, signal()),
      (e) =>
        code('map_server_unreachable', OperationalError)(e) &&
        (e as Error).message === `Cannot reach GeoServer at ${where} (ECONNREFUSED)`,
    );
    const result = await gs.test(signal());
    assert.deepEqual([result.ok, result.message], [false, `Cannot reach GeoServer at ${where} (ECONNREFUSED)`]);
  });

  test('an aborted signal stops a call at once', async () => {
    await assert.rejects(connect().getLayer({ workspace: 'topo', name: 'roads' }, AbortSignal.abort()), {
      name: 'AbortError',
    });
  });

  test('keycloak: one token serves many calls; a token expired on the server is replaced on the 401', async () => {
    const gs = connect(keycloak());
    const issued = fake.tokensIssued;
    await gs.publishLayer(roads(), signal());
    await gs.getLayer({ workspace: 'topo', name: 'roads' }, signal());
    assert.equal(fake.tokensIssued - issued, 1, 'the token is cached');
    assert.ok(fake.requests.filter((r) => r.url.includes('/rest/')).every((r) => r.auth === 'bearer'));
    fake.expireTokens();
    await gs.setAdvertised({ workspace: 'topo', name: 'roads' }, false, signal());
    assert.equal(fake.tokensIssued - issued, 2, 'logged in again after the 401');
    assert.equal((await gs.getLayer({ workspace: 'topo', name: 'roads' }, signal()))?.advertised, false);
  });

  test('keycloak: a token is renewed before it expires', async () => {
    const short = await startFakeGeoServer({ tokenLifetimeSeconds: 1 });
    try {
      const gs = connect({ ...keycloak(), url: short.url, authUrl: short.authUrl });
      assert.equal((await gs.test(signal())).ok, true);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      assert.equal((await gs.test(signal())).ok, true);
      assert.equal(short.tokensIssued, 2);
      assert.ok(
        short.requests.every((r) => r.status !== 401),
        'renewed without a 401',
      );
    } finally {
      await short.close();
    }
  });

  test('keycloak: wrong client secret or wrong password are clear, with no secret shown', async () => {
    const badClient = await connect(keycloak({ clientSecret: 'not-the-client-secret' })).test(signal());
    assert.equal(badClient.ok, false);
    assert.match(
      badClient.message,
      /Keycloak at .* refused the login \(unauthorized_client: Invalid client or Invalid client credentials\)/,
    );
    assert.ok(!badClient.message.includes('not-the-client-secret'));
    const badUser = await connect(keycloak({ password: 'bad-user-pw-11' })).test(signal());
    assert.match(badUser.message, /refused the login \(invalid_grant: Invalid user credentials\)/);
    assert.ok(!badUser.message.includes('bad-user-pw-11'));
    const badRealm = await connect(keycloak({ realm: 'nope' })).test(signal());
    assert.match(badRealm.message, /has no such realm/);
  });
});
