import type { LayerSource, PublishedLayer } from '../../connectors/publisher.ts';
import type { LayerSourceView, LayerSummary } from '../../contracts/layers.dto.ts';

/**
 * A layer's source as the API shows it. Built field by field (never by spreading the source) so
 * a secret the publisher reports, today a PostGIS password and app-schema file contents that may
 * hold database settings, cannot reach an answer by accident.
 */
export function sourceView(source: LayerSource): LayerSourceView {
  switch (source.kind) {
    case 'postgis':
      return {
        kind: 'postgis',
        host: source.host,
        port: source.port,
        database: source.database,
        user: source.user,
        schema: source.schema,
        table: source.table,
      };
    case 'embedded':
      return { kind: 'embedded', schema: source.schema, table: source.table };
    case 'geotiff':
      return { kind: 'geotiff', path: source.path };
    case 'app-schema':
      return { kind: 'app-schema', mainFile: source.mainFile, files: source.files.map((f) => f.path) };
  }
}

export function summaryOf(layer: PublishedLayer): LayerSummary {
  return {
    ...(layer.workspace !== undefined && { workspace: layer.workspace }),
    name: layer.name,
    ...(layer.metadata.title !== undefined && { title: layer.metadata.title }),
    advertised: layer.advertised,
    readRoles: layer.readRoles ?? null,
  };
}

/** Runs `work` over `items` with at most `limit` at a time, keeping their order. */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
