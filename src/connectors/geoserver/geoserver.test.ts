// Unit tests only (no server): the connector contract, the publisher and the REST contract run
// against the GeoServer test double in geoserver.integration.test.ts and
// geoserver-rest.integration.test.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { OperationalError, UserError } from '../../errors/errors.ts';
import { isPublisher } from '../publisher.ts';
import { errorText, httpError, keycloakError, redact } from './geoserver-errors.ts';
import { asList, fromEntries, locationFromHref, metadataFields, metadataOf } from './geoserver-json.ts';
import { dataStoreName, qualify } from './geoserver-names.ts';
import { rolesOf } from './geoserver-security.ts';
import { geoserverConnectorType as type } from './geoserver.connector.ts';

const basic = { url: 'https://maps.example.org/geoserver', username: 'admin', password: 'geoserver-pw' };
const keycloak = {
  ...basic,
  authentication: 'keycloak',
  realm: 'gis',
  authUrl: 'https://sso.example.org/auth',
  clientId: 'geosync',
  clientSecret: 'kc-client-secret',
};

const badConfigs = [
  { config: { ...basic, url: 'maps.example.org' }, field: 'url' },
  { config: { ...basic, url: 'file:///etc' }, field: 'url' },
  { config: { ...basic, password: undefined }, field: 'password' },
  { config: { ...basic, authentication: 'digest' }, field: 'authentication' },
  { config: { ...basic, realm: 'gis' }, field: 'realm' },
  { config: { ...basic, clientSecret: 'x' }, field: 'clientSecret' },
  { config: { ...keycloak, realm: undefined }, field: 'realm' },
  { config: { ...keycloak, authUrl: undefined }, field: 'authUrl' },
  { config: { ...keycloak, authUrl: 'sso' }, field: 'authUrl' },
  { config: { ...keycloak, clientId: undefined }, field: 'clientId' },
];

describe('geoserver settings', () => {
  test('geoserver is usable and keeps the password and client secret sealed', () => {
    assert.equal(type.testable, true);
    assert.deepEqual(type.secretFields, ['password', 'clientSecret']);
    assert.ok(type.config.safeParse(basic).success);
    assert.ok(type.config.safeParse(keycloak).success);
    assert.ok(type.config.safeParse({ ...keycloak, clientSecret: undefined }).success, 'public Keycloak client');
  });

  test('bad settings are refused, naming the field', () => {
    for (const { config, field } of badConfigs) {
      const result = type.config.safeParse(config);
      assert.ok(!result.success, `accepted ${JSON.stringify(config)}`);
      assert.ok(
        result.error.issues.some((i) => i.path.join('.') === field),
        `no issue on ${field}`,
      );
    }
  });

  test('the connector is a publisher; test() with an aborted signal answers at once, without the network', async () => {
    const connector = type.create(type.config.parse(keycloak), { dataDir: '/nonexistent' });
    assert.ok(isPublisher(connector));
    const result = await connector.test(AbortSignal.abort());
    assert.deepEqual([result.ok, result.message], [false, 'The connection test was cancelled']);
    await connector.close();
    await connector.close();
  });
});

describe('geoserver JSON (XStream/Jettison forms)', () => {
  test('lists: one element bare, empty as "" or absent', () => {
    assert.deepEqual(asList('a'), ['a']);
    assert.deepEqual(asList(['a', 'b']), ['a', 'b']);
    assert.deepEqual(asList(''), []);
    assert.deepEqual(asList(undefined), []);
  });

  test('maps as entries, one entry bare', () => {
    assert.deepEqual(fromEntries({ entry: { '@key': 'host', $: 'db' } }), { host: 'db' });
    assert.deepEqual(fromEntries({ entry: [{ '@key': 'port', $: 5432 }, { '@key': 'x' }] }), { port: '5432', x: '' });
    assert.deepEqual(fromEntries(''), {});
  });

  test('metadata read back: keyword vocabulary suffix dropped, one link bare', () => {
    const metadata = metadataOf({
      name: 'roads',
      title: 'Roads',
      keywords: { string: 'roads\\@language=en\\;\\@vocabulary=GEMET\\;' },
      metadataLinks: { metadataLink: { type: 'text/xml', metadataType: 'ISO19115:2003', content: 'https://csw/1' } },
    });
    assert.deepEqual(metadata, {
      title: 'Roads',
      keywords: ['roads'],
      metadataLinks: [{ href: 'https://csw/1', type: 'ISO19115:2003', format: 'text/xml' }],
    });
  });

  test('metadata written: replace clears what is missing, update leaves it out', () => {
    assert.deepEqual(metadataFields({ title: 'T' }, true), {
      title: 'T',
      abstract: null,
      keywords: { string: [] },
      metadataLinks: { metadataLink: [] },
    });
    assert.deepEqual(metadataFields({ title: 'T' }, false), { title: 'T' });
  });

  test('resource location from a layer href', () => {
    assert.deepEqual(
      locationFromHref('http://h/geoserver/rest/workspaces/topo/datastores/gis_public/featuretypes/roads.json'),
      { workspace: 'topo', kind: 'featureType', store: 'gis_public', name: 'roads' },
    );
    assert.deepEqual(locationFromHref('https://h/rest/workspaces/w/coveragestores/dem/coverages/dem%20x.xml'), {
      workspace: 'w',
      kind: 'coverage',
      store: 'dem',
      name: 'dem x',
    });
    assert.equal(locationFromHref('http://h/rest/workspaces/w/wmsstores/s/wmslayers/l.json'), undefined);
  });
});

describe('geoserver names, rules and errors', () => {
  test('names: a workspace is required, dots and slashes refused', () => {
    assert.deepEqual(qualify({ workspace: 'topo', name: '_temp_1-a' }), { workspace: 'topo', name: '_temp_1-a' });
    for (const ref of [{ name: 'roads' }, { workspace: 'topo', name: 'a.b' }, { workspace: 'a/b', name: 'x' }]) {
      assert.throws(
        () => qualify(ref),
        (e) => e instanceof UserError && e.code === 'invalid_layer',
      );
    }
    const source = { kind: 'postgis', host: 'h', port: 5432, user: 'u', table: 't' } as const;
    assert.equal(dataStoreName({ ...source, database: 'my-db', schema: 'the schema' }), 'my-db_the_schema');
  });

  test('rule values: roles listed, ADMIN alone is the empty list, no rule is undefined', () => {
    assert.deepEqual(rolesOf('ROLE_A, ROLE_B'), ['ROLE_A', 'ROLE_B']);
    assert.deepEqual(rolesOf('ADMIN'), []);
    assert.deepEqual(rolesOf('*'), ['*']);
    assert.equal(rolesOf(undefined), undefined);
  });

  test('HTTP answers become user or operational errors; HTML error pages are reduced to text', () => {
    const call = {
      host: 'gs:8080',
      what: 'POST /geoserver/rest/x',
      body: '<html><body><h1>HTTP 400</h1><p>Bad thing</p></body></html>',
    };
    const e400 = httpError({ ...call, status: 400 });
    assert.ok(e400 instanceof UserError && e400.code === 'map_server_rejected');
    assert.equal(e400.message, 'GeoServer at gs:8080 rejected POST /geoserver/rest/x (HTTP 400): HTTP 400 Bad thing');
    assert.equal((httpError({ ...call, status: 401 }) as UserError).status, 403);
    assert.equal(httpError({ ...call, status: 404 }).code, 'not_found');
    assert.equal((httpError({ ...call, status: 409 }) as UserError).status, 409);
    assert.ok(httpError({ ...call, status: 503 }) instanceof OperationalError);
    assert.equal(errorText('x'.repeat(400)).length, 300);
    assert.equal(redact('pw is s3cret and s3cret', ['s3cret', '']), 'pw is *** and ***');
  });

  test('a password GeoServer echoes JSON- or XML-escaped is blanked too', () => {
    const secret = 'p"a&<s\\s';
    const echoed = `json {"passwd":${JSON.stringify(secret)}} xml <passwd>p&quot;a&amp;&lt;s\\s</passwd> raw ${secret}`;
    const shown = redact(echoed, [secret]);
    assert.equal(shown, 'json {"passwd":"***"} xml <passwd>***</passwd> raw ***');
  });

  test('Keycloak refusals say what to check', () => {
    const refused = keycloakError(
      'sso:443',
      401,
      '{"error":"invalid_grant","error_description":"Invalid user credentials"}',
    );
    assert.ok(refused instanceof UserError && refused.code === 'map_server_login_refused');
    assert.match(refused.message, /refused the login \(invalid_grant: Invalid user credentials\)/);
    assert.ok(keycloakError('sso:443', 502, 'Bad gateway') instanceof OperationalError);
  });
});
