import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import type { Batch, Run } from '../../../../src/contracts/batches.dto.ts';
import type { Page } from '../../../../src/contracts/common.dto.ts';
import type { Configuration } from '../../../../src/contracts/configurations.dto.ts';
import type { MisfirePolicy, Schedule } from '../../../../src/contracts/schedules.dto.ts';
import type { Workspace } from '../../../../src/contracts/workspaces.dto.ts';
import { api, withQuery } from '../../api-client.ts';

export const batchesKey = ['batches'] as const;

export function useBatches(filter: { workspace?: string; limit: number; offset: number }) {
  return useQuery({
    queryKey: [...batchesKey, 'list', filter],
    queryFn: ({ signal }) => api.get<Page<Batch>>(withQuery('/batches', filter), { signal }),
    placeholderData: keepPreviousData,
  });
}

export function useBatch(id: string | undefined) {
  return useQuery({
    queryKey: [...batchesKey, 'one', id],
    queryFn: ({ signal }) => api.get<Batch>(`/batches/${encodeURIComponent(id ?? '')}`, { signal }),
    enabled: id !== undefined,
  });
}

/** The configuration a batch belongs to: its tasks are the ones the batch may run. */
export function useConfiguration(id: string | null) {
  return useQuery({
    queryKey: ['configurations', 'one', id],
    queryFn: ({ signal }) => api.get<Configuration>(`/configurations/${encodeURIComponent(id ?? '')}`, { signal }),
    enabled: id !== null,
  });
}

export interface BatchChanges {
  name: string;
  description: string;
  enabled: boolean;
  tasks: string[];
  schedule: Schedule | null;
  timeZone: string;
  misfire: MisfirePolicy;
}

export function useUpdateBatch(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (changes: BatchChanges) => api.patch<Batch>(`/batches/${encodeURIComponent(id)}`, changes),
    onSuccess: (batch) => {
      queryClient.setQueryData([...batchesKey, 'one', id], batch);
      void queryClient.invalidateQueries({ queryKey: [...batchesKey, 'list'] });
    },
  });
}

export function useRunBatch(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => api.post<Run>(`/batches/${encodeURIComponent(id)}/run`),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['runs'] });
      void queryClient.invalidateQueries({ queryKey: batchesKey });
    },
  });
}

export interface SchedulePreview {
  description: string;
  fires: string[];
}

export function previewSchedule(schedule: Schedule, timeZone: string, signal: AbortSignal): Promise<SchedulePreview> {
  return api.post<SchedulePreview>('/schedule-preview', { schedule, timeZone, count: 5 }, { signal });
}

/** Every workspace the user sees, with the user's own level on each (the API's upper page limit). */
export function useWorkspaces() {
  return useQuery({
    queryKey: ['workspaces', 'all'],
    queryFn: ({ signal }) => api.get<Page<Workspace>>(withQuery('/workspaces', { limit: 500 }), { signal }),
    select: (page) => page.items,
    staleTime: 60_000,
  });
}

export type WorkspaceLevel = Workspace['myLevel'];
const levelRank: Record<WorkspaceLevel, number> = { read: 1, write: 2, admin: 3 };

/**
 * Whether the user has at least `need` on the named workspace. Unknown until the workspaces load:
 * buttons stay hidden rather than appearing and then being refused.
 */
export function useWorkspaceAllows(workspace: string | undefined, need: WorkspaceLevel): boolean {
  const workspaces = useWorkspaces();
  const level = workspaces.data?.find((candidate) => candidate.name === workspace)?.myLevel;
  return level !== undefined && levelRank[level] >= levelRank[need];
}
