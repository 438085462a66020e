import type { Kysely } from 'kysely';

import type { Page, PageQuery } from '../../contracts/common.dto.ts';
import type { Grant, Workspace } from '../../contracts/workspaces.dto.ts';
import { conflict, notFound, UserError } from '../../errors/errors.ts';
import type { Database } from '../../store/database.types.ts';
import { isForeignKeyViolation, isUniqueViolation } from '../../store/sql-state.ts';
import { withTransaction } from '../../store/store.ts';
import { pageOf, toIsoRequired } from '../page.ts';
import { assertWorkspaceLevel, workspaceLevel } from '../security/permissions.ts';
import type { Principal, WorkspaceLevel } from '../security/principal.ts';

export type WorkspacesService = ReturnType<typeof createWorkspacesService>;

const nameTaken = (name: string) => conflict('workspace_exists', `Workspace '${name}' exists`);

export function createWorkspacesService(db: Kysely<Database>) {
  async function get(principal: Principal, id: string): Promise<Workspace> {
    const myLevel = await assertWorkspaceLevel(db, principal, id, 'read');
    const row = await db.selectFrom('workspaces').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound('Workspace', id);
    return {
      id: row.id,
      name: row.name,
      description: row.description,
      myLevel,
      createdAt: toIsoRequired(row.created_at),
    };
  }

  return {
    get,

    /** The workspaces the caller has any grant on (all, for admins). */
    async list(principal: Principal, query: PageQuery): Promise<Page<Workspace>> {
      const rows = await db.selectFrom('workspaces').selectAll().orderBy('name').execute();
      const visible: Workspace[] = [];
      for (const row of rows) {
        const myLevel = await workspaceLevel(db, principal, row.id);
        if (myLevel) {
          visible.push({
            id: row.id,
            name: row.name,
            description: row.description,
            myLevel,
            createdAt: toIsoRequired(row.created_at),
          });
        }
      }
      return pageOf(visible.slice(query.offset, query.offset + query.limit), visible.length, query);
    },

    async create(principal: Principal, name: string, description: string): Promise<Workspace> {
      try {
        const row = await db
          .insertInto('workspaces')
          .values({ name, description })
          .returning('id')
          .executeTakeFirstOrThrow();
        return await get(principal, row.id);
      } catch (error) {
        if (isUniqueViolation(error)) throw nameTaken(name);
        throw error;
      }
    },

    async update(principal: Principal, id: string, input: { name?: string; description?: string }): Promise<Workspace> {
      await assertWorkspaceLevel(db, principal, id, 'admin');
      try {
        await db
          .updateTable('workspaces')
          .set({ ...input, updated_at: new Date() })
          .where('id', '=', id)
          .execute();
      } catch (error) {
        if (isUniqueViolation(error)) throw nameTaken(input.name ?? '');
        throw error;
      }
      return get(principal, id);
    },

    async remove(principal: Principal, id: string): Promise<void> {
      await assertWorkspaceLevel(db, principal, id, 'admin');
      // Metadata templates would go with it (ON DELETE CASCADE): refused like configurations.
      const templates = await db
        .selectFrom('metadata_templates')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('workspace_id', '=', id)
        .executeTakeFirstOrThrow();
      if (Number(templates.n) > 0) {
        throw conflict(
          'workspace_not_empty',
          `The workspace still holds ${templates.n} metadata template(s): remove them first`,
        );
      }
      try {
        await db.deleteFrom('workspaces').where('id', '=', id).execute();
      } catch (error) {
        if (isForeignKeyViolation(error)) throw await notEmpty(db, id);
        throw error;
      }
    },

    async grants(principal: Principal, id: string): Promise<Grant[]> {
      await assertWorkspaceLevel(db, principal, id, 'admin');
      const rows = await db
        .selectFrom('workspace_grants')
        .leftJoin('users', 'users.id', 'workspace_grants.user_id')
        .select(['users.username', 'workspace_grants.role_name', 'workspace_grants.level'])
        .where('workspace_id', '=', id)
        .execute();
      return rows
        .map((r): Grant => (r.username ? { user: r.username, level: r.level } : { role: r.role_name!, level: r.level }))
        .sort((a, b) => grantOrder(a).localeCompare(grantOrder(b)));
    },

    /** Replaces all grants of a workspace at once; unknown users or roles are refused. */
    async setGrants(principal: Principal, id: string, grants: Grant[]): Promise<Grant[]> {
      await assertWorkspaceLevel(db, principal, id, 'admin');
      await withTransaction(db, async (trx) => {
        const rows: {
          workspace_id: string;
          user_id: string | null;
          role_name: string | null;
          level: WorkspaceLevel;
        }[] = [];
        for (const [index, grant] of grants.entries()) {
          if (grant.user !== undefined) {
            const user = await trx
              .selectFrom('users')
              .select('id')
              .where('username', '=', grant.user)
              .executeTakeFirst();
            if (!user) throw unknownPrincipal(index, 'user', grant.user);
            rows.push({ workspace_id: id, user_id: user.id, role_name: null, level: grant.level });
          } else {
            const role = await trx
              .selectFrom('roles')
              .select('name')
              .where('name', '=', grant.role!)
              .executeTakeFirst();
            if (!role) throw unknownPrincipal(index, 'role', grant.role!);
            rows.push({ workspace_id: id, user_id: null, role_name: role.name, level: grant.level });
          }
        }
        await trx.deleteFrom('workspace_grants').where('workspace_id', '=', id).execute();
        try {
          if (rows.length > 0) await trx.insertInto('workspace_grants').values(rows).execute();
        } catch (error) {
          if (isUniqueViolation(error)) throw new UserError('duplicate_grant', 'A user or role is granted twice');
          throw error;
        }
      });
      return this.grants(principal, id);
    },
  };
}

function unknownPrincipal(index: number, what: 'user' | 'role', name: string): UserError {
  return new UserError(`unknown_${what}`, `There is no ${what} '${name}'`, {
    details: [{ field: `grants.${index}.${what}`, message: `unknown ${what}` }],
  });
}

/** Users first, then roles, each by name. */
const grantOrder = (g: Grant): string => (g.user !== undefined ? `0:${g.user}` : `1:${g.role ?? ''}`);

/** Why a workspace cannot be removed: live configurations or batches, or the history of removed ones. */
async function notEmpty(db: Kysely<Database>, id: string): Promise<UserError> {
  const live = await Promise.all(
    (['configurations', 'batches'] as const).map((table) =>
      db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('workspace_id', '=', id)
        .where('removed_at', 'is', null)
        .executeTakeFirstOrThrow(),
    ),
  );
  const count = live.reduce((sum, row) => sum + Number(row.n), 0);
  return count > 0
    ? conflict(
        'workspace_not_empty',
        `The workspace still holds ${count} configuration(s) or batch(es): remove them first`,
      )
    : conflict(
        'workspace_has_history',
        'The workspace keeps its removed configurations for their run history, so it cannot be removed (take its grants away instead)',
      );
}
