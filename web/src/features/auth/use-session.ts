import { type QueryClient, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import type { SessionInfo } from '../../../../src/contracts/auth.dto.ts';
import { loginPath } from '../../paths.ts';
import { navigate } from '../../router.tsx';
import { fetchSession, login, logout } from './auth-api.ts';

export const sessionQueryKey = ['session'] as const;

export function useSession() {
  return useQuery({ queryKey: sessionQueryKey, queryFn: fetchSession, staleTime: Infinity, retry: false });
}

/** The logged-in session; only for components rendered inside the logged-in app. */
export function useCurrentSession(): SessionInfo {
  const { data } = useSession();
  if (!data) throw new Error('useCurrentSession() used outside a logged-in page');
  return data;
}

/** Forgets everything cached for the previous user, so the next one never sees it. */
export function endSession(queryClient: QueryClient): void {
  queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== sessionQueryKey[0] });
  queryClient.setQueryData(sessionQueryKey, null);
}

export function useLogin() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: login,
    onSuccess: (session) => {
      queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== sessionQueryKey[0] });
      queryClient.setQueryData(sessionQueryKey, session);
    },
  });
}

export function useLogout() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: logout,
    onSettled: () => {
      // Straight to the login page: after a deliberate logout there is no page to come back to.
      navigate(loginPath);
      endSession(queryClient);
    },
  });
}
