/** Who is asking: a logged-in user (by session or API token). Anonymous callers have none. */
export interface Principal {
  userId: string;
  username: string;
  displayName: string;
  roles: string[];
  isAdmin: boolean;
  /** How the request proved who it is; cookie sessions must also pass the CSRF check. */
  via: 'session' | 'token' | 'cli';
}

export const ADMIN_ROLE = 'admin';

export const workspaceLevels = ['read', 'write', 'admin'] as const;
export type WorkspaceLevel = (typeof workspaceLevels)[number];

export function levelAtLeast(have: WorkspaceLevel | null, need: WorkspaceLevel): boolean {
  return have !== null && workspaceLevels.indexOf(have) >= workspaceLevels.indexOf(need);
}
