import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import type { Page } from '../../../../src/contracts/common.dto.ts';
import type { ApiToken, CreateUser, Role, UpdateUser, User } from '../../../../src/contracts/users.dto.ts';
import type { Grant, Workspace } from '../../../../src/contracts/workspaces.dto.ts';
import { api, withQuery } from '../../api-client.ts';

export type CreatedApiToken = ApiToken & { token: string };

const usersKey = ['users'] as const;
const rolesKey = ['roles'] as const;
// Shared with the configurations feature (its workspace pickers), so changes here refresh those too.
const workspacesKey = ['workspaces'] as const;
const tokensKey = ['tokens'] as const;

const userPath = (id: string) => `/users/${encodeURIComponent(id)}`;
const workspacePath = (id: string) => `/workspaces/${encodeURIComponent(id)}`;

function useInvalidate(key: readonly string[]) {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: key });
}

// Users

export function useUsers(page: { limit: number; offset: number }) {
  return useQuery({
    queryKey: [...usersKey, page],
    queryFn: ({ signal }) => api.get<Page<User>>(withQuery('/users', page), { signal }),
    placeholderData: keepPreviousData,
  });
}

/** User names for pickers; only administrators may list users, so others get an error here. */
export function useUserNames(enabled: boolean) {
  return useQuery({
    queryKey: [...usersKey, 'names'],
    queryFn: ({ signal }) => api.get<Page<User>>(withQuery('/users', { limit: 500 }), { signal }),
    select: (answer) => answer.items.map((user) => user.username),
    enabled,
  });
}

export function useCreateUser() {
  const invalidate = useInvalidate(usersKey);
  return useMutation({
    mutationFn: (input: CreateUser) => api.post<User>('/users', input),
    onSuccess: invalidate,
  });
}

export function useUpdateUser() {
  const invalidate = useInvalidate(usersKey);
  return useMutation({
    mutationFn: ({ id, changes }: { id: string; changes: UpdateUser }) => api.patch<User>(userPath(id), changes),
    onSuccess: invalidate,
  });
}

export function useRemoveUser() {
  const invalidate = useInvalidate(usersKey);
  return useMutation({ mutationFn: (id: string) => api.delete(userPath(id)), onSuccess: invalidate });
}

export function useResetPassword() {
  return useMutation({
    mutationFn: ({ id, newPassword }: { id: string; newPassword: string }) =>
      api.put<void>(`${userPath(id)}/password`, { newPassword }),
  });
}

// Roles

export function useRoles() {
  return useQuery({
    queryKey: rolesKey,
    queryFn: ({ signal }) => api.get<{ items: Role[] }>('/roles', { signal }),
    select: (answer) => answer.items,
  });
}

export function useCreateRole() {
  const invalidate = useInvalidate(rolesKey);
  return useMutation({
    mutationFn: (input: { name: string; description: string }) => api.post<Role>('/roles', input),
    onSuccess: invalidate,
  });
}

export function useRemoveRole() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (name: string) => api.delete(`/roles/${encodeURIComponent(name)}`),
    // Removing a role also takes it from its users.
    onSuccess: () => Promise.all([rolesKey, usersKey].map((queryKey) => queryClient.invalidateQueries({ queryKey }))),
  });
}

// Workspaces and grants

export function useWorkspaceList(page: { limit: number; offset: number }) {
  return useQuery({
    queryKey: [...workspacesKey, 'page', page],
    queryFn: ({ signal }) => api.get<Page<Workspace>>(withQuery('/workspaces', page), { signal }),
    placeholderData: keepPreviousData,
  });
}

export function useWorkspace(id: string) {
  return useQuery({
    queryKey: [...workspacesKey, 'one', id],
    queryFn: ({ signal }) => api.get<Workspace>(workspacePath(id), { signal }),
  });
}

export function useCreateWorkspace() {
  const invalidate = useInvalidate(workspacesKey);
  return useMutation({
    mutationFn: (input: { name: string; description: string }) => api.post<Workspace>('/workspaces', input),
    onSuccess: invalidate,
  });
}

export function useUpdateWorkspace() {
  const invalidate = useInvalidate(workspacesKey);
  return useMutation({
    mutationFn: ({ id, changes }: { id: string; changes: { name?: string; description?: string } }) =>
      api.patch<Workspace>(workspacePath(id), changes),
    onSuccess: invalidate,
  });
}

export function useRemoveWorkspace() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.delete(workspacePath(id)),
    onSuccess: (_answer, id) => {
      // Dropped first, so the removed workspace's own page does not refetch it into a "not found".
      for (const part of ['one', 'grants']) queryClient.removeQueries({ queryKey: [...workspacesKey, part, id] });
      return queryClient.invalidateQueries({ queryKey: workspacesKey });
    },
  });
}

export function useGrants(workspaceId: string, enabled: boolean) {
  return useQuery({
    queryKey: [...workspacesKey, 'grants', workspaceId],
    queryFn: ({ signal }) => api.get<{ grants: Grant[] }>(`${workspacePath(workspaceId)}/grants`, { signal }),
    select: (answer) => answer.grants,
    enabled,
  });
}

/** The API replaces all grants at once: every change sends the whole new list. */
export function useSetGrants(workspaceId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (grants: Grant[]) => api.put<{ grants: Grant[] }>(`${workspacePath(workspaceId)}/grants`, { grants }),
    onSuccess: (answer) => {
      queryClient.setQueryData([...workspacesKey, 'grants', workspaceId], answer);
      return queryClient.invalidateQueries({ queryKey: workspacesKey });
    },
  });
}

// The caller's own API tokens

export function useTokens() {
  return useQuery({
    queryKey: tokensKey,
    queryFn: ({ signal }) => api.get<{ items: ApiToken[] }>('/tokens', { signal }),
    select: (answer) => answer.items,
  });
}

export function useCreateToken() {
  const invalidate = useInvalidate(tokensKey);
  return useMutation({
    mutationFn: (input: { name: string; expiresInDays: number | null }) => api.post<CreatedApiToken>('/tokens', input),
    onSuccess: invalidate,
  });
}

export function useRevokeToken() {
  const invalidate = useInvalidate(tokensKey);
  return useMutation({
    mutationFn: (id: string) => api.delete(`/tokens/${encodeURIComponent(id)}`),
    onSuccess: invalidate,
  });
}
