/**
 * One layer's include file: a `LAYER ... END` block, preceded by a comment line holding the
 * definition geosync published as JSON, which is what getLayer reads back (parsing mapfiles is
 * not needed, and the values are exactly those given).
 */
import { UnexpectedError, UserError } from '../../errors/errors.ts';
import type { LayerDefinition, LayerMetadata, PostgisSource } from '../publisher.ts';
import { conninfoValue, dataIdentifier, keywordItem, mapString } from './mapfile-syntax.ts';
import type { PostgisTableInfo } from './postgis-table.ts';

const HEADER = '# geosync-layer ';

/** Default drawing of each layer type (styles are not supported yet). */
const classes: Record<string, string[]> = {
  POINT: ['  CLASS', '    STYLE', '      SYMBOL 0', '      SIZE 5', '      COLOR 200 40 40', '    END', '  END'],
  LINE: ['  CLASS', '    STYLE', '      COLOR 200 40 40', '      WIDTH 2', '    END', '  END'],
  POLYGON: ['  CLASS', '    STYLE', '      COLOR 240 200 160', '      OUTLINECOLOR 120 80 40', '    END', '  END'],
};

/** The libpq connection string of a source, each value quoted for libpq. */
export function connectionString(source: PostgisSource): string {
  const pairs: Array<[string, string | number]> = [
    ['host', source.host],
    ['port', source.port],
    ['dbname', source.database],
    ['user', source.user],
  ];
  if (source.password !== undefined) pairs.push(['password', source.password]);
  return pairs.map(([key, value]) => `${key}=${conninfoValue(value)}`).join(' ');
}

function metadataLines(name: string, metadata: LayerMetadata, advertised: boolean): string[] {
  const entries: Array<[string, string]> = [['wms_title', metadata.title ?? name]];
  if (metadata.abstract !== undefined) entries.push(['wms_abstract', metadata.abstract]);
  const keywords = (metadata.keywords ?? []).map(keywordItem).filter((k) => k !== '');
  if (keywords.length > 0) entries.push(['wms_keywordlist', keywords.join(',')]);
  const links = metadata.metadataLinks ?? [];
  if (links.length > 0) {
    entries.push(['wms_metadataurl_list', links.map((_, i) => `m${i}`).join(' ')]);
    links.forEach((link, i) => {
      entries.push([`wms_metadataurl_m${i}_href`, link.href]);
      entries.push([`wms_metadataurl_m${i}_type`, link.type]);
      entries.push([`wms_metadataurl_m${i}_format`, link.format]);
    });
  }
  if (metadata.dataTimestamp !== undefined) entries.push(['geosync_data_timestamp', metadata.dataTimestamp]);
  if (metadata.metadataTimestamp !== undefined) {
    entries.push(['geosync_metadata_timestamp', metadata.metadataTimestamp]);
  }
  // Unadvertised: answered by name (GetMap, GetFeatureInfo), listed in no GetCapabilities.
  entries.push(['wms_enable_request', advertised ? '*' : '* !GetCapabilities']);
  return ['  METADATA', ...entries.map(([key, value]) => `    ${mapString(key)} ${mapString(value)}`), '  END'];
}

/**
 * The include of a layer. `table` is required for a PostGIS source (see describePostgisTable);
 * an embedded-store table is refused, MapServer cannot reach geosync's own store.
 */
export function renderInclude(name: string, layer: LayerDefinition, table?: PostgisTableInfo): string {
  const { source } = layer;
  const body: string[] = ['LAYER', `  NAME ${mapString(name)}`, '  STATUS ON'];
  switch (source.kind) {
    case 'postgis': {
      if (!table) throw new UnexpectedError('unexpected', 'renderInclude: a PostGIS layer needs its table information');
      const relation = `${dataIdentifier(source.schema, 'schema', true)}.${dataIdentifier(source.table, 'table', true)}`;
      const geometry = dataIdentifier(table.geometryColumn, 'geometry column', false);
      const unique = ` using unique ${dataIdentifier(table.uniqueKey, 'key', false)}`;
      body.push(
        `  TYPE ${table.layerType}`,
        '  CONNECTIONTYPE POSTGIS',
        `  CONNECTION ${mapString(connectionString(source))}`,
        `  DATA ${mapString(`${geometry} from ${relation}${unique} using srid=${table.srid}`)}`,
        `  PROJECTION ${mapString(`EPSG:${table.srid}`)} END`,
        ...metadataLines(name, layer.metadata, layer.advertised),
        ...(classes[table.layerType] ?? []),
      );
      break;
    }
    case 'geotiff':
      if (!source.path.startsWith('/')) {
        throw new UserError(
          'layer_source_invalid',
          `GeoTIFF path '${source.path}' must be absolute (as MapServer sees it)`,
        );
      }
      // The projection is read from the file itself.
      body.push(
        '  TYPE RASTER',
        `  DATA ${mapString(source.path)}`,
        '  PROJECTION AUTO END',
        ...metadataLines(name, layer.metadata, layer.advertised),
      );
      break;
    case 'app-schema':
      throw new UserError(
        'layer_source_unsupported',
        'MapServer cannot serve app-schema (complex feature) layers: publish them on GeoServer',
      );
    case 'embedded':
      throw new UserError(
        'layer_source_unsupported',
        `MapServer cannot serve '${source.schema}.${source.table}' of geosync's embedded store: it cannot connect to it. Copy the table to a PostGIS database first, or publish with the built-in publisher`,
      );
  }
  body.push('END');
  const header = `${HEADER}${JSON.stringify(layer)}`;
  return `# Generated by geosync: edits are overwritten.\n${header}\n${body.join('\n')}\n`;
}

/** The definition stored in an include, or undefined when the file is not one of geosync's. */
export function readIncludeDefinition(text: string): LayerDefinition | undefined {
  for (const line of text.split('\n', 3)) {
    if (!line.startsWith(HEADER)) continue;
    try {
      return JSON.parse(line.slice(HEADER.length)) as LayerDefinition;
    } catch {
      return undefined;
    }
  }
  return undefined;
}
