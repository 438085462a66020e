/**
 * FakeGeoServer: a TEST DOUBLE of GeoServer's REST API (and of GeoWebCache's, and of a
 * Keycloak token endpoint), in-process on 127.0.0.1 and a free port. GeoServer cannot be
 * installed here (no WAR, no network), so geosync's GeoServer client is tested against this
 * double, which follows the contract written down in
 * /work/shared/reference/publication-targets-study.md §1 (read from GeoServer's docs and
 * source), quirks included. test/contracts/geoserver-rest.contract.ts holds that contract as
 * HTTP-level checks: this double passes them, and a real GeoServer can be pointed at them
 * (GEOSYNC_TEST_GEOSERVER_URL) to find where the double is wrong.
 *
 * What it models: workspaces (POST /workspaces, POST /namespaces), PostGIS datastores, feature
 * types (POST creates the layer too), GeoTIFF coverage stores and coverages (by reference, or by
 * upload: `file.geotiff`, `external.geotiff`), app-schema stores by upload (`file.appschema`, a
 * mapping or a ZIP with `*.appschema`; one enabled store per mapped type), the resource metadata
 * map, layers (GET, PUT, DELETE, default style), styles (SLD upload), advertised/enabled on the
 * resource, PUT as partial update, data-access rules, GWC tile layers and masstruncate, basic
 * auth, Keycloak bearer tokens.
 *
 * Quirks pinned (so the client must cope): duplicate store/resource = 500 plain text, duplicate
 * workspace = 409, duplicate style and deleting a referenced style/resource/store = 403, 404
 * with a plain-text message (an empty body with `quietOnNotFound=true`), one-element lists
 * collapsed to the bare element and empty collections as `""` in JSON, no format asked = HTML,
 * GWC PUT = 200 on create and on change, masstruncate's exact `text/xml` Content-Type, a
 * name-only coverage POST dropping the metadata, style bodies without charset read as Latin-1,
 * renaming a resource moves its data-access rules (SecuredResourceNameChangeListener) and its
 * tile layer, removing one leaves its rules.
 *
 * Limits (what it does NOT do): JSON only on /rest (XML bodies get 415); no database or file is
 * touched (a feature type over a missing table, a coverage over a missing file are accepted);
 * no OGC services (GetCapabilities); SLD checked for well-formedness and root element only.
 * Answers marked "unverified" below are guesses where the study had no source.
 */
import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { childElements, firstChild, textOf, type XmlElement } from '../../src/lib/xml/xml-node.ts';
import { parseXml } from '../../src/lib/xml/xml-parser.ts';
import { readZip } from '../../src/lib/zip/zip-reader.ts';

export const FAKE_GEOSERVER_ADMIN = { username: 'admin', password: 'fake-gs-admin-pw-5e1f' } as const;
/** A user GeoServer knows but who is no administrator: 403 on /rest. */
export const FAKE_GEOSERVER_VIEWER = { username: 'viewer', password: 'fake-gs-viewer-pw-77a0' } as const;
export const FAKE_KEYCLOAK = { realm: 'gis', clientId: 'geosync', clientSecret: 'fake-kc-client-secret-19c2' } as const;

/** The namespace of the sample app-schema mappings (`appSchemaMapping`). */
export const FAKE_APP_SCHEMA_NS = { prefix: 'ex', uri: 'http://example.org/ex' } as const;

/**
 * A small app-schema mapping of feature type(s) `ex:<type>` over table `table` of a PostGIS
 * source, with `${...}` placeholders as the Task Manager's templates write them, for tests.
 */
export function appSchemaMapping(types: string | string[], table = '#{roads}', extra = ''): string {
  const list = typeof types === 'string' ? [types] : types;
  return (
    '<as:AppSchemaDataAccess xmlns:as="http://www.geotools.org/app-schema">' +
    `<namespaces><Namespace><prefix>${FAKE_APP_SCHEMA_NS.prefix}</prefix><uri>${FAKE_APP_SCHEMA_NS.uri}</uri></Namespace></namespaces>` +
    '<sourceDataStores><DataStore><id>db</id><parameters>' +
    '<Parameter><name>dbtype</name><value>postgis</value></Parameter>' +
    '<Parameter><name>host</name><value>${host}</value></Parameter><Parameter><name>port</name><value>${port}</value></Parameter>' +
    '<Parameter><name>database</name><value>${database}</value></Parameter><Parameter><name>schema</name><value>${schema}</value></Parameter>' +
    '<Parameter><name>user</name><value>${user}</value></Parameter><Parameter><name>passwd</name><value>${password}</value></Parameter>' +
    `</parameters></DataStore></sourceDataStores>${extra}` +
    `<targetTypes>${list.map((t) => `<FeatureType><schemaUri>${t}.xsd</schemaUri></FeatureType>`).join('')}</targetTypes><typeMappings>` +
    list
      .map(
        (t) =>
          `<FeatureTypeMapping><sourceDataStore>db</sourceDataStore><sourceType>${table}</sourceType>` +
          `<targetElement>${FAKE_APP_SCHEMA_NS.prefix}:${t}</targetElement></FeatureTypeMapping>`,
      )
      .join('') +
    '</typeMappings></as:AppSchemaDataAccess>'
  );
}

export interface FakeGeoServerOptions {
  /** Lifetime of Keycloak access tokens (default 300 s). */
  tokenLifetimeSeconds?: number;
}

export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. `/geoserver/rest/workspaces?quietOnNotFound=true`. */
  url: string;
  contentType: string | undefined;
  auth: 'basic' | 'bearer' | 'none';
  status: number;
}

interface MetadataLinkJson {
  type?: string;
  metadataType?: string;
  content?: string;
}

export interface FakeResource {
  id: string;
  kind: 'featureType' | 'coverage';
  workspace: string;
  store: string;
  name: string;
  nativeName: string;
  title?: string;
  abstract?: string;
  keywords: string[];
  metadataLinks: MetadataLinkJson[];
  advertised: boolean;
  enabled: boolean;
  srs?: string;
  /** The auto-created layer; undefined once the layer alone was deleted. */
  layer?: { defaultStyle: { name: string; workspace?: string } };
  /** The resource's metadata map, as the JSON `entry` list (kept as sent). */
  metadata?: unknown[];
}

export interface FakeStore {
  workspace: string;
  name: string;
  kind: 'dataStore' | 'coverageStore';
  type: string;
  enabled: boolean;
  params: Record<string, string>;
  url?: string;
  /** Files uploaded into the store (`file.geotiff`, `file.appschema`), by name. */
  files?: Map<string, Buffer>;
  /** App-schema stores: the feature types the main mapping maps. */
  mappedTypes?: Array<{ uri: string; local: string }>;
}

export interface FakeStyle {
  workspace?: string;
  name: string;
  body: string;
}

export interface FakeTileLayer {
  formats: string[];
  gridSets: string[];
}

/** Everything the double holds; tests may read and seed it. */
export class FakeGeoServerState {
  workspaces = new Map<string, { name: string; uri: string }>();
  stores: FakeStore[] = [];
  resources: FakeResource[] = [];
  styles: FakeStyle[] = ['generic', 'point', 'line', 'polygon', 'raster'].map((name) => ({
    name,
    body: `<StyledLayerDescriptor><NamedLayer><Name>${name}</Name></NamedLayer></StyledLayerDescriptor>`,
  }));
  /** Tile layers by resource id: they follow renames and go with the layer. */
  tileLayers = new Map<string, FakeTileLayer>();
  acl = new Map<string, string>([
    ['*.*.r', '*'],
    ['*.*.w', '*'],
  ]);
  /** Layer names (`ws:name`) masstruncate emptied, in order. */
  truncated: string[] = [];

  layer(workspace: string, name: string): FakeResource | undefined {
    return this.resources.find((r) => r.workspace === workspace && r.name === name && r.layer);
  }
}

class Fail extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A non-JSON answer: plain text (or `type`), with a status. */
class Raw {
  constructor(
    readonly status: number,
    readonly text: string,
    readonly type = 'text/plain',
    readonly location?: string,
  ) {}
}

const notFound = (message: string) => new Fail(404, message);
const list = <T>(items: T[]): T | T[] => (items.length === 1 ? (items[0] as T) : items);
const collection = <T>(outer: string, inner: string, items: T[]) => ({
  [outer]: items.length === 0 ? '' : { [inner]: list(items) },
});

interface Call {
  method: string;
  segments: string[];
  query: URLSearchParams;
  body: Buffer;
  contentType: string;
  /** `json`, `xml`, `html`, `sld` from the path's extension or the Accept header. */
  format: string;
  base: string;
}

export interface FakeGeoServer {
  /** GeoServer's base URL, e.g. http://127.0.0.1:PORT/geoserver. */
  url: string;
  /** The Keycloak base URL for the settings' `authUrl`. */
  authUrl: string;
  state: FakeGeoServerState;
  requests: RecordedRequest[];
  /** Token requests answered with a token. */
  tokensIssued: number;
  /** Every token issued so far is expired on the server side from now on. */
  expireTokens(): void;
  /** The next request matching `method` and `path` is answered with `status` and `body`. */
  failNext(method: string, path: RegExp, status: number, body: string): void;
  close(): Promise<void>;
}

export async function startFakeGeoServer(options: FakeGeoServerOptions = {}): Promise<FakeGeoServer> {
  const state = new FakeGeoServerState();
  const tokens = new Map<string, { user: string; expiresAt: number }>();
  const failures: Array<{ method: string; path: RegExp; status: number; body: string }> = [];
  const users = new Map<string, { password: string; admin: boolean }>([
    [FAKE_GEOSERVER_ADMIN.username, { password: FAKE_GEOSERVER_ADMIN.password, admin: true }],
    [FAKE_GEOSERVER_VIEWER.username, { password: FAKE_GEOSERVER_VIEWER.password, admin: false }],
  ]);
  const lifetime = options.tokenLifetimeSeconds ?? 300;
  const fake: FakeGeoServer = {
    url: '',
    authUrl: '',
    state,
    requests: [],
    tokensIssued: 0,
    expireTokens: () => {
      for (const token of tokens.values()) token.expiresAt = 0;
    },
    failNext: (method, path, status, body) => failures.push({ method, path, status, body }),
    close: () => Promise.resolve(),
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = (status: number, body: string, type = 'text/plain;charset=utf-8', headers = {}) => {
        fake.requests.push({
          method: req.method ?? '',
          url: req.url ?? '',
          contentType: req.headers['content-type'],
          auth: /^Bearer /i.test(req.headers.authorization ?? '')
            ? 'bearer'
            : req.headers.authorization
              ? 'basic'
              : 'none',
          status,
        });
        res.writeHead(status, { 'content-type': type, ...headers });
        res.end(body);
      };
      try {
        route(req, Buffer.concat(chunks), reply);
      } catch (error) {
        reply(500, error instanceof Error ? error.message : String(error));
      }
    });
  });

  type Reply = (status: number, body: string, type?: string, headers?: Record<string, string>) => void;

  function route(req: http.IncomingMessage, body: Buffer, reply: Reply): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const failure = failures.findIndex((f) => f.method === method && f.path.test(url.pathname));
    if (failure >= 0) {
      const [f] = failures.splice(failure, 1);
      return reply(f!.status, f!.body);
    }
    const token = /^\/auth\/realms\/([^/]+)\/protocol\/openid-connect\/token$/.exec(url.pathname);
    if (token) return issueToken(decodeURIComponent(token[1]!), method, body, reply);
    const api = /^\/geoserver\/(rest|gwc\/rest)(\/.*)?$/.exec(url.pathname);
    if (!api) return reply(404, 'Not found');
    const who = authenticate(req.headers.authorization);
    if (!who) {
      return reply(401, 'HTTP Status 401 - Unauthorized', 'text/plain', {
        'www-authenticate': 'Basic realm="GeoServer Realm"',
      });
    }
    if (!who.admin) return reply(403, 'Access Denied');
    const segments = (api[2] ?? '').split('/').filter(Boolean).map(decodeURIComponent);
    const last = segments.at(-1) ?? '';
    const ext = /\.(json|xml|html|sld)$/.exec(last);
    if (ext) segments[segments.length - 1] = last.slice(0, -ext[0].length);
    const accept = req.headers.accept ?? '';
    const format =
      ext?.[1] ?? (/json/.test(accept) ? 'json' : /sld/.test(accept) ? 'sld' : /xml/.test(accept) ? 'xml' : 'html');
    const call: Call = {
      method,
      segments,
      query: url.searchParams,
      body,
      contentType: req.headers['content-type'] ?? '',
      format,
      base: `http://${req.headers.host ?? 'localhost'}/geoserver`,
    };
    try {
      const answer = api[1] === 'rest' ? rest(call) : gwc(call);
      if (answer === undefined) return reply(200, '');
      if (typeof answer === 'string') return reply(200, answer);
      if (answer instanceof Raw) {
        return reply(answer.status, answer.text, answer.type, answer.location ? { location: answer.location } : {});
      }
      if (method === 'GET' && format === 'html') {
        return reply(200, `<html><body><pre>${JSON.stringify(answer)}</pre></body></html>`, 'text/html');
      }
      if (method === 'GET' && format === 'xml') return reply(415, 'This test double answers JSON only');
      return reply(200, JSON.stringify(answer), 'application/json');
    } catch (error) {
      if (!(error instanceof Fail)) throw error;
      const quiet = error.status === 404 && method === 'GET' && url.searchParams.get('quietOnNotFound') === 'true';
      return reply(error.status, quiet ? '' : error.message);
    }
  }

  function authenticate(header: string | undefined): { admin: boolean } | undefined {
    if (!header) return undefined;
    const bearer = /^Bearer (.+)$/i.exec(header);
    if (bearer) {
      const token = tokens.get(bearer[1]!);
      if (!token || token.expiresAt <= Date.now()) return undefined;
      return { admin: users.get(token.user)?.admin ?? false };
    }
    const basic = /^Basic (.+)$/i.exec(header);
    if (!basic) return undefined;
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const at = decoded.indexOf(':');
    const user = users.get(decoded.slice(0, at));
    return user && user.password === decoded.slice(at + 1) ? { admin: user.admin } : undefined;
  }

  function issueToken(realm: string, method: string, body: Buffer, reply: Reply): void {
    const json = (status: number, value: unknown) => reply(status, JSON.stringify(value), 'application/json');
    if (method !== 'POST') return json(405, { error: 'HTTP 405 Method Not Allowed' });
    if (realm !== FAKE_KEYCLOAK.realm) return json(404, { error: 'Realm does not exist' });
    const form = new URLSearchParams(body.toString('utf8'));
    if (form.get('client_id') !== FAKE_KEYCLOAK.clientId || form.get('client_secret') !== FAKE_KEYCLOAK.clientSecret) {
      return json(401, {
        error: 'unauthorized_client',
        error_description: 'Invalid client or Invalid client credentials',
      });
    }
    if (form.get('grant_type') !== 'password') return json(400, { error: 'unsupported_grant_type' });
    const user = users.get(form.get('username') ?? '');
    if (!user || user.password !== form.get('password')) {
      return json(401, { error: 'invalid_grant', error_description: 'Invalid user credentials' });
    }
    const value = randomUUID();
    tokens.set(value, { user: form.get('username')!, expiresAt: Date.now() + lifetime * 1000 });
    fake.tokensIssued += 1;
    return json(200, {
      access_token: value,
      expires_in: lifetime,
      refresh_expires_in: 1800,
      refresh_token: randomUUID(),
      token_type: 'Bearer',
      scope: 'profile email',
    });
  }

  // ---------------------------------------------------------------------------------- /rest

  type Answer = object | string | undefined;
  const created = (location: string, text = ''): Answer => new Raw(201, text, 'text/plain', location);

  function parseJson(call: Call): Record<string, unknown> {
    if (!/json/i.test(call.contentType)) throw new Fail(415, 'This test double accepts JSON bodies only');
    try {
      return JSON.parse(call.body.toString('utf8')) as Record<string, unknown>;
    } catch {
      throw new Fail(400, 'Malformed JSON');
    }
  }

  function workspace(name: string) {
    const ws = state.workspaces.get(name);
    if (!ws) throw notFound(`No such workspace: '${name}' found`);
    return ws;
  }

  const storeKind = (segment: string) => (segment === 'datastores' ? 'dataStore' : 'coverageStore');

  function store(ws: string, kind: FakeStore['kind'], name: string): FakeStore {
    workspace(ws);
    const found = state.stores.find((s) => s.workspace === ws && s.kind === kind && s.name === name);
    if (!found) {
      throw notFound(
        kind === 'dataStore' ? `No such datastore: ${ws},${name}` : `No such coverage store: ${ws},${name}`,
      );
    }
    return found;
  }

  function resource(s: FakeStore, kind: FakeResource['kind'], name: string): FakeResource {
    const found = state.resources.find(
      (r) => r.workspace === s.workspace && r.store === s.name && r.kind === kind && r.name === name,
    );
    if (!found) {
      throw notFound(
        kind === 'featureType'
          ? `No such feature type: ${s.workspace},${s.name},${name}`
          : `No such coverage: ${s.workspace},${s.name},${name}`,
      );
    }
    return found;
  }

  function rest(call: Call): Answer {
    const [first, ...rest] = call.segments;
    const m = call.method;
    if (first === 'about' && rest[0] === 'version' && m === 'GET') {
      return {
        about: {
          resource: [
            { '@name': 'GeoServer', Version: '2.25.2-fake', 'Build-Timestamp': 'fake' },
            { '@name': 'GeoTools', Version: '31.2' },
            { '@name': 'GeoWebCache', Version: '1.25.2' },
          ],
        },
      };
    }
    if (first === 'workspaces') return workspaces(call, rest);
    if (first === 'namespaces') return namespaces(call, rest);
    if (first === 'layers') return layers(call, rest[0]);
    if (first === 'styles') return styles(call, undefined, rest[0]);
    if (first === 'security' && rest[0] === 'acl' && rest[1] === 'layers') return acl(call, rest[2]);
    throw notFound(`No handler for ${call.segments.join('/')}`);
  }

  function workspaces(call: Call, [ws, what, name, sub, subName]: string[]): Answer {
    const m = call.method;
    if (ws === undefined) {
      if (m === 'GET') {
        return collection(
          'workspaces',
          'workspace',
          [...state.workspaces.keys()].map((n) => ({ name: n, href: `${call.base}/rest/workspaces/${n}.json` })),
        );
      }
      if (m !== 'POST') throw new Fail(405, 'Method not allowed');
      const name = (parseJson(call).workspace as { name?: string } | undefined)?.name;
      if (!name) throw new Fail(400, 'Workspace name is required');
      if (state.workspaces.has(name)) throw new Fail(409, `Workspace '${name}' already exists`);
      state.workspaces.set(name, { name, uri: `http://${name}` });
      return created(`${call.base}/rest/workspaces/${name}`, name);
    }
    if (what === undefined) {
      if (m === 'GET') return { workspace: { name: workspace(ws).name, isolated: false } };
      if (m === 'PUT') {
        workspace(ws);
        return undefined;
      }
      if (m === 'DELETE') {
        if (!state.workspaces.has(ws)) throw notFound(`Workspace '${ws}' not found`);
        const inside = state.stores.some((s) => s.workspace === ws) || state.styles.some((s) => s.workspace === ws);
        if (inside && call.query.get('recurse') !== 'true') throw new Fail(403, 'Workspace not empty');
        for (const r of state.resources.filter((r) => r.workspace === ws)) state.tileLayers.delete(r.id);
        state.resources = state.resources.filter((r) => r.workspace !== ws);
        state.stores = state.stores.filter((s) => s.workspace !== ws);
        state.styles = state.styles.filter((s) => s.workspace !== ws);
        state.workspaces.delete(ws);
        return undefined;
      }
      throw new Fail(405, 'Method not allowed');
    }
    if (what === 'styles') return styles(call, ws, name);
    if (what === 'layers' && name !== undefined) return layers(call, `${ws}:${name}`);
    if (what !== 'datastores' && what !== 'coveragestores') throw notFound(`No handler for ${call.segments.join('/')}`);
    const kind = storeKind(what);
    if (name === undefined) return storesCollection(call, ws, kind);
    if (sub === undefined) return oneStore(call, store(ws, kind, name));
    if (/^(file|external|url)\./.test(sub) && subName === undefined) return upload(call, ws, kind, name, sub);
    const resKind = sub === 'featuretypes' ? 'featureType' : sub === 'coverages' ? 'coverage' : undefined;
    if (!resKind || (resKind === 'featureType') !== (kind === 'dataStore')) {
      throw notFound(`No handler for ${call.segments.join('/')}`);
    }
    const s = store(ws, kind, name);
    if (subName === undefined) return resourcesCollection(call, s, resKind);
    return oneResource(call, s, resource(s, resKind, subName));
  }

  function namespaces(call: Call, [prefix]: string[]): Answer {
    if (prefix === undefined && call.method === 'POST') {
      const ns = parseJson(call).namespace as { prefix?: string; uri?: string } | undefined;
      if (!ns?.prefix || !ns.uri) throw new Fail(400, 'Namespace prefix and uri are required');
      // CatalogImpl.validate(NamespaceInfo) (unverified as a REST answer).
      if (state.workspaces.has(ns.prefix)) throw new Fail(500, `Namespace with prefix '${ns.prefix}' already exists.`);
      // NamespaceWorkspaceConsistencyListener: the workspace comes with it.
      state.workspaces.set(ns.prefix, { name: ns.prefix, uri: ns.uri });
      return created(`${call.base}/rest/namespaces/${ns.prefix}`, ns.prefix);
    }
    if (prefix !== undefined && call.method === 'GET') {
      const ws = state.workspaces.get(prefix);
      if (!ws) throw notFound(`No such namespace: '${prefix}' found`);
      return { namespace: { prefix: ws.name, uri: ws.uri, isolated: false } };
    }
    throw new Fail(405, 'Method not allowed');
  }

  const storeSegment = (kind: FakeStore['kind']) => (kind === 'dataStore' ? 'datastores' : 'coveragestores');
  const crypt = (secret: string) => `crypt1:${createHash('sha256').update(secret).digest('base64').slice(0, 24)}`;

  function storeJson(call: Call, s: FakeStore) {
    const href = `${call.base}/rest/workspaces/${s.workspace}/${storeSegment(s.kind)}/${s.name}`;
    if (s.kind === 'coverageStore') {
      return {
        coverageStore: {
          name: s.name,
          type: s.type,
          enabled: s.enabled,
          workspace: { name: s.workspace },
          url: s.url,
          coverages: `${href}/coverages.json`,
        },
      };
    }
    const entries = Object.entries(s.params).map(([k, v]) => ({ '@key': k, $: k === 'passwd' ? crypt(v) : v }));
    return {
      dataStore: {
        name: s.name,
        type: s.type,
        enabled: s.enabled,
        workspace: { name: s.workspace, href: `${call.base}/rest/workspaces/${s.workspace}.json` },
        connectionParameters: { entry: list(entries) },
        featureTypes: `${href}/featuretypes.json`,
      },
    };
  }

  function storeBody(call: Call, kind: FakeStore['kind']) {
    const body = parseJson(call)[kind] as Record<string, unknown> | undefined;
    if (!body) throw new Fail(400, `Expected a ${kind} object`);
    const params: Record<string, string> = {};
    const cp = body.connectionParameters as { entry?: unknown } | undefined;
    if (cp?.entry !== undefined) {
      for (const e of ([] as Array<{ '@key': string; $: unknown }>).concat(cp.entry as never)) {
        params[e['@key']] = String(e.$);
      }
    } else if (cp) {
      for (const [k, v] of Object.entries(cp)) params[k] = String(v);
    }
    return { body, params: cp ? params : undefined };
  }

  function storesCollection(call: Call, ws: string, kind: FakeStore['kind']): Answer {
    workspace(ws);
    if (call.method === 'GET') {
      const items = state.stores.filter((s) => s.workspace === ws && s.kind === kind).map((s) => ({ name: s.name }));
      return collection(`${kind}s`, kind, items);
    }
    if (call.method !== 'POST') throw new Fail(405, 'Method not allowed');
    const { body, params } = storeBody(call, kind);
    const name = body.name as string | undefined;
    if (!name) throw new Fail(400, 'Store name is required');
    const bodyWs = (body.workspace as { name?: string } | undefined)?.name;
    if (bodyWs && bodyWs !== ws) throw new Fail(403, `Expected workspace ${ws} but client specified ${bodyWs}`);
    if (state.stores.some((s) => s.workspace === ws && s.name === name)) {
      throw new Fail(500, `Store '${name}' already exists in workspace '${ws}'`);
    }
    state.stores.push({
      workspace: ws,
      name,
      kind,
      type: (body.type as string | undefined) ?? (kind === 'dataStore' ? 'PostGIS' : 'GeoTIFF'),
      enabled: true,
      params: params ?? {},
      url: body.url as string | undefined,
    });
    return created(`${call.base}/rest/workspaces/${ws}/${storeSegment(kind)}/${name}`, name);
  }

  function oneStore(call: Call, s: FakeStore): Answer {
    if (call.method === 'GET') return storeJson(call, s);
    if (call.method === 'PUT') {
      const { body, params } = storeBody(call, s.kind);
      const name = body.name as string | undefined;
      if (name && name !== s.name) {
        if (state.stores.some((o) => o.workspace === s.workspace && o.name === name)) {
          throw new Fail(500, `Store '${name}' already exists in workspace '${s.workspace}'`);
        }
        for (const r of state.resources) if (r.workspace === s.workspace && r.store === s.name) r.store = name;
        s.name = name;
      }
      if (params) s.params = params;
      if (typeof body.url === 'string') s.url = body.url;
      if (typeof body.enabled === 'boolean') s.enabled = body.enabled;
      return undefined;
    }
    if (call.method === 'DELETE') {
      const used = state.resources.filter((r) => r.workspace === s.workspace && r.store === s.name);
      if (used.length > 0 && call.query.get('recurse') !== 'true') {
        throw new Fail(403, 'Unable to delete non-empty store.');
      }
      for (const r of used) state.tileLayers.delete(r.id);
      state.resources = state.resources.filter((r) => !used.includes(r));
      state.stores = state.stores.filter((o) => o !== s);
      return undefined;
    }
    throw new Fail(405, 'Method not allowed');
  }

  /**
   * `PUT .../coveragestores/{cs}/file.geotiff` (bytes) or `external.geotiff` (a URL as text), and
   * `PUT .../datastores/{ds}/file.appschema` (a mapping, or a ZIP whose `*.appschema` is the
   * main mapping): the store is created when missing (201) or its file replaced (200). Uploads
   * land in `data/<ws>/<store>/` (AbstractStoreUploadController). `configure=first` (coverages)
   * or `all` (app-schema) also make the resource and its layer; `none` only the store.
   */
  function upload(call: Call, ws: string, kind: FakeStore['kind'], name: string, target: string): Answer {
    if (call.method !== 'PUT') throw new Fail(405, 'Method not allowed');
    workspace(ws);
    const [method, format] = target.split('.') as [string, string];
    const expected = kind === 'coverageStore' ? 'geotiff' : 'appschema';
    if (format !== expected || method === 'url') throw new Fail(400, `Unsupported format: ${format}`);
    let s = state.stores.find((o) => o.workspace === ws && o.kind === kind && o.name === name);
    const isNew = !s;
    const files = new Map<string, Buffer>();
    let url: string;
    let mappedTypes: FakeStore['mappedTypes'];
    if (kind === 'coverageStore') {
      if (method === 'external') {
        url = call.body.toString('utf8').trim();
      } else {
        if (call.body.length === 0) throw new Fail(400, 'Empty upload');
        files.set(`${name}.geotiff`, call.body);
        url = `file:data/${ws}/${name}/${name}.geotiff`;
      }
    } else {
      let main: string;
      if (/zip/i.test(call.contentType)) {
        for (const entry of readZip(call.body)) files.set(entry.path, entry.content);
        const found = [...files.keys()].find((f) => f.toLowerCase().endsWith('.appschema'));
        if (!found) throw new Fail(400, 'Could not find appropriate appschema file in archive');
        main = found;
      } else {
        main = `${name}.appschema`;
        files.set(main, call.body);
      }
      mappedTypes = mappedTypesOf(files.get(main)!.toString('utf8'));
      // GeoTools' DataAccessRegistry holds one data access per mapped type: a second enabled
      // store mapping it fails (a disabled store's data access is disposed). Unverified: the message.
      for (const t of mappedTypes) {
        const other = state.stores.find(
          (o) => o.name !== name && o.enabled && o.mappedTypes?.some((m) => m.uri === t.uri && m.local === t.local),
        );
        if (other) {
          throw new Fail(500, `Duplicate mappings for ${t.uri}:${t.local} (store ${other.workspace}:${other.name})`);
        }
      }
      url = `file:data/${ws}/${name}/${main}`;
    }
    if (!s) {
      s = {
        workspace: ws,
        name,
        kind,
        type: kind === 'coverageStore' ? 'GeoTIFF' : 'Application Schema DataAccess',
        enabled: true,
        params: {},
      };
      state.stores.push(s);
    }
    s.files = files;
    if (kind === 'coverageStore') s.url = url;
    else s.params = { dbtype: 'app-schema', namespace: state.workspaces.get(ws)!.uri, url };
    s.mappedTypes = mappedTypes;
    const configure = call.query.get('configure') ?? 'first';
    if (configure !== 'none') {
      const names =
        kind === 'coverageStore'
          ? [call.query.get('coverageName') ?? name]
          : (mappedTypes ?? []).filter((t) => t.uri === state.workspaces.get(ws)!.uri).map((t) => t.local);
      for (const resourceName of configure === 'all' ? names : names.slice(0, 1)) {
        if (state.resources.some((r) => r.workspace === ws && r.store === name && r.nativeName === resourceName)) {
          continue;
        }
        checkFreeName(ws, name, resourceName);
        const resourceKind = kind === 'coverageStore' ? 'coverage' : 'featureType';
        state.resources.push({
          id: randomUUID(),
          kind: resourceKind,
          workspace: ws,
          store: name,
          name: resourceName,
          nativeName: resourceName,
          keywords: [],
          metadataLinks: [],
          advertised: true,
          enabled: true,
          layer: { defaultStyle: { name: resourceKind === 'featureType' ? 'generic' : 'raster' } },
        });
      }
    }
    return new Raw(isNew ? 201 : 200, '');
  }

  /** The `targetElement`s of an app-schema mapping with their namespace URIs; 500 when GeoTools could not read it. */
  function mappedTypesOf(mapping: string): Array<{ uri: string; local: string }> {
    let root: XmlElement;
    try {
      root = parseXml(mapping);
    } catch (e) {
      throw new Fail(500, `Unable to create source data store: ${e instanceof Error ? e.message : String(e)}`);
    }
    const all = (el: XmlElement, local: string): XmlElement[] =>
      childElements(el).flatMap((c) => [...(c.name.replace(/^.*:/, '') === local ? [c] : []), ...all(c, local)]);
    const text = (el: XmlElement, local: string) => textOf(all(el, local)[0] ?? el).trim();
    const uris = new Map(all(root, 'Namespace').map((ns) => [text(ns, 'prefix'), text(ns, 'uri')]));
    return all(root, 'FeatureTypeMapping').map((m) => {
      const [prefix = '', local = ''] = text(m, 'targetElement').split(':');
      const uri = uris.get(prefix);
      if (!uri || !local) throw new Fail(500, `Unable to create source data store: bad targetElement in mapping`);
      return { uri, local };
    });
  }

  const resourceSegment = (kind: FakeResource['kind']) => (kind === 'featureType' ? 'featuretypes' : 'coverages');
  const resourceHref = (call: Call, r: FakeResource) =>
    `${call.base}/rest/workspaces/${r.workspace}/${r.kind === 'featureType' ? 'datastores' : 'coveragestores'}/${r.store}/${resourceSegment(r.kind)}/${r.name}.json`;

  function resourceJson(call: Call, r: FakeResource) {
    return {
      [r.kind]: {
        name: r.name,
        nativeName: r.nativeName,
        ...(r.kind === 'coverage' ? { nativeCoverageName: r.nativeName } : {}),
        namespace: { name: r.workspace, href: `${call.base}/rest/namespaces/${r.workspace}.json` },
        ...(r.title !== undefined ? { title: r.title } : {}),
        ...(r.abstract !== undefined ? { abstract: r.abstract } : {}),
        ...(r.keywords.length > 0 ? { keywords: { string: list(r.keywords) } } : {}),
        ...(r.metadataLinks.length > 0 ? { metadataLinks: { metadataLink: list(r.metadataLinks) } } : {}),
        srs: r.srs ?? 'EPSG:4326',
        ...(r.metadata && r.metadata.length > 0 ? { metadata: { entry: list(r.metadata) } } : {}),
        enabled: r.enabled,
        advertised: r.advertised,
        store: {
          '@class': r.kind === 'featureType' ? 'dataStore' : 'coverageStore',
          name: `${r.workspace}:${r.store}`,
        },
      },
    };
  }

  /** Copies the fields a body gives: undefined keeps, null clears (PUT is a partial update). */
  function applyFields(r: FakeResource, body: Record<string, unknown>): void {
    if ('title' in body) r.title = (body.title as string | null) ?? undefined;
    if ('abstract' in body) r.abstract = (body.abstract as string | null) ?? undefined;
    if ('keywords' in body) {
      r.keywords = ([] as string[]).concat((body.keywords as { string?: never } | null)?.string ?? []);
    }
    if ('metadataLinks' in body) {
      r.metadataLinks = ([] as MetadataLinkJson[]).concat(
        (body.metadataLinks as { metadataLink?: never } | null)?.metadataLink ?? [],
      );
    }
    if (typeof body.advertised === 'boolean') r.advertised = body.advertised;
    if (typeof body.enabled === 'boolean') r.enabled = body.enabled;
    if (typeof body.srs === 'string') r.srs = body.srs;
    if (typeof body.nativeName === 'string') r.nativeName = body.nativeName;
    // A map is replaced whole by a PUT that gives it (XStream unmarshals a new MetadataMap).
    if ('metadata' in body) {
      r.metadata = ([] as unknown[]).concat((body.metadata as { entry?: never } | null)?.entry ?? []);
    }
  }

  function checkFreeName(ws: string, storeName: string, name: string): void {
    if (state.resources.some((r) => r.workspace === ws && r.store === storeName && r.name === name)) {
      throw new Fail(500, `Resource named '${name}' already exists in store: '${storeName}'`);
    }
    if (state.resources.some((r) => r.workspace === ws && r.name === name)) {
      throw new Fail(500, `Resource named '${name}' already exists in namespace: '${ws}'`);
    }
  }

  function resourcesCollection(call: Call, s: FakeStore, kind: FakeResource['kind']): Answer {
    if (call.method === 'GET') {
      const items = state.resources
        .filter((r) => r.workspace === s.workspace && r.store === s.name)
        .map((r) => ({ name: r.name, href: resourceHref(call, r) }));
      return collection(`${kind}s`, kind, items);
    }
    if (call.method !== 'POST') throw new Fail(405, 'Method not allowed');
    const body = parseJson(call)[kind] as Record<string, unknown> | undefined;
    const name = body?.name as string | undefined;
    if (!body || !name) throw new Fail(400, `Expected a ${kind} with a name`);
    checkFreeName(s.workspace, s.name, name);
    if (s.mappedTypes) {
      // The app-schema DataAccess finds a type by namespace URI and name (unverified: the exact answer).
      const native = (body.nativeName as string | undefined) ?? name;
      const uri = state.workspaces.get(s.workspace)?.uri;
      if (!s.mappedTypes.some((t) => t.local === native && t.uri === uri)) {
        throw new Fail(500, `Feature type ${uri}:${native} is not mapped by store ${s.name}`);
      }
    }
    const r: FakeResource = {
      id: randomUUID(),
      kind,
      workspace: s.workspace,
      store: s.name,
      name,
      nativeName: (body.nativeName as string | undefined) ?? name,
      keywords: [],
      metadataLinks: [],
      advertised: true,
      enabled: true,
      layer: { defaultStyle: { name: kind === 'featureType' ? 'generic' : 'raster' } },
    };
    // CoverageController.isNewCoverage: a name-only body is rebuilt from the file, metadata dropped.
    const nameOnly =
      kind === 'coverage' &&
      body.srs == null &&
      body.keywords == null &&
      body.metadata == null &&
      body.enabled !== true;
    applyFields(r, nameOnly ? { nativeName: r.nativeName } : body);
    r.enabled = true;
    state.resources.push(r);
    return created(resourceHref(call, r).replace(/\.json$/, ''));
  }

  function oneResource(call: Call, s: FakeStore, r: FakeResource): Answer {
    if (call.method === 'GET') return resourceJson(call, r);
    if (call.method === 'PUT') {
      const body = parseJson(call)[r.kind] as Record<string, unknown> | undefined;
      if (!body) throw new Fail(400, `Expected a ${r.kind} object`);
      const name = body.name as string | undefined;
      if (name !== undefined && name !== r.name) {
        checkFreeName(r.workspace, s.name, name);
        // SecuredResourceNameChangeListener: rules on the old name move to the new one.
        for (const [key, value] of [...state.acl]) {
          const [ws, layer, mode] = key.split('.');
          if (ws?.toLowerCase() === r.workspace.toLowerCase() && layer?.toLowerCase() === r.name.toLowerCase()) {
            state.acl.delete(key);
            state.acl.set(`${ws}.${name}.${mode}`, value);
          }
        }
        r.name = name;
      }
      applyFields(r, body);
      return undefined;
    }
    if (call.method === 'DELETE') {
      if (r.layer && call.query.get('recurse') !== 'true') {
        throw new Fail(403, `${r.kind === 'featureType' ? 'feature type' : 'coverage'} referenced by layer(s)`);
      }
      state.tileLayers.delete(r.id);
      state.resources = state.resources.filter((o) => o !== r);
      return undefined;
    }
    throw new Fail(405, 'Method not allowed');
  }

  function findStyle(name: string, ws?: string): FakeStyle | undefined {
    return state.styles.find((s) => s.name === name && s.workspace === ws);
  }

  /** A layer's `defaultStyle` value: `ws:name` or `name` (+ `workspace`). */
  function resolveStyle(ref: { name?: string; workspace?: string }): { name: string; workspace?: string } {
    const [a, b] = (ref.name ?? '').split(':');
    const style = b !== undefined ? { name: b, workspace: a } : { name: a ?? '', workspace: ref.workspace };
    // Unverified: the exact answer of LayerController for an unknown style.
    if (!findStyle(style.name, style.workspace)) throw new Fail(400, `No such style: ${ref.name ?? ''}`);
    return style.workspace ? style : { name: style.name };
  }

  function layerJson(call: Call, r: FakeResource) {
    const style = r.layer!.defaultStyle;
    return {
      layer: {
        name: r.name,
        type: r.kind === 'featureType' ? 'VECTOR' : 'RASTER',
        defaultStyle: {
          name: style.workspace ? `${style.workspace}:${style.name}` : style.name,
          ...(style.workspace ? { workspace: style.workspace } : {}),
          href: `${call.base}/rest/${style.workspace ? `workspaces/${style.workspace}/` : ''}styles/${style.name}.json`,
        },
        resource: { '@class': r.kind, name: `${r.workspace}:${r.name}`, href: resourceHref(call, r) },
        attribution: { logoWidth: 0, logoHeight: 0 },
      },
    };
  }

  function layers(call: Call, qualified: string | undefined): Answer {
    if (qualified === undefined) {
      if (call.method !== 'GET') throw new Fail(405, 'Method not allowed');
      const items = state.resources
        .filter((r) => r.layer)
        .map((r) => ({
          name: `${r.workspace}:${r.name}`,
          href: `${call.base}/rest/layers/${r.workspace}:${r.name}.json`,
        }));
      return collection('layers', 'layer', items);
    }
    const [ws, name] = qualified.includes(':') ? qualified.split(':') : [undefined, qualified];
    const r = state.resources.find((o) => o.layer && o.name === name && (ws === undefined || o.workspace === ws));
    if (!r) throw notFound(`No such layer: ${qualified}`);
    if (call.method === 'GET') return layerJson(call, r);
    if (call.method === 'PUT') {
      const body = parseJson(call).layer as Record<string, unknown> | undefined;
      if (!body) throw new Fail(400, 'Expected a layer object');
      if (body.defaultStyle) {
        r.layer!.defaultStyle = resolveStyle(body.defaultStyle);
      }
      // LayerInfoImpl delegates advertised/enabled to the resource.
      if (typeof body.advertised === 'boolean') r.advertised = body.advertised;
      if (typeof body.enabled === 'boolean') r.enabled = body.enabled;
      return undefined;
    }
    if (call.method === 'DELETE') {
      r.layer = undefined;
      // Deleting a GeoServer layer deletes its GWC tile layer.
      state.tileLayers.delete(r.id);
      return undefined;
    }
    throw new Fail(405, 'Method not allowed');
  }

  function checkSld(text: string, error: string): void {
    let root: XmlElement;
    try {
      root = parseXml(text);
    } catch (e) {
      throw new Fail(400, `${error}${e instanceof Error ? e.message : String(e)}`);
    }
    if (root.name.replace(/^.*:/, '') !== 'StyledLayerDescriptor') {
      throw new Fail(400, `${error}root element is ${root.name}, not StyledLayerDescriptor`);
    }
  }

  /** Style bodies: the charset of the Content-Type, else the JVM default (here Latin-1). */
  function styleText(call: Call): string {
    const charset = /charset=([^;]+)/i.exec(call.contentType)?.[1]?.trim().toLowerCase();
    return call.body.toString(charset === 'utf-8' || charset === 'utf8' ? 'utf8' : 'latin1');
  }

  const isSldType = (type: string) => /^application\/vnd\.ogc\.(sld|se)\+xml/i.test(type);

  function styles(call: Call, ws: string | undefined, name: string | undefined): Answer {
    if (ws !== undefined) workspace(ws);
    if (name === undefined) {
      if (call.method === 'GET') {
        return collection(
          'styles',
          'style',
          state.styles.filter((s) => s.workspace === ws).map((s) => ({ name: s.name })),
        );
      }
      if (call.method !== 'POST') throw new Fail(405, 'Method not allowed');
      let styleName = call.query.get('name') ?? undefined;
      let body = '';
      if (isSldType(call.contentType)) {
        body = styleText(call);
        checkSld(body, 'Style error. ');
        styleName ??= /<(?:\w+:)?UserStyle>[\s\S]*?<(?:\w+:)?Name>([^<]+)</.exec(body)?.[1];
      } else {
        styleName ??= (parseJson(call).style as { name?: string } | undefined)?.name;
      }
      if (!styleName) throw new Fail(400, 'Style must have a name.');
      if (findStyle(styleName, ws)) throw new Fail(403, `Style ${styleName} already exists.`);
      state.styles.push({ workspace: ws, name: styleName, body });
      return created(`${call.base}/rest/${ws ? `workspaces/${ws}/` : ''}styles/${styleName}`, styleName);
    }
    const style = findStyle(name, ws);
    if (!style) throw notFound(`No such style: ${name}`);
    if (call.method === 'GET') {
      if (call.format === 'sld') return new Raw(200, style.body, 'application/vnd.ogc.sld+xml');
      return {
        style: {
          name: style.name,
          ...(ws ? { workspace: { name: ws } } : {}),
          format: 'sld',
          languageVersion: { version: '1.0.0' },
          filename: `${style.name}.sld`,
        },
      };
    }
    if (call.method === 'PUT') {
      if (isSldType(call.contentType)) {
        const body = styleText(call);
        checkSld(body, 'Invalid style: ');
        style.body = body;
      }
      return undefined;
    }
    if (call.method === 'DELETE') {
      const users = state.resources.filter(
        (r) => r.layer?.defaultStyle.name === name && r.layer.defaultStyle.workspace === ws,
      );
      if (users.length > 0) {
        if (call.query.get('recurse') !== 'true') {
          throw new Fail(403, "Can't delete style referenced by existing layers.");
        }
        for (const r of users) r.layer!.defaultStyle = { name: r.kind === 'featureType' ? 'generic' : 'raster' };
      }
      state.styles = state.styles.filter((s) => s !== style);
      return undefined;
    }
    throw new Fail(405, 'Method not allowed');
  }

  function validRuleKey(key: string): boolean {
    const parts = key.split('.');
    if (parts.length !== 3) return false;
    const [ws, layer, mode] = parts;
    if (!['r', 'w', 'a'].includes(mode!)) return false;
    if (ws === '*' && layer !== '*') return false;
    return !(mode === 'a' && layer !== '*');
  }

  function acl(call: Call, key: string | undefined): Answer {
    if (key !== undefined) {
      if (call.method !== 'DELETE') throw new Fail(405, 'Method not allowed');
      if (!validRuleKey(key)) throw new Fail(422, `Invalid rule specification: ${key}`);
      if (!state.acl.delete(key)) throw notFound(`Rule not found: ${key}`);
      return undefined;
    }
    if (call.method === 'GET') return Object.fromEntries(state.acl);
    if (call.method !== 'POST' && call.method !== 'PUT') throw new Fail(405, 'Method not allowed');
    const rules = Object.entries(parseJson(call)).map(([k, v]) => [k, String(v)] as const);
    const invalid = rules.filter(([k]) => !validRuleKey(k)).map(([k]) => k);
    if (invalid.length > 0) throw new Fail(422, `Invalid rule specification: ${invalid.join(',')}`);
    if (call.method === 'POST') {
      const existing = rules.filter(([k]) => state.acl.has(k)).map(([k]) => k);
      if (existing.length > 0) throw new Fail(409, `Already existing rules: ${existing.join(',')}`);
    } else {
      const unknown = rules.filter(([k]) => !state.acl.has(k)).map(([k]) => k);
      if (unknown.length > 0) throw new Fail(409, `Unknown rules: ${unknown.join(',')}`);
    }
    for (const [k, v] of rules) state.acl.set(k, v.split(',').includes('*') ? '*' : v);
    return undefined;
  }

  // ------------------------------------------------------------------------------ /gwc/rest

  function gwc(call: Call): Answer {
    const [first, qualified] = call.segments;
    if (first === 'masstruncate' && call.method === 'POST') {
      // MassTruncateController compares the header with equalsIgnoreCase("text/xml").
      if (call.contentType.toLowerCase() !== 'text/xml') {
        throw new Fail(400, 'Format extension unknown or not specified');
      }
      let root: XmlElement;
      try {
        root = parseXml(call.body.toString('utf8'));
      } catch {
        throw new Fail(400, 'Could not parse the truncate request');
      }
      const layerName = root.name === 'truncateLayer' ? textOf(firstChild(root, 'layerName') ?? root).trim() : '';
      if (!layerName) throw new Fail(400, `Unknown truncate request: ${root.name}`);
      // Unverified: GWC's answer for an unknown layer.
      if (!tileLayerOf(layerName)) throw new Fail(400, `Unknown layer: ${layerName}`);
      state.truncated.push(layerName);
      return new Raw(200, '');
    }
    if (first !== 'layers' || qualified === undefined) throw notFound(`No handler for ${call.segments.join('/')}`);
    const r = layerOf(qualified);
    if (call.method === 'GET') {
      const t = r && state.tileLayers.get(r.id);
      if (!r || !t) throw notFound(`Unknown layer: ${qualified}`);
      return new Raw(200, tileLayerXml(qualified, t), 'text/xml');
    }
    if (call.method === 'PUT' || call.method === 'POST') {
      if (!/xml/i.test(call.contentType)) throw new Fail(415, 'This test double accepts XML tile layers only');
      let root: XmlElement;
      try {
        root = parseXml(call.body.toString('utf8'));
      } catch (e) {
        throw new Fail(400, `Could not parse the layer: ${e instanceof Error ? e.message : String(e)}`);
      }
      const bodyName = textOf(firstChild(root, 'name') ?? root).trim();
      if (bodyName !== qualified) {
        throw new Fail(
          400,
          `There is a mismatch between the name of the layer in the URL (${qualified}) and in the body (${bodyName})`,
        );
      }
      // Unverified: the answer when GeoServer has no such layer.
      if (!r) throw new Fail(400, `No GeoServer layer or layer group named '${qualified}'`);
      const strings = (el: XmlElement | undefined, child: string) =>
        el ? childElements(el, child).map((e) => textOf(e).trim()) : [];
      const gridSets = childElements(firstChild(root, 'gridSubsets') ?? root, 'gridSubset').map((g) =>
        textOf(firstChild(g, 'gridSetName') ?? g).trim(),
      );
      state.tileLayers.set(r.id, { formats: strings(firstChild(root, 'mimeFormats'), 'string'), gridSets });
      return new Raw(200, 'layer saved');
    }
    if (call.method === 'DELETE') {
      if (!r || !state.tileLayers.delete(r.id)) throw notFound(`Unknown layer: ${qualified}`);
      return new Raw(200, `${qualified} deleted`);
    }
    throw new Fail(405, 'Method not allowed');
  }

  function layerOf(qualified: string): FakeResource | undefined {
    const [ws, name] = qualified.split(':');
    return name === undefined ? undefined : state.layer(ws!, name);
  }

  function tileLayerOf(qualified: string): FakeTileLayer | undefined {
    const r = layerOf(qualified);
    return r && state.tileLayers.get(r.id);
  }

  function tileLayerXml(name: string, t: FakeTileLayer): string {
    return (
      `<GeoServerLayer><enabled>true</enabled><name>${name}</name>` +
      `<mimeFormats>${t.formats.map((f) => `<string>${f}</string>`).join('')}</mimeFormats>` +
      `<gridSubsets>${t.gridSets.map((g) => `<gridSubset><gridSetName>${g}</gridSetName></gridSubset>`).join('')}</gridSubsets>` +
      '</GeoServerLayer>'
    );
  }

  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  fake.url = `http://127.0.0.1:${port}/geoserver`;
  fake.authUrl = `http://127.0.0.1:${port}/auth`;
  fake.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}
