import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import type { Run } from '../../../../src/contracts/batches.dto.ts';
import type { Page } from '../../../../src/contracts/common.dto.ts';
import { api, withQuery } from '../../api-client.ts';
import { isOpenRun } from './run-status.ts';

export const runsKey = ['runs'] as const;

export interface RunFilter {
  status?: string;
  batch?: string;
  /** ISO date-time: runs started at or after it. */
  since?: string;
  /** ISO date-time: runs started before it. */
  until?: string;
  limit: number;
  offset: number;
}

export function useRuns(filter: RunFilter) {
  return useQuery({
    queryKey: [...runsKey, 'list', filter],
    queryFn: ({ signal }) => api.get<Page<Run>>(withQuery('/runs', { ...filter }), { signal }),
    placeholderData: keepPreviousData,
    // While a listed run is still open, its row follows it.
    refetchInterval: (query) => (query.state.data?.items.some((run) => isOpenRun(run.status)) ? 3000 : false),
  });
}

export const runKey = (id: string) => [...runsKey, 'one', id] as const;

export function useRun(id: string) {
  return useQuery({
    queryKey: runKey(id),
    queryFn: ({ signal }) => api.get<Run>(`/runs/${encodeURIComponent(id)}`, { signal }),
  });
}

export interface RunLogLine {
  /** Ascending in the order lines were stored; the REST log pages with the last one as `after`. */
  id: number;
  at: string;
  level: string;
  message: string;
  taskRunId: string | null;
}

/** The API returns at most this many lines per request. */
export const logPageSize = 1000;

/** The stored log of a run, a page at a time: `fetchNextPage` reads the lines after the last one. */
export function useRunLog(id: string, enabled: boolean) {
  return useInfiniteQuery({
    queryKey: [...runsKey, 'log', id],
    queryFn: ({ signal, pageParam }) =>
      api.get<{ items: RunLogLine[] }>(withQuery(`/runs/${encodeURIComponent(id)}/log`, { after: pageParam }), {
        signal,
      }),
    initialPageParam: 0,
    // A short page is the last one; a full page may have more after it.
    getNextPageParam: (last) => (last.items.length >= logPageSize ? last.items.at(-1)!.id : undefined),
    select: (data) => data.pages.flatMap((page) => page.items),
    enabled,
  });
}

export function useInterruptRun(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => api.post<Run>(`/runs/${encodeURIComponent(id)}/interrupt`),
    onSuccess: (run) => queryClient.setQueryData(runKey(id), run),
  });
}
