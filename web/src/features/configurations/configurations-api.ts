import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import type { Batch, Run } from '../../../../src/contracts/batches.dto.ts';
import type { Page } from '../../../../src/contracts/common.dto.ts';
import type { Configuration } from '../../../../src/contracts/configurations.dto.ts';
import type { Workspace } from '../../../../src/contracts/workspaces.dto.ts';
import { api, withQuery } from '../../api-client.ts';

export type ConfigurationListItem = Pick<
  Configuration,
  'id' | 'workspace' | 'name' | 'description' | 'template' | 'validated' | 'updatedAt'
>;

/** What the server answers for `DELETE /configurations/:id` (with or without clean-up). */
export interface RemoveReport {
  removed: boolean;
  cleaned: string[];
  failed: { task: string; message: string }[];
}

export interface TaskParameterInfo {
  name: string;
  kind: string;
  required: boolean;
  description?: string;
  dependsOn: { name: string; enforced: boolean }[];
}

export interface TaskTypeInfo {
  type: string;
  title: string;
  description: string;
  capability: string;
  supportsCleanup: boolean;
  parameters: TaskParameterInfo[];
}

export interface ConfigurationChange {
  name?: string;
  description?: string;
  attributes?: Record<string, string>;
  tasks?: { name: string; type: string; parameters: Record<string, string> }[];
}

export interface NewConfiguration {
  workspace: string;
  name: string;
  description: string;
  template: boolean;
  from?: string;
}

const key = ['configurations'] as const;
const path = (id: string) => `/configurations/${encodeURIComponent(id)}`;

export function useConfigurationList(filter: {
  template: boolean;
  workspace?: string;
  search?: string;
  limit: number;
  offset: number;
}) {
  return useQuery({
    queryKey: [...key, 'list', filter],
    queryFn: ({ signal }) =>
      api.get<Page<ConfigurationListItem>>(
        withQuery('/configurations', { ...filter, template: String(filter.template) }),
        { signal },
      ),
    placeholderData: keepPreviousData,
  });
}

export function useConfiguration(id: string) {
  return useQuery({
    queryKey: [...key, 'one', id],
    queryFn: ({ signal }) => api.get<Configuration>(path(id), { signal }),
  });
}

/** The values an attribute may take (`null`: free text), from the saved configuration. */
export function useAttributeValues(id: string, attribute: string, enabled: boolean, savedDependency: string) {
  return useQuery({
    queryKey: [...key, 'values', id, attribute, savedDependency],
    queryFn: ({ signal }) =>
      api.get<{ values: string[] | null }>(`${path(id)}/attributes/${encodeURIComponent(attribute)}/values`, {
        signal,
      }),
    select: (answer) => answer.values,
    enabled,
    retry: false,
    staleTime: 30_000,
  });
}

export function useTaskTypes() {
  return useQuery({
    queryKey: ['task-types'],
    queryFn: ({ signal }) => api.get<{ items: TaskTypeInfo[] }>('/task-types', { signal }),
    select: (answer) => answer.items,
    staleTime: 5 * 60_000,
  });
}

export function useWorkspaces() {
  return useQuery({
    queryKey: ['workspaces', 'all'],
    queryFn: ({ signal }) => api.get<Page<Workspace>>(withQuery('/workspaces', { limit: 500 }), { signal }),
    select: (answer) => answer.items,
    staleTime: 60_000,
  });
}

function useSetConfiguration() {
  const queryClient = useQueryClient();
  return (configuration: Configuration) => {
    queryClient.setQueryData([...key, 'one', configuration.id], configuration);
    return queryClient.invalidateQueries({
      queryKey: key,
      predicate: (query) => query.queryKey[1] !== 'one' || query.queryKey[2] !== configuration.id,
    });
  };
}

export function useCreateConfiguration() {
  const set = useSetConfiguration();
  return useMutation({
    mutationFn: (input: NewConfiguration) => api.post<Configuration>('/configurations', input),
    onSuccess: set,
  });
}

export function useUpdateConfiguration(id: string) {
  const set = useSetConfiguration();
  return useMutation({
    mutationFn: (change: ConfigurationChange) => api.patch<Configuration>(path(id), change),
    onSuccess: set,
  });
}

/** Apply template (resolves drift) or validate again: both answer with the configuration. */
export function useConfigurationAction(id: string, action: 'apply-template' | 'validate') {
  const set = useSetConfiguration();
  return useMutation({
    mutationFn: () => api.post<Configuration>(`${path(id)}/${action}`),
    onSuccess: set,
  });
}

export function useRemoveConfiguration() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, cleanup }: { id: string; cleanup: boolean }) =>
      api.delete<RemoveReport>(withQuery(path(id), { cleanup: String(cleanup) })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: [...key, 'list'] }),
  });
}

/** What the editor's "New batch" sends (`POST /batches`); order and schedule are edited on the batch's page. */
export interface NewBatch {
  workspace: string;
  configuration: string;
  name: string;
  description: string;
  enabled: boolean;
  /** Task ids in run order. */
  tasks: string[];
}

export function useCreateBatch(configurationId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: NewBatch) => api.post<Batch>('/batches', input),
    onSuccess: () => {
      // The configuration lists its batches; the Batches page lists them all.
      void queryClient.invalidateQueries({ queryKey: [...key, 'one', configurationId] });
      void queryClient.invalidateQueries({ queryKey: ['batches'] });
    },
  });
}

/** The newest run of a batch, polled while it is queued or running. */
export function useLatestRun(batchId: string, knownRunId?: string) {
  return useQuery({
    queryKey: ['runs', 'latest', batchId, knownRunId],
    queryFn: async ({ signal }) => {
      if (knownRunId) return api.get<Run>(`/runs/${encodeURIComponent(knownRunId)}`, { signal });
      const page = await api.get<Page<Run>>(withQuery('/runs', { batch: batchId, limit: 1 }), { signal });
      return page.items[0] ?? null;
    },
    refetchInterval: (query) => (isRunOpen(query.state.data) ? 1000 : false),
  });
}

export function isRunOpen(run: Run | null | undefined): boolean {
  return !!run && (run.status === 'queued' || run.status === 'running');
}

/**
 * Starts `@Initialize` the way the server does on every save in init mode: an unchanged save
 * (`PATCH {}`) answers with `initializeRunId` when it started the run, so its trigger is `initialize`.
 */
export function useStartInitialize(id: string) {
  const set = useSetConfiguration();
  return useMutation({
    mutationFn: () => api.patch<Configuration>(path(id), {}),
    onSuccess: set,
  });
}

/** Where the editor of a template or configuration lives. */
export function editorPath(configuration: { id: string; template: boolean }): string {
  return `/${configuration.template ? 'templates' : 'configurations'}/${encodeURIComponent(configuration.id)}`;
}

export function exportUrl(id: string, format: 'json' | 'yaml'): string {
  return `/api/v1${path(id)}/export?format=${format}`;
}
