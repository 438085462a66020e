// Bad input and failures of the GeoServer connector, against the GeoServer test double
// (test/helpers/fake-geoserver.ts): each gives a clear error with no secret in it, and leaves
// GeoServer as it was.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { after, before, beforeEach, test } from 'node:test';

import {
  FAKE_GEOSERVER_ADMIN,
  FAKE_KEYCLOAK,
  type FakeGeoServer,
  FakeGeoServerState,
  startFakeGeoServer,
} from '../../../test/helpers/fake-geoserver.ts';
import { OperationalError, UserError } from '../../errors/errors.ts';
import type { LayerDefinition } from '../publisher.ts';
import { type GeoserverConnector, geoserverConnectorType as type } from './geoserver.connector.ts';

let fake: FakeGeoServer;
let closedPort: number;
before(async () => {
  fake = await startFakeGeoServer();
  const probe = net.createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  closedPort = (probe.address() as net.AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
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
const keycloak = () => connect({ authentication: 'keycloak', authUrl: fake.authUrl, ...FAKE_KEYCLOAK });
const signal = () => AbortSignal.timeout(20_000);
const DB_PASSWORD = 'db-pw-bad-input-8812';
const SECRETS = [DB_PASSWORD, FAKE_GEOSERVER_ADMIN.password, FAKE_KEYCLOAK.clientSecret, 'wrong-pw-4242'];
const snapshot = () =>
  JSON.stringify({ ...fake.state, workspaces: [...fake.state.workspaces], acl: [...fake.state.acl] });
const roads = (extra: Partial<LayerDefinition> = {}): LayerDefinition => ({
  workspace: 'topo',
  name: 'roads',
  source: {
    kind: 'postgis',
    host: 'db.internal',
    port: 5432,
    database: 'gis',
    user: 'gs',
    password: DB_PASSWORD,
    schema: 'public',
    table: 'roads',
  },
  metadata: { title: 'Roads' },
  advertised: true,
  ...extra,
});

/** The error has `code` and kind, a message matching `text`, and no secret anywhere. */
function clear(code: string, text: RegExp, kind: typeof UserError | typeof OperationalError = UserError) {
  return (error: unknown) => {
    assert.ok(error instanceof kind, `${String(error)}`);
    assert.equal(error.code, code);
    assert.match(error.message, text);
    const shown = `${error.message} ${JSON.stringify(error)}`;
    for (const secret of SECRETS) assert.ok(!shown.includes(secret), `secret shown: ${shown}`);
    return true;
  };
}

test('unreachable server: map_server_unreachable naming the host, nothing else tried', async () => {
  const gs = connect({ url: `http://127.0.0.1:${closedPort}/geoserver` });
  await assert.rejects(
    gs.publishLayer(roads(), signal()),
    clear(
      'map_server_unreachable',
      new RegExp(`Cannot reach GeoServer at 127\\.0\\.0\\.1:${closedPort} \\(ECONNREFUSED\\)`),
      OperationalError,
    ),
  );
});

test('wrong credentials: a 401 names the account and says what to check, without the password; nothing changes', async () => {
  const before = snapshot();
  await assert.rejects(
    connect({ password: 'wrong-pw-4242' }).publishLayer(roads(), signal()),
    clear(
      'map_server_login_refused',
      /GeoServer at 127\.0\.0\.1:\d+ refused the login of 'admin' \(HTTP 401\) on GET \/geoserver\/rest\/workspaces\/topo: check the user name and password of the connection/,
    ),
  );
  assert.equal(snapshot(), before);
});

test('expired Keycloak token: one new login; when Keycloak then refuses, a clear error and nothing half done', async () => {
  const gs = keycloak();
  await gs.publishLayer(roads(), signal());
  const before = snapshot();
  const logins = () => fake.requests.filter((r) => r.url.endsWith('/openid-connect/token')).length;
  const loginsBefore = logins();
  fake.expireTokens();
  fake.failNext(
    'POST',
    /\/openid-connect\/token$/,
    400,
    JSON.stringify({ error: 'invalid_grant', error_description: 'Account disabled' }),
  );
  await assert.rejects(
    gs.publishLayer(roads({ name: 'rivers' }), signal()),
    clear('map_server_login_refused', /Keycloak at .* refused the login \(invalid_grant: Account disabled\)/),
  );
  assert.equal(logins() - loginsBefore, 1, 'one new login, no loop');
  assert.equal(snapshot(), before);
});

test('an SLD the server rejects: its reason in the message, the layer it would replace untouched, nothing half-created', async () => {
  const gs = connect();
  await gs.publishLayer(roads(), signal());
  const before = snapshot();
  await assert.rejects(
    gs.publishLayer(
      roads({ name: '_temp_5_roads', advertised: false, style: '<StyledLayerDescriptor><oops>' }),
      signal(),
    ),
    clear('style_rejected', /rejected the layer's SLD: Style error\./),
  );
  assert.equal(snapshot(), before);
});

test('a layer name taken by a resource of another store: layer_conflict, and the store made for it is removed', async () => {
  const gs = connect();
  await gs.publishLayer(
    roads({ source: { ...roads().source, schema: 'legacy' } as LayerDefinition['source'] }),
    signal(),
  );
  // Someone removed the layer by hand but left its resource behind in its store.
  fake.state.resources[0]!.layer = undefined;
  const before = snapshot();
  await assert.rejects(
    gs.publishLayer(roads(), signal()),
    clear(
      'layer_conflict',
      /cannot create layer 'topo:roads': a resource named 'roads' already exists in workspace 'topo'/,
    ),
  );
  assert.equal(snapshot(), before);
});

test('a remote that already has the layer: publishing under a temp name leaves it untouched', async () => {
  const gs = connect();
  await gs.publishLayer(roads({ metadata: { title: 'Live', keywords: ['x'] } }), signal());
  await gs.setReadRoles({ workspace: 'topo', name: 'roads' }, ['ROLE_GIS'], signal());
  const live = () => gs.getLayer({ workspace: 'topo', name: 'roads' }, signal());
  const before = await live();
  await gs.publishLayer(roads({ name: '_temp_9_roads', metadata: { title: 'New' }, advertised: false }), signal());
  assert.deepEqual(await live(), before);
  // Rolled back: the live layer is as it was.
  await gs.removeLayer({ workspace: 'topo', name: '_temp_9_roads' }, signal());
  assert.deepEqual(await live(), before);
  assert.equal(fake.state.stores.length, 1);
});
