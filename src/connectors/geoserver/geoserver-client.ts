import type { Readable } from 'node:stream';

import { createAuth, type GeoserverAuth } from './geoserver-auth.ts';
import { httpError, redact, unreachable } from './geoserver-errors.ts';
import type { GeoserverConfig } from './geoserver.config.ts';

/** A path with each interpolated value URL-encoded: path`/workspaces/${ws}`. */
export function path(strings: TemplateStringsArray, ...values: string[]): string {
  return strings.reduce((out, s, i) => out + s + (i < values.length ? encodeURIComponent(values[i] ?? '') : ''), '');
}

export interface RequestOptions {
  /** A JSON body (sent as application/json), or text with `contentType`. */
  json?: unknown;
  text?: string;
  /**
   * A body streamed from a source opened per attempt (a retry after a 401 cannot resend a
   * consumed stream): file uploads, sent with `contentType`.
   */
  stream?: () => Promise<Readable>;
  /** Bytes in memory (a ZIP), sent with `contentType`. */
  bytes?: Buffer;
  contentType?: string;
  /** Default application/json. */
  accept?: string;
  /** Statuses outside 2xx answered instead of thrown (404 adds `quietOnNotFound=true`). */
  allow?: readonly number[];
}

export interface GeoserverResponse {
  status: number;
  body: string;
  ok: boolean;
}

/**
 * A small fetch-based client of GeoServer's REST API (`<url>/rest`) and of its GeoWebCache
 * (`<url>/gwc/rest`), JSON by default. It signs every request (basic or Keycloak bearer, with one
 * retry after a 401 for an expired token) and turns answers outside 2xx into geosync errors
 * (geoserver-errors.ts) whose messages never hold a password or a client secret.
 */
export class GeoserverClient {
  private readonly auth: GeoserverAuth;
  private readonly base: string;
  private readonly secrets = new Set<string>();
  readonly host: string;
  /** Where layer timestamps live in the resource metadata map (key paths). */
  readonly timestampKeys: { data: string; metadata: string };

  constructor(private readonly config: GeoserverConfig) {
    this.timestampKeys = { data: config.dataTimestampProperty, metadata: config.metadataTimestampProperty };
    this.auth = createAuth(config);
    this.base = config.url.replace(/\/+$/, '');
    this.host = new URL(this.base).host;
    this.addSecret(config.password);
    if (config.clientSecret) this.addSecret(config.clientSecret);
  }

  /** Token logins so far (Keycloak only). */
  get logins(): number {
    return 'logins' in this.auth ? (this.auth.logins as number) : 0;
  }

  /** Another value no message may show (e.g. a database password sent in a store). */
  addSecret(secret: string | undefined): void {
    if (secret) this.secrets.add(secret);
  }

  redact(text: string): string {
    return redact(text, this.secrets);
  }

  /** A REST call: `path` is below `<url>/rest` (e.g. `/workspaces`). */
  rest(
    method: string,
    restPath: string,
    signal: AbortSignal,
    options: RequestOptions = {},
  ): Promise<GeoserverResponse> {
    return this.request(method, `/rest${restPath}`, signal, options);
  }

  /** A GeoWebCache call: `path` is below `<url>/gwc/rest`. */
  gwc(method: string, gwcPath: string, signal: AbortSignal, options: RequestOptions = {}): Promise<GeoserverResponse> {
    return this.request(method, `/gwc/rest${gwcPath}`, signal, options);
  }

  /** GET of a JSON document; undefined when GeoServer answers 404. */
  async getJson<T>(restPath: string, signal: AbortSignal): Promise<T | undefined> {
    const response = await this.rest('GET', restPath, signal, { allow: [404] });
    if (response.status === 404) return undefined;
    return this.parse<T>(response, `GET /rest${restPath}`);
  }

  parse<T>(response: GeoserverResponse, what: string): T {
    try {
      return JSON.parse(response.body) as T;
    } catch {
      throw httpError({ host: this.host, what, status: 502, body: `not JSON: ${this.redact(response.body)}` });
    }
  }

  private async request(
    method: string,
    relative: string,
    signal: AbortSignal,
    options: RequestOptions,
  ): Promise<GeoserverResponse> {
    const url = new URL(this.base + relative);
    if (method === 'GET' && options.allow?.includes(404)) url.searchParams.set('quietOnNotFound', 'true');
    const what = `${method} ${new URL(this.base).pathname.replace(/\/$/, '')}${relative}`.replace(/\?.*$/, '');
    const headers: Record<string, string> = { accept: options.accept ?? 'application/json' };
    let body: string | Buffer | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.text !== undefined) {
      headers['content-type'] = options.contentType ?? 'text/plain; charset=UTF-8';
      body = options.text;
    } else if (options.bytes !== undefined || options.stream !== undefined) {
      headers['content-type'] = options.contentType ?? 'application/octet-stream';
      body = options.bytes;
    }
    for (let attempt = 1; ; attempt++) {
      headers.authorization = await this.auth.header(signal);
      let response: Response;
      // Opened outside the try: a file that cannot be read is its own error, not an unreachable server.
      const stream: Readable | undefined = options.stream ? await options.stream() : undefined;
      try {
        const init = { method, headers, body: stream ?? body, signal, redirect: 'follow', duplex: 'half' };
        response = await fetch(url, init as RequestInit);
      } catch (error) {
        stream?.destroy();
        if (signal.aborted) throw signal.reason;
        throw unreachable(this.host, error);
      }
      const text = await response.text();
      if (response.status === 401 && attempt === 1 && this.auth.invalidate()) continue;
      const answer = { status: response.status, body: text, ok: response.ok };
      if (response.ok || options.allow?.includes(response.status)) return answer;
      throw httpError({ host: this.host, what, status: response.status, body: this.redact(text), user: this.user });
    }
  }

  /** The user in messages (never the password). */
  get user(): string {
    return this.config.username;
  }
}
