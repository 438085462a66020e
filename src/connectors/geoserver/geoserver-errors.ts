import { type GeosyncError, OperationalError, UserError } from '../../errors/errors.ts';

/** Network failures: nothing answered. */
const networkCodes = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

/** The network error code fetch hides in `cause` (ECONNREFUSED...), or its message. */
export function networkCode(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

export const isNetworkCode = (code: string): boolean => networkCodes.has(code);

const xmlEscaped = (value: string) =>
  value.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/**
 * Replaces every secret by `***` (GeoServer may echo connection parameters in an error). A
 * password travels in JSON or XML and GeoServer echoes it in either, so its escaped forms
 * (`p\"ss`, `p&amp;ss`) are blanked too, the longest first.
 */
export function redact(text: string, secrets: Iterable<string>): string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (!secret) continue;
    forms.add(secret).add(JSON.stringify(secret).slice(1, -1)).add(xmlEscaped(secret));
    forms.add(xmlEscaped(secret).replaceAll('&quot;', '"')).add(secret.replaceAll("'", '&apos;'));
  }
  let shown = text;
  for (const form of [...forms].sort((a, b) => b.length - a.length)) shown = shown.replaceAll(form, '***');
  return shown;
}

/**
 * GeoServer's error body as one short line. Bodies are plain text, but a 4xx sent through
 * `sendError` may come back as the servlet container's HTML page: tags are dropped.
 */
export function errorText(body: string): string {
  const text = body
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

export function unreachable(host: string, error: unknown): OperationalError {
  return new OperationalError('map_server_unreachable', `Cannot reach GeoServer at ${host} (${networkCode(error)})`, {
    cause: error,
  });
}

export interface FailedCall {
  host: string;
  /** What was asked, e.g. `POST /rest/workspaces`. */
  what: string;
  status: number;
  /** The body, already redacted. */
  body: string;
  /** The account geosync logs in with, named on a refused login. */
  user?: string;
}

/**
 * A GeoServer answer outside 2xx as geosync's error: 4xx are UserErrors (the settings or the
 * definition must change), 5xx OperationalErrors (GeoServer failed; it may work later). The
 * body text is kept, as it is GeoServer's only explanation.
 */
export function httpError({ host, what, status, body, user }: FailedCall): GeosyncError {
  const text = errorText(body);
  const why = text ? `: ${text}` : '';
  if (status === 401) {
    const who = user === undefined ? 'the login' : `the login of '${user}'`;
    return new UserError(
      'map_server_login_refused',
      `GeoServer at ${host} refused ${who} (HTTP 401) on ${what}: check the user name and password of the connection`,
      { status: 403 },
    );
  }
  if (status === 403) {
    return new UserError('map_server_forbidden', `GeoServer at ${host} refused ${what} (HTTP 403)${why}`, {
      status: 403,
    });
  }
  if (status === 404) {
    return new UserError('not_found', `GeoServer at ${host}: ${what} found nothing${why}`, { status: 404 });
  }
  if (status === 409) {
    return new UserError('map_server_conflict', `GeoServer at ${host} refused ${what} (HTTP 409)${why}`, {
      status: 409,
    });
  }
  if (status >= 400 && status < 500) {
    return new UserError('map_server_rejected', `GeoServer at ${host} rejected ${what} (HTTP ${status})${why}`);
  }
  return new OperationalError('map_server_failed', `GeoServer at ${host} failed on ${what} (HTTP ${status})${why}`);
}

/** A failure of the Keycloak password grant (never with the password or the client secret). */
export function keycloakError(authHost: string, status: number, body: string): GeosyncError {
  let reason = errorText(body);
  try {
    const parsed = JSON.parse(body) as { error?: unknown; error_description?: unknown };
    if (typeof parsed.error === 'string') {
      reason =
        typeof parsed.error_description === 'string' ? `${parsed.error}: ${parsed.error_description}` : parsed.error;
    }
  } catch {
    // Not JSON: keep the text.
  }
  const why = reason ? ` (${reason})` : '';
  if (status === 400 || status === 401 || status === 403) {
    return new UserError(
      'map_server_login_refused',
      `Keycloak at ${authHost} refused the login${why}: check the user, the password, the client id and secret`,
      { status: 403 },
    );
  }
  if (status === 404) {
    return new UserError(
      'map_server_login_refused',
      `Keycloak at ${authHost} has no such realm or token endpoint${why}`,
      {
        status: 400,
      },
    );
  }
  return new OperationalError('map_server_failed', `Keycloak at ${authHost} failed (HTTP ${status})${why}`);
}
