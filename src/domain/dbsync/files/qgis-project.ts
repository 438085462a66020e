import { isGeosyncError, UserError } from '../../../errors/errors.ts';
import { attributeOf, childElements, firstChild, textOf, type XmlElement } from '../../../lib/xml/xml-node.ts';
import { parseXml, XmlSyntaxError } from '../../../lib/xml/xml-parser.ts';
import { readZip } from '../../../lib/zip/zip-reader.ts';
import { zipFiles } from '../../../lib/zip/zip-writer.ts';
import { type CentralDatabase, type CloneDatabase, rewriteDatasource } from './datasource.ts';
import { serializeXml } from './xml-serializer.ts';

export interface ProjectRewrite {
  central: CentralDatabase;
  clone: CloneDatabase;
}

export interface RewrittenProject {
  /** The same Buffer as given when nothing pointed at the central. */
  content: Buffer;
  /** How many `postgres` map layers now point at the clone. */
  layers: number;
}

export const isQgisProjectFile = (path: string): boolean => /\.qg[sz]$/i.test(path);

const invalidProject = (fileName: string, why: string, cause?: unknown) =>
  new UserError('dbsync_invalid_project', `'${fileName}' is not a QGIS project geosync can adapt (${why})`, {
    cause,
    details: [{ field: 'file', message: why }],
  });

/**
 * Where the root element starts, after the XML declaration, comments and QGIS's
 * `<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>`. The parser refuses any DOCTYPE
 * (one could define entities); one without an internal subset defines none, so it is blanked out
 * for the parser and written back as it was.
 */
function splitProlog(text: string, fileName: string): { rootAt: number; parseable: string } {
  let i = text.startsWith('\uFEFF') ? 1 : 0;
  let parseable = text;
  for (;;) {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
    const closer = text.startsWith('<?', i) ? '?>' : text.startsWith('<!--', i) ? '-->' : undefined;
    if (closer) {
      const end = text.indexOf(closer, i);
      if (end < 0) throw invalidProject(fileName, 'its XML declaration or a comment is never closed');
      i = end + closer.length;
    } else if (text.startsWith('<!DOCTYPE', i)) {
      const end = text.indexOf('>', i);
      if (end < 0 || text.slice(i, end).includes('[')) {
        throw invalidProject(fileName, 'its DOCTYPE has an internal subset or is never closed');
      }
      parseable = text.slice(0, i) + ' '.repeat(end + 1 - i) + text.slice(end + 1);
      i = end + 1;
    } else {
      return { rootAt: i, parseable };
    }
  }
}

function parseProject(text: string, fileName: string): { root: XmlElement; rootAt: number } {
  const { rootAt, parseable } = splitProlog(text, fileName);
  let root: XmlElement;
  try {
    root = parseXml(parseable);
  } catch (error) {
    if (error instanceof XmlSyntaxError) throw invalidProject(fileName, `not XML: ${error.message}`, error);
    throw error;
  }
  if (root.name !== 'qgis') throw invalidProject(fileName, `its root element is <${root.name}>, not <qgis>`);
  return { root, rootAt };
}

const isPostgres = (provider: string | undefined) => provider?.trim() === 'postgres';

/** Attributes holding a layer's source, with the attribute naming its provider on the same element. */
const SOURCE_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  source: ['providerKey', 'provider'], // layer-tree-layer, layout layer references
  dataSource: ['providerKey'], // relations (referencedLayers / referencingLayers)
  coverageLayerSource: ['coverageLayerProvider'], // layout atlas
  layerSource: ['layerProvider'],
};

/** A value-relation widget's `<Option name="LayerSource">`, whose sibling names the provider. */
function isPostgresLayerSourceOption(path: readonly XmlElement[]): boolean {
  const option = path.at(-1) as XmlElement;
  const parent = path.at(-2);
  if (option.name !== 'Option' || attributeOf(option, 'name') !== 'LayerSource' || !parent) return false;
  const provider = childElements(parent, 'Option').find((o) => attributeOf(o, 'name') === 'LayerProviderName');
  return provider !== undefined && isPostgres(attributeOf(provider, 'value'));
}

/** The `<datasource>` of every `postgres` map layer pointing at the central, with its rewrite. */
function mapLayerSources(root: XmlElement, rewrite: ProjectRewrite): { sources: Map<string, string>; layers: number } {
  const sources = new Map<string, string>();
  let layers = 0;
  const stack = [root];
  for (let element = stack.pop(); element; element = stack.pop()) {
    stack.push(...childElements(element));
    if (element.name !== 'maplayer') continue;
    const datasource = firstChild(element, 'datasource');
    const provider = firstChild(element, 'provider');
    if (!datasource || !provider || !isPostgres(textOf(provider))) continue;
    const text = textOf(datasource);
    const next = rewriteDatasource(text, rewrite.central, rewrite.clone);
    if (next === undefined) continue;
    sources.set(text, next);
    layers++;
  }
  return { sources, layers };
}

/**
 * Points the `postgres` layers of a `.qgs` project that use the central database at the clone's:
 * each map layer's `<datasource>`, and where QGIS repeats a layer's source (layer tree, relations,
 * value-relation widgets, layouts): by provider where the element names it, else by exact value.
 */
export function rewriteQgs(content: Buffer, fileName: string, rewrite: ProjectRewrite): RewrittenProject {
  const text = content.toString('utf8');
  const { root, rootAt } = parseProject(text, fileName);
  const { sources, layers } = mapLayerSources(root, rewrite);
  let changes = 0;
  const changed = (before: string, after: string | undefined): string => {
    if (after === undefined || after === before) return before;
    changes++;
    return after;
  };
  const viaProvider = (value: string) => rewriteDatasource(value, rewrite.central, rewrite.clone);
  const body = serializeXml(root, {
    text: (_path, value) => changed(value, sources.get(value)),
    attribute: (path, name, value) => {
      const element = path.at(-1) as XmlElement;
      const providers = Object.hasOwn(SOURCE_ATTRIBUTES, name) ? SOURCE_ATTRIBUTES[name] : undefined;
      if (providers?.some((p) => isPostgres(attributeOf(element, p)))) return changed(value, viaProvider(value));
      if (name === 'value' && isPostgresLayerSourceOption(path)) return changed(value, viaProvider(value));
      return changed(value, sources.get(value));
    },
  });
  if (changes === 0) return { content, layers: 0 };
  // The prolog (declaration, DOCTYPE) and what follows the root element are kept as written.
  const tail = text.slice(text.lastIndexOf('>') + 1);
  const out = text.slice(0, rootAt) + body + (tail.trim() === '' ? tail : '\n');
  return { content: Buffer.from(out, 'utf8'), layers };
}

/** A `.qgz` is a ZIP holding the `.qgs` (and the auxiliary `.qgd` and such, kept byte for byte). */
export function rewriteQgz(content: Buffer, fileName: string, rewrite: ProjectRewrite): RewrittenProject {
  let entries;
  try {
    entries = readZip(content, fileName);
  } catch (error) {
    if (isGeosyncError(error) && error.code === 'invalid_zip') throw invalidProject(fileName, error.message, error);
    throw error;
  }
  if (!entries.some((e) => /\.qgs$/i.test(e.path))) throw invalidProject(fileName, 'the archive holds no .qgs file');
  let layers = 0;
  let changed = false;
  const rewritten = entries.map((entry) => {
    if (!/\.qgs$/i.test(entry.path)) return entry;
    const result = rewriteQgs(entry.content, `${fileName}/${entry.path}`, rewrite);
    layers += result.layers;
    changed ||= result.content !== entry.content;
    return { path: entry.path, content: result.content };
  });
  if (!changed) return { content, layers: 0 };
  return {
    content: zipFiles(rewritten, { unsafePath: (p) => invalidProject(fileName, `unsafe entry ${JSON.stringify(p)}`) }),
    layers,
  };
}

/** `.qgs` or `.qgz` by the file's name; anything else is refused. */
export function rewriteQgisProject(fileName: string, content: Buffer, rewrite: ProjectRewrite): RewrittenProject {
  if (/\.qgz$/i.test(fileName)) return rewriteQgz(content, fileName, rewrite);
  if (/\.qgs$/i.test(fileName)) return rewriteQgs(content, fileName, rewrite);
  throw invalidProject(fileName, 'the name ends neither in .qgs nor in .qgz');
}
