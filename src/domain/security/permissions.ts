import type { Kysely } from 'kysely';

import { forbidden, notFound, unauthenticated } from '../../errors/errors.ts';
import type { Database } from '../../store/database.types.ts';
import { levelAtLeast, type Principal, type WorkspaceLevel } from './principal.ts';

/**
 * The one place that decides who may do what. Routes declare an access rule; services call
 * these checks for rules that depend on the object (a workspace grant, a connection's roles).
 */
export type AccessRule =
  | { kind: 'public' }
  | { kind: 'authenticated' }
  | { kind: 'admin' }
  /** The `id` path parameter names a workspace; the caller needs at least this level on it. */
  | { kind: 'workspace'; level: WorkspaceLevel };

export const access = {
  public: { kind: 'public' },
  authenticated: { kind: 'authenticated' },
  admin: { kind: 'admin' },
  workspace: (level: WorkspaceLevel): AccessRule => ({ kind: 'workspace', level }),
} as const satisfies Record<string, AccessRule | ((level: WorkspaceLevel) => AccessRule)>;

export function assertAuthenticated(principal: Principal | null): asserts principal is Principal {
  if (!principal) throw unauthenticated();
}

export function assertAdmin(principal: Principal | null): asserts principal is Principal {
  assertAuthenticated(principal);
  if (!principal.isAdmin) throw forbidden('Only administrators can do this');
}

/** The caller's level on a workspace: admins have `admin` everywhere; grants to user or role. */
export async function workspaceLevel(
  db: Kysely<Database>,
  principal: Principal,
  workspaceId: string,
): Promise<WorkspaceLevel | null> {
  if (principal.isAdmin) return 'admin';
  const grants = await db
    .selectFrom('workspace_grants')
    .select('level')
    .where('workspace_id', '=', workspaceId)
    .where((eb) =>
      eb.or([
        eb('user_id', '=', principal.userId),
        ...(principal.roles.length > 0 ? [eb('role_name', 'in', principal.roles)] : []),
      ]),
    )
    .execute();
  return grants.reduce<WorkspaceLevel | null>((best, g) => (levelAtLeast(best, g.level) ? best : g.level), null);
}

/**
 * Throws unless the caller has `need` on the workspace. A caller with no grant at all gets
 * 404, not 403, so workspace names do not leak.
 */
export async function assertWorkspaceLevel(
  db: Kysely<Database>,
  principal: Principal | null,
  workspaceId: string,
  need: WorkspaceLevel,
  /** What a caller who cannot see the workspace is told does not exist (the object asked for). */
  hidden: { kind: string; id: string } = { kind: 'Workspace', id: workspaceId },
): Promise<WorkspaceLevel> {
  assertAuthenticated(principal);
  const have = await workspaceLevel(db, principal, workspaceId);
  if (have === null) throw notFound(hidden.kind, hidden.id);
  if (!levelAtLeast(have, need)) throw forbidden(`This needs '${need}' permission on the workspace`);
  return have;
}

/** Connection roles: null = everyone, [] = admins only, else any shared role. */
export function canUseConnection(principal: Principal, roles: readonly string[] | null): boolean {
  if (principal.isAdmin || roles === null) return true;
  return roles.some((role) => principal.roles.includes(role));
}
