import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import type { Page } from '../../../../src/contracts/common.dto.ts';
import type {
  Connection,
  ConnectionKind,
  ConnectionTestResult,
  ConnectionType,
  CreateConnection,
  UpdateConnection,
} from '../../../../src/contracts/connections.dto.ts';
import { api, withQuery } from '../../api-client.ts';

const connectionsKey = ['connections'] as const;

export function useConnections(filter: { kind?: ConnectionKind; limit: number; offset: number }) {
  return useQuery({
    queryKey: [...connectionsKey, filter],
    queryFn: ({ signal }) => api.get<Page<Connection>>(withQuery('/connections', filter), { signal }),
    placeholderData: keepPreviousData,
  });
}

export function useConnectionTypes() {
  return useQuery({
    queryKey: ['connection-types'],
    queryFn: ({ signal }) => api.get<{ items: ConnectionType[] }>('/connection-types', { signal }),
    select: (answer) => answer.items,
    staleTime: 5 * 60_000,
  });
}

function useInvalidateConnections() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: connectionsKey });
}

export function useCreateConnection() {
  const invalidate = useInvalidateConnections();
  return useMutation({
    mutationFn: (input: CreateConnection) => api.post<Connection>('/connections', input),
    onSuccess: invalidate,
  });
}

export function useUpdateConnection(id: string) {
  const invalidate = useInvalidateConnections();
  return useMutation({
    mutationFn: (input: UpdateConnection) => api.patch<Connection>(`/connections/${encodeURIComponent(id)}`, input),
    onSuccess: invalidate,
  });
}

export function useDeleteConnection() {
  const invalidate = useInvalidateConnections();
  return useMutation({
    mutationFn: (id: string) => api.delete(`/connections/${encodeURIComponent(id)}`),
    onSuccess: invalidate,
  });
}

export function useTestConnection(id: string) {
  return useMutation({
    mutationFn: () => api.post<ConnectionTestResult>(`/connections/${encodeURIComponent(id)}/test`),
  });
}
