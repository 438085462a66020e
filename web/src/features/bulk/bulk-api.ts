import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';

import type { Run } from '../../../../src/contracts/batches.dto.ts';
import type { Page, Problem } from '../../../../src/contracts/common.dto.ts';
import type { Configuration } from '../../../../src/contracts/configurations.dto.ts';
import type { Workspace } from '../../../../src/contracts/workspaces.dto.ts';
import { ApiError, api, withQuery } from '../../api-client.ts';
import { useCurrentSession } from '../auth/use-session.ts';
import { isOpenRun } from '../runs/run-status.ts';

/** Body of `POST /bulk/run` and `/bulk/initialize`: name patterns with `*`, seconds. */
export interface BulkRunRequest {
  workspace?: string;
  configuration?: string;
  batch?: string;
  delaySeconds: number;
  intervalSeconds: number;
}

/** One matching batch: queued (`runId`, `startsAt`) or left out with a `message`. */
export interface BulkRunItem {
  batchId: string;
  name: string;
  runId?: string;
  startsAt?: string;
  message?: string;
}

export interface BulkRunAnswer {
  queued: number;
  items: BulkRunItem[];
}

/** One CSV row's outcome; `line` is where the row starts in the file. */
export interface BulkImportRow {
  line: number;
  name: string;
  ok: boolean;
  id?: string;
  validated?: boolean;
  message?: string;
}

export interface BulkImportAnswer {
  created: number;
  failed: number;
  rows: BulkImportRow[];
}

export type TemplateListItem = Pick<Configuration, 'id' | 'workspace' | 'name' | 'description'>;

export function useWorkspaces() {
  return useQuery({
    queryKey: ['workspaces', 'all'],
    queryFn: ({ signal }) => api.get<Page<Workspace>>(withQuery('/workspaces', { limit: 500 }), { signal }),
    select: (page) => page.items,
    staleTime: 60_000,
  });
}

/** Every template the user sees (the Task Manager has a few dozen at most). */
export function useTemplates() {
  return useQuery({
    queryKey: ['configurations', 'list', { template: true, limit: 500, offset: 0, bulk: true }],
    queryFn: ({ signal }) =>
      api.get<Page<TemplateListItem>>(withQuery('/configurations', { template: 'true', limit: 500 }), { signal }),
  });
}

export function useTemplate(id: string) {
  return useQuery({
    queryKey: ['configurations', 'one', id],
    queryFn: ({ signal }) => api.get<Configuration>(`/configurations/${encodeURIComponent(id)}`, { signal }),
    enabled: id !== '',
  });
}

export function useBulkRun(kind: 'run' | 'initialize') {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: BulkRunRequest) => api.post<BulkRunAnswer>(`/bulk/${kind}`, body),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['runs'] });
      void queryClient.invalidateQueries({ queryKey: ['batches'] });
    },
  });
}

export function useBulkImport() {
  const queryClient = useQueryClient();
  const { csrfToken } = useCurrentSession();
  return useMutation({
    mutationFn: ({ templateId, csv }: { templateId: string; csv: string }) =>
      postCsv<BulkImportAnswer>(withQuery('/bulk/import', { template: templateId }), csv, csrfToken),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['configurations'] }),
  });
}

/** Runs queued by a bulk operation, polled until each is finished (at most `limit`, to spare the server). */
export function useRunStatuses(runIds: string[], limit = 100) {
  return useQueries({
    queries: runIds.slice(0, limit).map((id) => ({
      queryKey: ['runs', 'one', id],
      queryFn: ({ signal }: { signal: AbortSignal }) => api.get<Run>(`/runs/${encodeURIComponent(id)}`, { signal }),
      refetchInterval: (query: { state: { data?: Run } }) =>
        !query.state.data || isOpenRun(query.state.data.status) ? 2000 : false,
    })),
    combine: (results) => new Map(results.flatMap((result) => (result.data ? [[result.data.id, result.data]] : []))),
  });
}

/**
 * `POST` of a CSV body: the shared client sends JSON only. Same CSRF header and problem
 * details as every other request (src/api: the CSV parser accepts `text/csv`).
 */
async function postCsv<T>(path: string, csv: string, csrfToken: string | undefined): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method: 'POST',
      headers: {
        accept: 'application/json, application/problem+json',
        'content-type': 'text/csv; charset=utf-8',
        ...(csrfToken && { 'x-csrf-token': csrfToken }),
      },
      body: csv,
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError({
      status: 0,
      code: 'network_error',
      detail: 'Cannot reach the geosync server. Check the connection and try again.',
    });
  }
  const text = await response.text();
  if (response.ok) return JSON.parse(text) as T;
  let problem: Partial<Problem> = {};
  try {
    problem = JSON.parse(text) as Partial<Problem>;
  } catch {
    // Not problem details: the status still says what happened.
  }
  return Promise.reject(
    new ApiError({
      status: response.status,
      code: typeof problem.code === 'string' ? problem.code : `http_${response.status}`,
      detail: problem.detail || problem.title || `The server answered ${response.status} ${response.statusText}`,
      errors: Array.isArray(problem.errors) ? problem.errors : [],
    }),
  );
}
