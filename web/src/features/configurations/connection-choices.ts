import { useQuery } from '@tanstack/react-query';

import type { Page } from '../../../../src/contracts/common.dto.ts';
import type { Connection, ConnectionKind } from '../../../../src/contracts/connections.dto.ts';
import { api, withQuery } from '../../api-client.ts';

/** Parameter kinds whose value is the name of a connection, and the connection kind they name. */
const connectionKindOf: Record<string, ConnectionKind> = {
  database: 'database',
  'file-service': 'file_service',
  'map-server': 'map_server',
};

export function connectionKindOfParameter(parameterKind: string): ConnectionKind | undefined {
  return connectionKindOf[parameterKind];
}

/**
 * The names tasks give a connection, as the server offers them for attributes: an S3 connection
 * serving several buckets is named per bucket (`<connection>-<bucket>`), every other one by its name.
 */
function namesOf(connection: Connection): string[] {
  const buckets = connection.config['buckets'];
  const perBucket =
    connection.kind === 'file_service' &&
    Array.isArray(buckets) &&
    buckets.length > 1 &&
    buckets.every((bucket) => typeof bucket === 'string');
  return perBucket ? buckets.map((bucket) => `${connection.name}-${String(bucket)}`) : [connection.name];
}

/** The connections of a kind the user may use, as the names a parameter can hold (sorted). */
export function useConnectionNames(kind: ConnectionKind | undefined) {
  return useQuery({
    queryKey: ['connections', 'names', kind],
    queryFn: ({ signal }) => api.get<Page<Connection>>(withQuery('/connections', { kind, limit: 500 }), { signal }),
    select: (page) => [...new Set(page.items.flatMap(namesOf))].sort(),
    enabled: kind !== undefined,
    // The dialog falls back to free text on failure: no point making the user wait for retries.
    retry: false,
    staleTime: 30_000,
  });
}
