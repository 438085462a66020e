import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';

import { zipFiles } from '../../src/connectors/geoserver/geoserver-zip.ts';

/**
 * What geosync expects of GeoServer's REST API, as HTTP-level checks (no geosync code): the
 * contract of /work/shared/reference/publication-targets-study.md §1, quirks included. The test
 * double (test/helpers/fake-geoserver.ts) must pass it; pointed at a real GeoServer
 * (GEOSYNC_TEST_GEOSERVER_URL...) it shows where the double is wrong. Everything it creates lives
 * in one workspace of a random name, removed at the end.
 */
export interface GeoserverRestSetup {
  /** e.g. http://127.0.0.1:8080/geoserver */
  url: string;
  /** An administrator. */
  username: string;
  password: string;
  /** A PostGIS table the server can reach; the feature-type checks are skipped without. */
  postgis?: {
    host: string;
    port: number;
    database: string;
    user: string;
    password: string;
    schema: string;
    table: string;
  };
  /** A GeoTIFF file the server can read (absolute path on its host); coverage checks skipped without. */
  geotiff?: string;
  /** A GeoTIFF file here, uploaded to the server (`file.geotiff`); upload checks skipped without. */
  geotiffUpload?: string;
  /**
   * An app-schema mapping the server can open (the app-schema plugin installed, its source
   * database reachable): the ZIP's files, the main one named `*.appschema`, and the feature type
   * it maps with its namespace. App-schema checks skipped without.
   */
  appSchema?: { files: Array<{ path: string; content: string }>; type: string; namespace: string };
  cleanup?: () => Promise<void>;
}

interface Answer {
  status: number;
  body: string;
  type: string;
}

const SLD = (name: string) =>
  '<?xml version="1.0" encoding="UTF-8"?>' +
  '<StyledLayerDescriptor version="1.0.0" xmlns="http://www.opengis.net/sld" xmlns:ogc="http://www.opengis.net/ogc">' +
  `<NamedLayer><Name>${name}</Name><UserStyle><Name>${name}</Name><Title>Rivières</Title><FeatureTypeStyle><Rule>` +
  '<PointSymbolizer><Graphic><Mark><WellKnownName>circle</WellKnownName></Mark><Size>6</Size></Graphic></PointSymbolizer>' +
  '</Rule></FeatureTypeStyle></UserStyle></NamedLayer></StyledLayerDescriptor>';

/** T | T[] | '' → T[]: GeoServer's JSON collapses one-element lists. */
const asList = <T>(v: T | T[] | '' | undefined): T[] => (v === undefined || v === '' ? [] : Array.isArray(v) ? v : [v]);

export function geoserverRestContract(name: string, make: () => Promise<GeoserverRestSetup | undefined>): void {
  describe(`GeoServer REST contract: ${name}`, () => {
    let setup: GeoserverRestSetup | undefined;
    const ws = `gsc_${randomBytes(4).toString('hex')}`;
    const auth = () => `Basic ${Buffer.from(`${setup!.username}:${setup!.password}`).toString('base64')}`;

    async function call(
      method: string,
      path: string,
      options: {
        json?: unknown;
        text?: string;
        bytes?: Buffer;
        type?: string;
        accept?: string | null;
        authorization?: string | null;
      } = {},
    ): Promise<Answer> {
      const headers: Record<string, string> = {};
      if (options.accept !== null) headers.accept = options.accept ?? 'application/json';
      if (options.authorization !== null) headers.authorization = options.authorization ?? auth();
      let body: string | Buffer | undefined;
      if (options.json !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(options.json);
      } else if (options.text !== undefined) {
        headers['content-type'] = options.type ?? 'text/plain';
        body = options.text;
      } else if (options.bytes !== undefined) {
        headers['content-type'] = options.type ?? 'application/octet-stream';
        body = options.bytes;
      }
      const response = await fetch(setup!.url.replace(/\/+$/, '') + path, {
        method,
        headers,
        body,
        signal: AbortSignal.timeout(30_000),
      });
      return { status: response.status, body: await response.text(), type: response.headers.get('content-type') ?? '' };
    }
    const json = <T>(a: Answer): T => JSON.parse(a.body) as T;
    const expect = (a: Answer, status: number, what: string) =>
      assert.equal(a.status, status, `${what}: HTTP ${a.status} ${a.body.slice(0, 200)}`);

    before(async () => {
      setup = await make();
    });
    after(async () => {
      if (setup) {
        await call('DELETE', `/rest/workspaces/${ws}?recurse=true`).catch(() => undefined);
        for (const key of [`${ws}.roads.r`, `${ws}.streets.r`]) {
          await call('DELETE', `/rest/security/acl/layers/${key}`).catch(() => undefined);
        }
      }
      await setup?.cleanup?.();
    });
    const skipUnlessSetUp = (t: { skip: (m: string) => void }) => {
      if (!setup) t.skip('no GeoServer configured');
      return !setup;
    };

    test('about/version answers an administrator in JSON; no or wrong credentials get 401', async (t) => {
      if (skipUnlessSetUp(t)) return;
      const ok = await call('GET', '/rest/about/version');
      expect(ok, 200, 'version');
      const resources = asList(json<{ about: { resource: Array<{ '@name': string }> } }>(ok).about.resource);
      assert.ok(resources.some((r) => r['@name'] === 'GeoServer'));
      expect(await call('GET', '/rest/about/version', { authorization: null }), 401, 'anonymous');
      const wrong = `Basic ${Buffer.from(`${setup!.username}:not-the-password`).toString('base64')}`;
      expect(await call('GET', '/rest/about/version', { authorization: wrong }), 401, 'wrong password');
    });

    test('without a format asked for, the answer is not JSON (HTML)', async (t) => {
      if (skipUnlessSetUp(t)) return;
      const a = await call('GET', '/rest/workspaces', { accept: null });
      assert.equal(a.status, 200);
      assert.doesNotMatch(a.type, /json/);
    });

    test('workspaces: 201 with the name as text, 409 on a duplicate, 404 in plain text, quietOnNotFound empty', async (t) => {
      if (skipUnlessSetUp(t)) return;
      const created = await call('POST', '/rest/workspaces', { json: { workspace: { name: ws } } });
      expect(created, 201, 'create');
      assert.equal(created.body, ws);
      expect(await call('POST', '/rest/workspaces', { json: { workspace: { name: ws } } }), 409, 'duplicate');
      expect(await call('GET', `/rest/workspaces/${ws}`), 200, 'get');
      const missing = await call('GET', `/rest/workspaces/${ws}_missing`);
      expect(missing, 404, 'missing');
      assert.match(missing.body, /No such workspace: '.*_missing' found/);
      const quiet = await call('GET', `/rest/workspaces/${ws}_missing?quietOnNotFound=true`);
      assert.deepEqual([quiet.status, quiet.body], [404, '']);
    });

    const pg = () =>
      setup!.postgis ?? {
        host: '127.0.0.1',
        port: 9,
        database: 'nowhere',
        user: 'gs',
        password: 'db-pw-x',
        schema: 'public',
        table: 'roads',
      };
    const storeBody = (name: string) => {
      const p = pg();
      const entries = {
        dbtype: 'postgis',
        host: p.host,
        port: String(p.port),
        database: p.database,
        user: p.user,
        passwd: p.password,
        schema: p.schema,
      };
      return {
        dataStore: {
          name,
          connectionParameters: { entry: Object.entries(entries).map(([k, v]) => ({ '@key': k, $: v })) },
        },
      };
    };

    test('datastores: 201, a duplicate is 500 in plain text, parameters come back as entries without the password', async (t) => {
      if (skipUnlessSetUp(t)) return;
      expect(await call('POST', `/rest/workspaces/${ws}/datastores`, { json: storeBody('pg') }), 201, 'create');
      const dup = await call('POST', `/rest/workspaces/${ws}/datastores`, { json: storeBody('pg') });
      expect(dup, 500, 'duplicate');
      assert.match(dup.body, /Store 'pg' already exists in workspace/);
      const got = json<{ dataStore: { connectionParameters: { entry: unknown } } }>(
        await call('GET', `/rest/workspaces/${ws}/datastores/pg`),
      );
      const entries = asList(got.dataStore.connectionParameters.entry as Array<{ '@key': string; $: string }>);
      assert.equal(entries.find((e) => e['@key'] === 'dbtype')?.$, 'postgis');
      const passwd = entries.find((e) => e['@key'] === 'passwd')?.$;
      assert.notEqual(passwd, pg().password, 'the password comes back encrypted');
      expect(await call('GET', `/rest/workspaces/${ws}/datastores/nope`), 404, 'unknown store');
    });

    const ft = (name: string) => `/rest/workspaces/${ws}/datastores/pg/featuretypes/${name}`;

    test('feature types: POST creates the layer; duplicate 500; PUT is partial; advertised lives on the resource', async (t) => {
      if (skipUnlessSetUp(t)) return;
      if (!setup!.postgis) return t.skip('needs a PostGIS table the server reaches');
      const body = {
        featureType: {
          name: 'roads',
          nativeName: pg().table,
          title: 'Roads',
          abstract: 'All roads',
          keywords: { string: ['roads'] },
          advertised: false,
        },
      };
      expect(await call('POST', `/rest/workspaces/${ws}/datastores/pg/featuretypes`, { json: body }), 201, 'create');
      const dup = await call('POST', `/rest/workspaces/${ws}/datastores/pg/featuretypes`, { json: body });
      expect(dup, 500, 'duplicate');
      assert.match(dup.body, /Resource named 'roads' already exists/);
      const layer = await call('GET', `/rest/layers/${ws}:roads`);
      expect(layer, 200, 'auto-created layer');
      assert.match(
        json<{ layer: { resource: { href: string } } }>(layer).layer.resource.href,
        /\/datastores\/pg\/featuretypes\/roads/,
      );
      expect(await call('PUT', ft('roads'), { json: { featureType: { title: 'Roads 2' } } }), 200, 'partial PUT');
      const got = json<{
        featureType: { title: string; abstract: string; advertised: boolean; keywords: { string: string | string[] } };
      }>(await call('GET', ft('roads')));
      assert.deepEqual(
        [got.featureType.title, got.featureType.abstract, got.featureType.advertised],
        ['Roads 2', 'All roads', false],
      );
      assert.deepEqual(asList(got.featureType.keywords.string), ['roads'], 'a one-element list, bare or not');
      expect(await call('PUT', ft('roads'), { json: { featureType: { advertised: true } } }), 200, 'advertise');
      assert.equal(
        json<{ featureType: { advertised: boolean } }>(await call('GET', ft('roads'))).featureType.advertised,
        true,
      );
      // The metadata map: a PUT that gives it replaces it; entries come back as {"@key","$"}.
      const metadata = { entry: [{ '@key': 'dataTimestamp', $: '2024-05-01T10:00:00.000Z' }] };
      expect(await call('PUT', ft('roads'), { json: { featureType: { metadata } } }), 200, 'metadata map');
      const back = json<{ featureType: { metadata?: { entry: unknown } } }>(await call('GET', ft('roads')));
      const entries = asList(back.featureType.metadata?.entry as Array<{ '@key': string; $: string }>);
      assert.equal(entries.find((e) => e['@key'] === 'dataTimestamp')?.$, '2024-05-01T10:00:00.000Z');
    });

    test('renaming a resource by PUT renames its layer and moves its data rules', async (t) => {
      if (skipUnlessSetUp(t)) return;
      if (!setup!.postgis) return t.skip('needs a PostGIS table the server reaches');
      expect(await call('POST', '/rest/security/acl/layers', { json: { [`${ws}.roads.r`]: 'ROLE_A' } }), 200, 'rule');
      expect(await call('PUT', ft('roads'), { json: { featureType: { name: 'streets' } } }), 200, 'rename');
      expect(await call('GET', `/rest/layers/${ws}:roads`), 404, 'old layer name');
      expect(await call('GET', `/rest/layers/${ws}:streets`), 200, 'new layer name');
      const rules = json<Record<string, string>>(await call('GET', '/rest/security/acl/layers'));
      assert.equal(rules[`${ws}.streets.r`], 'ROLE_A');
      assert.equal(rules[`${ws}.roads.r`], undefined);
    });

    test('styles: SLD upload 201, duplicate 403, invalid 400, a referenced style cannot be deleted (403)', async (t) => {
      if (skipUnlessSetUp(t)) return;
      if (!setup!.postgis) return t.skip('needs a PostGIS table the server reaches');
      const sld = 'application/vnd.ogc.sld+xml; charset=UTF-8';
      const up = await call('POST', `/rest/workspaces/${ws}/styles?name=dots`, { text: SLD('dots'), type: sld });
      expect(up, 201, 'upload');
      expect(
        await call('POST', `/rest/workspaces/${ws}/styles?name=dots`, { text: SLD('dots'), type: sld }),
        403,
        'duplicate',
      );
      expect(
        await call('POST', `/rest/workspaces/${ws}/styles?name=bad`, { text: '<NotAStyle', type: sld }),
        400,
        'invalid',
      );
      const back = await call('GET', `/rest/workspaces/${ws}/styles/dots.sld`, {
        accept: 'application/vnd.ogc.sld+xml',
      });
      assert.match(back.body, /Rivières/, 'UTF-8 kept when the charset is sent');
      expect(
        await call('PUT', `/rest/layers/${ws}:streets`, {
          json: { layer: { defaultStyle: { name: 'dots', workspace: ws } } },
        }),
        200,
        'assign',
      );
      const layer = json<{ layer: { defaultStyle: { name: string } } }>(
        await call('GET', `/rest/layers/${ws}:streets`),
      );
      assert.match(layer.layer.defaultStyle.name, /^(.+:)?dots$/);
      const del = await call('DELETE', `/rest/workspaces/${ws}/styles/dots?purge=true`);
      expect(del, 403, 'referenced');
    });

    test('GWC: layer PUT is an upsert (200 twice); masstruncate wants exactly text/xml', async (t) => {
      if (skipUnlessSetUp(t)) return;
      if (!setup!.postgis) return t.skip('needs a PostGIS table the server reaches');
      const xml = `<GeoServerLayer><enabled>true</enabled><name>${ws}:streets</name><mimeFormats><string>image/png</string></mimeFormats><gridSubsets><gridSubset><gridSetName>EPSG:4326</gridSetName></gridSubset></gridSubsets></GeoServerLayer>`;
      expect(
        await call('PUT', `/gwc/rest/layers/${ws}:streets.xml`, { text: xml, type: 'text/xml', accept: 'text/xml' }),
        200,
        'create',
      );
      expect(
        await call('PUT', `/gwc/rest/layers/${ws}:streets.xml`, { text: xml, type: 'text/xml', accept: 'text/xml' }),
        200,
        'modify',
      );
      const truncate = `<truncateLayer><layerName>${ws}:streets</layerName></truncateLayer>`;
      expect(
        await call('POST', '/gwc/rest/masstruncate', { text: truncate, type: 'text/xml; charset=UTF-8' }),
        400,
        'with charset',
      );
      expect(await call('POST', '/gwc/rest/masstruncate', { text: truncate, type: 'text/xml' }), 200, 'exact type');
    });

    test('a resource with a layer cannot be deleted without recurse (403); layer then resource; a repeat is 404', async (t) => {
      if (skipUnlessSetUp(t)) return;
      if (!setup!.postgis) return t.skip('needs a PostGIS table the server reaches');
      expect(await call('DELETE', ft('streets')), 403, 'referenced by its layer');
      expect(await call('DELETE', `/rest/layers/${ws}:streets`), 200, 'layer');
      expect(
        await call('GET', `/gwc/rest/layers/${ws}:streets.xml`, { accept: 'text/xml' }),
        404,
        'tile layer went with the layer',
      );
      expect(await call('DELETE', ft('streets')), 200, 'resource');
      expect(await call('DELETE', ft('streets')), 404, 'again');
      expect(await call('DELETE', `/rest/workspaces/${ws}/datastores/pg`), 200, 'now empty store');
    });

    test('coverage store and a name-only coverage POST create a raster layer', async (t) => {
      if (skipUnlessSetUp(t)) return;
      if (!setup!.geotiff) return t.skip('needs a GeoTIFF the server reads');
      const file = setup!.geotiff;
      const store = {
        coverageStore: { name: 'dem', type: 'GeoTIFF', enabled: true, workspace: { name: ws }, url: `file://${file}` },
      };
      expect(await call('POST', `/rest/workspaces/${ws}/coveragestores`, { json: store }), 201, 'store');
      expect(await call('POST', `/rest/workspaces/${ws}/coveragestores`, { json: store }), 500, 'duplicate store');
      const native = (file.split('/').pop() ?? '').replace(/\.[^.]*$/, '');
      const coverages = `/rest/workspaces/${ws}/coveragestores/dem/coverages`;
      expect(
        await call('POST', coverages, { json: { coverage: { name: 'dem', nativeName: native, title: 'dropped' } } }),
        201,
        'coverage',
      );
      const got = json<{ coverage: { title?: string } }>(await call('GET', `${coverages}/dem`));
      assert.notEqual(got.coverage.title, 'dropped', 'a name-only POST rebuilds the coverage from the file');
      expect(await call('GET', `/rest/layers/${ws}:dem`), 200, 'layer');
    });

    test('GeoTIFF upload: PUT file.geotiff (configure=first, coverageName) makes store, coverage and layer; a repeat replaces', async (t) => {
      if (skipUnlessSetUp(t)) return;
      if (!setup!.geotiffUpload) return t.skip('needs a GeoTIFF to upload');
      const bytes = await readFile(setup!.geotiffUpload);
      const upload = `/rest/workspaces/${ws}/coveragestores/up/file.geotiff?configure=first&coverageName=upcov`;
      const first = await call('PUT', upload, { bytes, type: 'image/tiff' });
      assert.ok([200, 201].includes(first.status), `upload: HTTP ${first.status} ${first.body}`);
      expect(await call('GET', `/rest/layers/${ws}:upcov`), 200, 'layer');
      const store = json<{ coverageStore: { url: string } }>(
        await call('GET', `/rest/workspaces/${ws}/coveragestores/up`),
      );
      assert.match(store.coverageStore.url, /^file:/, 'the store points at the uploaded copy');
      const again = await call('PUT', upload, { bytes, type: 'image/tiff' });
      assert.ok([200, 201].includes(again.status), `repeat: HTTP ${again.status} ${again.body}`);
      expect(await call('DELETE', `/rest/workspaces/${ws}/coveragestores/up?recurse=true&purge=all`), 200, 'delete');
    });

    test('namespaces: POST makes the workspace with that URI; GET gives the URI back', async (t) => {
      if (skipUnlessSetUp(t)) return;
      const prefix = `${ws}_ns`;
      const uri = `http://example.org/${prefix}`;
      expect(await call('POST', '/rest/namespaces', { json: { namespace: { prefix, uri } } }), 201, 'create');
      expect(await call('GET', `/rest/workspaces/${prefix}`), 200, 'the workspace came with it');
      const got = json<{ namespace: { uri: string } }>(await call('GET', `/rest/namespaces/${prefix}`));
      assert.equal(got.namespace.uri, uri);
      expect(await call('DELETE', `/rest/workspaces/${prefix}?recurse=true`), 200, 'delete');
    });

    test('app-schema: a ZIP upload (configure=none) makes the store only; a feature type is then POSTed by native name', async (t) => {
      if (skipUnlessSetUp(t)) return;
      const app = setup!.appSchema;
      if (!app) return t.skip('needs an app-schema mapping the server can open');
      const prefix = `${ws}_as`;
      expect(
        await call('POST', '/rest/namespaces', { json: { namespace: { prefix, uri: app.namespace } } }),
        201,
        'ns',
      );
      const upload = `/rest/workspaces/${prefix}/datastores/mapped/file.appschema?configure=none`;
      const noMain = await call('PUT', upload, {
        bytes: zipFiles([{ path: 'readme.txt', content: 'no mapping here' }]),
        type: 'application/zip',
      });
      expect(noMain, 400, 'a ZIP without *.appschema');
      const made = await call('PUT', upload, { bytes: zipFiles(app.files), type: 'application/zip' });
      assert.ok([200, 201].includes(made.status), `upload: HTTP ${made.status} ${made.body}`);
      const store = json<{ dataStore: { connectionParameters: { entry: unknown } } }>(
        await call('GET', `/rest/workspaces/${prefix}/datastores/mapped`),
      );
      const params = asList(store.dataStore.connectionParameters.entry as Array<{ '@key': string; $: string }>);
      assert.equal(params.find((e) => e['@key'] === 'dbtype')?.$, 'app-schema');
      expect(await call('GET', `/rest/layers/${prefix}:${app.type}`), 404, 'configure=none publishes nothing');
      const fts = `/rest/workspaces/${prefix}/datastores/mapped/featuretypes`;
      expect(await call('POST', fts, { json: { featureType: { name: 'renamed', nativeName: app.type } } }), 201, 'ft');
      expect(await call('GET', `/rest/layers/${prefix}:renamed`), 200, 'layer under its own name');
      expect(await call('DELETE', `/rest/workspaces/${prefix}?recurse=true`), 200, 'delete');
    });

    test('data rules: POST 200 then 409, PUT of an unknown rule 409, bad key 422, DELETE 200 then 404', async (t) => {
      if (skipUnlessSetUp(t)) return;
      const rules = '/rest/security/acl/layers';
      const key = `${ws}.roads.r`;
      await call('DELETE', `${rules}/${key}`);
      expect(await call('POST', rules, { json: { [key]: 'ROLE_A,ROLE_B' } }), 200, 'add');
      const conflict = await call('POST', rules, { json: { [key]: 'ROLE_A' } });
      expect(conflict, 409, 'add again');
      assert.match(conflict.body, /Already existing rules/);
      expect(await call('PUT', rules, { json: { [`${ws}.nothere.r`]: 'ROLE_A' } }), 409, 'modify unknown');
      expect(await call('POST', rules, { json: { [`${ws}.x`]: 'ROLE_A' } }), 422, 'bad key');
      expect(await call('PUT', rules, { json: { [key]: 'ROLE_C' } }), 200, 'modify');
      assert.equal(json<Record<string, string>>(await call('GET', rules))[key], 'ROLE_C');
      expect(await call('DELETE', `${rules}/${key}`), 200, 'delete');
      expect(await call('DELETE', `${rules}/${key}`), 404, 'delete again');
    });

    test('a workspace with content is not deleted without recurse (403)', async (t) => {
      if (skipUnlessSetUp(t)) return;
      expect(await call('POST', `/rest/workspaces/${ws}/datastores`, { json: storeBody('pg2') }), 201, 'store');
      expect(await call('DELETE', `/rest/workspaces/${ws}`), 403, 'not empty');
      expect(await call('DELETE', `/rest/workspaces/${ws}?recurse=true`), 200, 'recurse');
      expect(await call('DELETE', `/rest/workspaces/${ws}?recurse=true`), 404, 'again');
    });
  });
}
