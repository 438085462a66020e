import { createHash } from 'node:crypto';

import { isGeosyncError, UserError } from '../../errors/errors.ts';
import { errorText } from './geoserver-errors.ts';
import { type GeoserverClient, path } from './geoserver-client.ts';
import { type QualifiedRef, STYLE_PREFIX } from './geoserver-names.ts';

/** A style to give a layer: its name, and its workspace when it is a workspace style. */
export interface StyleRef {
  name: string;
  workspace?: string;
}

const styleNameOf = (sld: string): string =>
  STYLE_PREFIX + createHash('sha256').update(sld, 'utf8').digest('hex').slice(0, 16);

/**
 * Finds a named style: in the layer's workspace first, then global. Refuses an unknown name
 * before anything is changed.
 */
export async function findNamedStyle(
  client: GeoserverClient,
  ref: QualifiedRef,
  name: string,
  workspaceExists: boolean,
  signal: AbortSignal,
): Promise<StyleRef> {
  if (workspaceExists && (await client.getJson(path`/workspaces/${ref.workspace}/styles/${name}`, signal))) {
    return { name, workspace: ref.workspace };
  }
  if (await client.getJson(path`/styles/${name}`, signal)) return { name };
  throw new UserError(
    'style_not_found',
    `Style '${name}' exists neither in workspace '${ref.workspace}' nor globally on GeoServer at ${client.host}`,
    { status: 400, details: [{ field: 'style', message: 'unknown style' }] },
  );
}

/**
 * Uploads an SLD body as a workspace style named after its content (idempotent: an existing
 * style of that name has that content). GeoServer refuses an invalid SLD with 400: that
 * becomes a `style_rejected` UserError carrying GeoServer's reason.
 */
export async function ensureSldStyle(
  client: GeoserverClient,
  workspace: string,
  sld: string,
  signal: AbortSignal,
): Promise<StyleRef> {
  const name = styleNameOf(sld);
  if (await client.getJson(path`/workspaces/${workspace}/styles/${name}`, signal)) return { name, workspace };
  const response = await client.rest('POST', `${path`/workspaces/${workspace}/styles`}?name=${name}`, signal, {
    text: sld,
    contentType: 'application/vnd.ogc.sld+xml; charset=UTF-8',
    allow: [400, 403],
  });
  if (response.status === 400) {
    throw new UserError(
      'style_rejected',
      `GeoServer at ${client.host} rejected the layer's SLD: ${client.redact(errorText(response.body))}`,
      { status: 400, details: [{ field: 'style', message: 'invalid SLD' }] },
    );
  }
  // 403 "already exists": another publication uploaded the same content meanwhile.
  return { name, workspace };
}

/** Removes a style geosync uploaded once no layer uses it (GeoServer answers 403 while one does). */
export async function removeStyleIfUnused(
  client: GeoserverClient,
  style: StyleRef,
  signal: AbortSignal,
): Promise<void> {
  if (!style.workspace || !style.name.startsWith(STYLE_PREFIX)) return;
  try {
    await client.rest('DELETE', `${path`/workspaces/${style.workspace}/styles/${style.name}`}?purge=true`, signal, {
      allow: [403, 404],
    });
  } catch (error) {
    // Clean-up only: a failure here must not fail the removal of the layer.
    if (!isGeosyncError(error)) throw error;
  }
}
