import type { LoginRequest, SessionInfo } from '../../../../src/contracts/auth.dto.ts';
import { ApiError, api, setCsrfToken } from '../../api-client.ts';

/** The current session, or null when nobody is logged in. */
export async function fetchSession(): Promise<SessionInfo | null> {
  try {
    const session = await api.get<SessionInfo>('/auth/me');
    setCsrfToken(session.csrfToken);
    return session;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      setCsrfToken(undefined);
      return null;
    }
    throw error;
  }
}

export async function login(credentials: LoginRequest): Promise<SessionInfo> {
  const session = await api.post<SessionInfo>('/auth/login', credentials);
  setCsrfToken(session.csrfToken);
  return session;
}

export async function logout(): Promise<void> {
  try {
    await api.post<void>('/auth/logout');
  } catch (error) {
    // An expired session is already logged out.
    if (!(error instanceof ApiError && error.status === 401)) throw error;
  } finally {
    setCsrfToken(undefined);
  }
}
