import { keycloakError, unreachable } from './geoserver-errors.ts';
import type { GeoserverConfig } from './geoserver.config.ts';

/** How a request to GeoServer is authorised: the header to send, and what to do after a 401. */
export interface GeoserverAuth {
  /** The `Authorization` header value. */
  header(signal: AbortSignal): Promise<string>;
  /** After a 401: forget what may have expired; true when a retry may succeed. */
  invalidate(): boolean;
}

export function basicAuth(username: string, password: string): GeoserverAuth {
  const value = `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
  return { header: () => Promise.resolve(value), invalidate: () => false };
}

interface Token {
  value: string;
  /** Date.now() after which the token is not used any more. */
  refreshAt: number;
}

/**
 * A GeoServer behind Keycloak: the OIDC password grant (client id, optional client secret, user
 * and password) gives an access token, sent as `Bearer`. The token is cached until shortly
 * before it expires (a tenth of its life, at most 30 s early) and fetched again after a 401,
 * once: a token revoked or expired on the server side is replaced transparently.
 */
export class KeycloakAuth implements GeoserverAuth {
  private token: Token | undefined;
  private pending: Promise<Token> | undefined;
  /** Token requests made, for tests and diagnostics. */
  logins = 0;

  constructor(private readonly config: GeoserverConfig) {}

  get tokenUrl(): string {
    const base = (this.config.authUrl ?? '').replace(/\/+$/, '');
    return `${base}/realms/${encodeURIComponent(this.config.realm ?? '')}/protocol/openid-connect/token`;
  }

  async header(signal: AbortSignal): Promise<string> {
    if (this.token && Date.now() < this.token.refreshAt) return `Bearer ${this.token.value}`;
    // One login at a time: concurrent requests share it.
    this.pending ??= this.login(signal).finally(() => {
      this.pending = undefined;
    });
    this.token = await this.pending;
    return `Bearer ${this.token.value}`;
  }

  invalidate(): boolean {
    this.token = undefined;
    return true;
  }

  private async login(signal: AbortSignal): Promise<Token> {
    const form = new URLSearchParams({
      grant_type: 'password',
      client_id: this.config.clientId ?? '',
      username: this.config.username,
      password: this.config.password,
    });
    if (this.config.clientSecret) form.set('client_secret', this.config.clientSecret);
    const authHost = new URL(this.tokenUrl).host;
    let response: Response;
    try {
      this.logins += 1;
      response = await fetch(this.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form,
        signal,
      });
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw unreachable(`${authHost} (Keycloak)`, error);
    }
    const body = await response.text();
    if (!response.ok) throw keycloakError(authHost, response.status, body);
    let parsed: { access_token?: unknown; expires_in?: unknown };
    try {
      parsed = JSON.parse(body) as typeof parsed;
    } catch {
      parsed = {};
    }
    if (typeof parsed.access_token !== 'string' || parsed.access_token === '') {
      throw keycloakError(authHost, 502, 'the answer holds no access_token');
    }
    const lifetime = typeof parsed.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in : 60;
    const early = Math.min(30, lifetime / 10);
    return { value: parsed.access_token, refreshAt: Date.now() + (lifetime - early) * 1000 };
  }
}

export function createAuth(config: GeoserverConfig): GeoserverAuth {
  return config.authentication === 'keycloak' ? new KeycloakAuth(config) : basicAuth(config.username, config.password);
}
