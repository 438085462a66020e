import { UserError } from '../../errors/errors.ts';
import type { GeoserverClient } from './geoserver-client.ts';
import { requireLayer } from './geoserver-layers.ts';
import { prefixed, type QualifiedRef } from './geoserver-names.ts';

const escapeXml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * GeoWebCache speaks XML (its JSON mangles multi-valued properties), and masstruncate compares
 * the Content-Type with `text/xml` exactly: no charset may follow.
 */
const XML = 'text/xml';

/**
 * Sets up the tile cache of a layer: `PUT /gwc/rest/layers/ws:name.xml` is an upsert (200 on
 * create and on change), so this is idempotent. The layer must exist on GeoServer.
 */
export async function configureCache(
  client: GeoserverClient,
  ref: QualifiedRef,
  options: { gridSets: string[]; formats: string[] },
  signal: AbortSignal,
): Promise<void> {
  for (const [field, list] of [
    ['gridSets', options.gridSets],
    ['formats', options.formats],
  ] as const) {
    if (list.length === 0 || list.some((v) => v.trim() === '')) {
      throw new UserError(
        'invalid_cache',
        `The tile cache of '${ref.workspace}:${ref.name}' needs at least one of ${field}`,
        {
          details: [{ field, message: 'at least one, none empty' }],
        },
      );
    }
  }
  await requireLayer(client, ref, signal);
  const name = escapeXml(`${ref.workspace}:${ref.name}`);
  const xml =
    `<GeoServerLayer><enabled>true</enabled><name>${name}</name>` +
    `<mimeFormats>${options.formats.map((f) => `<string>${escapeXml(f)}</string>`).join('')}</mimeFormats>` +
    `<gridSubsets>${options.gridSets.map((g) => `<gridSubset><gridSetName>${escapeXml(g)}</gridSetName></gridSubset>`).join('')}</gridSubsets>` +
    '<metaWidthHeight><int>4</int><int>4</int></metaWidthHeight>' +
    '<expireCache>0</expireCache><expireClients>0</expireClients><gutter>0</gutter><autoCacheStyles>true</autoCacheStyles>' +
    '</GeoServerLayer>';
  await client.gwc('PUT', `/layers/${prefixed(ref)}.xml`, signal, { text: xml, contentType: XML, accept: XML });
}

/** Empties the tile cache of a layer (masstruncate); a layer with no tile layer has nothing to clear. */
export async function clearCache(client: GeoserverClient, ref: QualifiedRef, signal: AbortSignal): Promise<void> {
  const tileLayer = await client.gwc('GET', `/layers/${prefixed(ref)}.xml`, signal, { accept: XML, allow: [404] });
  if (tileLayer.status === 404) return;
  const xml = `<truncateLayer><layerName>${escapeXml(`${ref.workspace}:${ref.name}`)}</layerName></truncateLayer>`;
  await client.gwc('POST', '/masstruncate', signal, { text: xml, contentType: XML, accept: XML });
}
