import type { Kysely, Selectable } from 'kysely';

import type { Page, PageQuery } from '../../contracts/common.dto.ts';
import type { CreateUser, UpdateUser, User } from '../../contracts/users.dto.ts';
import { conflict, forbidden, notFound, UserError } from '../../errors/errors.ts';
import type { Database, UsersTable } from '../../store/database.types.ts';
import { isForeignKeyViolation, isUniqueViolation } from '../../store/sql-state.ts';
import { withTransaction } from '../../store/store.ts';
import { pageOf, toIsoRequired } from '../page.ts';
import { assertPasswordStrength, hashPassword, verifyPassword } from '../security/passwords.ts';
import { ADMIN_ROLE, type Principal } from '../security/principal.ts';

type UserRow = Selectable<UsersTable>;

function toUser(row: UserRow, roles: string[]): User {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    email: row.email,
    roles,
    disabled: row.disabled,
    createdAt: toIsoRequired(row.created_at),
  };
}

const unknownRole = (cause: unknown) =>
  new UserError('unknown_role', 'One of the roles does not exist', {
    cause,
    details: [{ field: 'roles', message: 'unknown role' }],
  });

export type UsersService = ReturnType<typeof createUsersService>;

export function createUsersService(db: Kysely<Database>) {
  async function rolesOf(userIds: string[]): Promise<Map<string, string[]>> {
    const map = new Map<string, string[]>(userIds.map((id) => [id, []]));
    if (userIds.length === 0) return map;
    const rows = await db.selectFrom('user_roles').selectAll().where('user_id', 'in', userIds).execute();
    for (const row of rows) map.get(row.user_id)?.push(row.role_name);
    for (const list of map.values()) list.sort();
    return map;
  }

  async function findRow(id: string): Promise<UserRow> {
    const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound('User', id);
    return row;
  }

  async function get(id: string): Promise<User> {
    const row = await findRow(id);
    return toUser(row, (await rolesOf([id])).get(id) ?? []);
  }

  async function activeAdminCount(): Promise<number> {
    const row = await db
      .selectFrom('users')
      .innerJoin('user_roles', 'user_roles.user_id', 'users.id')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_roles.role_name', '=', ADMIN_ROLE)
      .where('users.disabled', '=', false)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  return {
    get,

    async list(query: PageQuery): Promise<Page<User>> {
      const rows = await db
        .selectFrom('users')
        .selectAll()
        .orderBy('username')
        .limit(query.limit)
        .offset(query.offset)
        .execute();
      const { n } = await db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      const roles = await rolesOf(rows.map((r) => r.id));
      return pageOf(
        rows.map((r) => toUser(r, roles.get(r.id) ?? [])),
        Number(n),
        query,
      );
    },

    async findByUsername(username: string): Promise<UserRow | undefined> {
      return db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
    },

    async create(input: Required<Omit<CreateUser, 'email'>> & { email: string | null }): Promise<User> {
      assertPasswordStrength(input.password);
      const passwordHash = await hashPassword(input.password);
      try {
        const id = await withTransaction(db, async (trx) => {
          const row = await trx
            .insertInto('users')
            .values({
              username: input.username,
              display_name: input.displayName,
              email: input.email,
              password_hash: passwordHash,
            })
            .returning('id')
            .executeTakeFirstOrThrow();
          if (input.roles.length > 0) {
            await trx
              .insertInto('user_roles')
              .values(input.roles.map((role) => ({ user_id: row.id, role_name: role })))
              .execute();
          }
          return row.id;
        });
        return await get(id);
      } catch (error) {
        if (isUniqueViolation(error)) throw conflict('username_taken', `User name '${input.username}' is taken`);
        if (isForeignKeyViolation(error)) throw unknownRole(error);
        throw error;
      }
    },

    async update(id: string, input: UpdateUser, by: Principal): Promise<User> {
      const before = await get(id);
      const losesAdmin =
        before.roles.includes(ADMIN_ROLE) &&
        ((input.roles !== undefined && !input.roles.includes(ADMIN_ROLE)) || input.disabled === true);
      if (losesAdmin && !before.disabled && (await activeAdminCount()) <= 1) {
        throw conflict('last_admin', 'This is the last active administrator; make another one first');
      }
      if (by.userId === id && input.disabled === true) throw forbidden('You cannot disable yourself');
      try {
        await withTransaction(db, async (trx) => {
          await trx
            .updateTable('users')
            .set({
              ...(input.displayName !== undefined && { display_name: input.displayName }),
              ...(input.email !== undefined && { email: input.email }),
              ...(input.disabled !== undefined && { disabled: input.disabled }),
              updated_at: new Date(),
            })
            .where('id', '=', id)
            .execute();
          if (input.roles !== undefined) {
            await trx.deleteFrom('user_roles').where('user_id', '=', id).execute();
            if (input.roles.length > 0) {
              const roles = [...new Set(input.roles)];
              await trx
                .insertInto('user_roles')
                .values(roles.map((role) => ({ user_id: id, role_name: role })))
                .execute();
            }
          }
          if (input.disabled === true) await trx.deleteFrom('sessions').where('user_id', '=', id).execute();
        });
      } catch (error) {
        if (isForeignKeyViolation(error)) throw unknownRole(error);
        throw error;
      }
      return get(id);
    },

    /** Own password: the current one is required. Admins may reset anyone's without it. */
    async setPassword(id: string, input: { currentPassword?: string; newPassword: string }, by: Principal) {
      const row = await findRow(id);
      const self = by.userId === id;
      if (!self && !by.isAdmin) throw forbidden();
      if (self && (!input.currentPassword || !(await verifyPassword(row.password_hash, input.currentPassword)))) {
        throw new UserError('wrong_password', 'The current password is wrong', {
          status: 400,
          details: [{ field: 'currentPassword', message: 'wrong password' }],
        });
      }
      await this.resetPassword(id, input.newPassword);
    },

    /** Sets a password without checks (CLI `user passwd`, first start); ends the user's sessions. */
    async resetPassword(id: string, newPassword: string): Promise<void> {
      assertPasswordStrength(newPassword);
      const hash = await hashPassword(newPassword);
      await withTransaction(db, async (trx) => {
        await trx
          .updateTable('users')
          .set({ password_hash: hash, updated_at: new Date() })
          .where('id', '=', id)
          .execute();
        await trx.deleteFrom('sessions').where('user_id', '=', id).execute();
      });
    },

    async remove(id: string, by: Principal): Promise<void> {
      const user = await get(id);
      if (by.userId === id) throw forbidden('You cannot remove yourself');
      if (user.roles.includes(ADMIN_ROLE) && !user.disabled && (await activeAdminCount()) <= 1) {
        throw conflict('last_admin', 'This is the last active administrator');
      }
      await db.deleteFrom('users').where('id', '=', id).execute();
    },

    /** The principal for a user id, or null when the user is gone or disabled. */
    async principalFor(userId: string, via: Principal['via']): Promise<Principal | null> {
      const row = await db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
      if (!row || row.disabled) return null;
      const roles = (await rolesOf([userId])).get(userId) ?? [];
      return {
        userId,
        username: row.username,
        displayName: row.display_name,
        roles,
        isAdmin: roles.includes(ADMIN_ROLE),
        via,
      };
    },
  };
}
