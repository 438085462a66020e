import { UserError } from '../../errors/errors.ts';
import { childElements, textOf, type XmlElement } from '../../lib/xml/xml-node.ts';
import { parseXml } from '../../lib/xml/xml-parser.ts';
import type { AppSchemaSource } from '../publisher.ts';
import { type GeoserverClient, path } from './geoserver-client.ts';
import { zipFiles } from './geoserver-zip.ts';

/** A feature type an app-schema mapping publishes: `targetElement` `prefix:local`, its namespace URI. */
export interface MappedType {
  prefix: string;
  local: string;
  uri: string;
}

const localName = (el: XmlElement) => el.name.replace(/^.*:/, '');

function descendants(el: XmlElement, name: string, out: XmlElement[] = []): XmlElement[] {
  for (const child of childElements(el)) {
    if (localName(child) === name) out.push(child);
    descendants(child, name, out);
  }
  return out;
}

const invalidMapping = (why: string) =>
  new UserError('invalid_mapping', `The app-schema mapping cannot be published: ${why}`, {
    details: [{ field: 'source.mainFile', message: why }],
  });

/** The feature types the main mapping file maps (its FeatureTypeMapping targetElements), with their namespaces. */
export function mappedTypes(source: AppSchemaSource): MappedType[] {
  const main = source.files.find((f) => f.path === source.mainFile);
  if (!main) throw invalidMapping(`the main file '${source.mainFile}' is not among the files`);
  let root: XmlElement;
  try {
    root = parseXml(main.content);
  } catch (error) {
    throw invalidMapping(`'${source.mainFile}' is not well-formed XML (${(error as Error).message})`);
  }
  const namespaces = new Map<string, string>();
  for (const ns of descendants(root, 'Namespace')) {
    const [prefix] = descendants(ns, 'prefix');
    const [uri] = descendants(ns, 'uri');
    if (prefix && uri) namespaces.set(textOf(prefix).trim(), textOf(uri).trim());
  }
  const types: MappedType[] = [];
  for (const mapping of descendants(root, 'FeatureTypeMapping')) {
    const [target] = descendants(mapping, 'targetElement');
    const [prefix = '', local = ''] = (target ? textOf(target).trim() : '').split(':');
    const uri = namespaces.get(prefix);
    if (!local || !uri) {
      throw invalidMapping(`a FeatureTypeMapping has no targetElement 'prefix:name' with a declared namespace`);
    }
    types.push({ prefix, local, uri });
  }
  if (types.length === 0) throw invalidMapping(`'${source.mainFile}' maps no feature type`);
  return types;
}

/**
 * The mapped type a layer publishes: the only one, else the one named like the layer (a layer
 * published under the temp-name protocol's `_temp_<hex>_<name>` ends with `_<name>`).
 */
export function typeForLayer(types: MappedType[], layer: string): MappedType {
  if (types.length === 1) return types[0]!;
  const match = types
    .filter((t) => layer === t.local || layer.endsWith(`_${t.local}`))
    .sort((a, b) => b.local.length - a.local.length)[0];
  if (!match) {
    throw invalidMapping(
      `it maps ${types.map((t) => `${t.prefix}:${t.local}`).join(', ')}: name the layer after one of them`,
    );
  }
  return match;
}

/**
 * The archive GeoServer's `file.appschema` upload takes: the main mapping renamed `*.appschema`
 * (how GeoServer finds it among the files), the included files under their own paths.
 */
export function appSchemaArchive(source: AppSchemaSource): Buffer {
  const mainName = source.mainFile.replace(/\.[^./]*$/, '') + '.appschema';
  return zipFiles(source.files.map((f) => (f.path === source.mainFile ? { ...f, path: mainName } : f)));
}

/**
 * Creates the app-schema store `store` (or replaces its mapping) by uploading the archive.
 * `configure=none`: GeoServer's `configure=all` would publish every mapped type under its own
 * name, colliding with the layer being replaced; geosync creates the one feature type itself.
 */
export async function uploadMapping(
  client: GeoserverClient,
  workspace: string,
  store: string,
  source: AppSchemaSource,
  signal: AbortSignal,
): Promise<void> {
  await client.rest(
    'PUT',
    `${path`/workspaces/${workspace}/datastores/${store}`}/file.appschema?configure=none`,
    signal,
    {
      bytes: appSchemaArchive(source),
      contentType: 'application/zip',
    },
  );
}
