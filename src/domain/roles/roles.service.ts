import type { Kysely } from 'kysely';

import type { Role } from '../../contracts/users.dto.ts';
import { conflict, notFound } from '../../errors/errors.ts';
import type { Database } from '../../store/database.types.ts';
import { isUniqueViolation } from '../../store/sql-state.ts';

export type RolesService = ReturnType<typeof createRolesService>;

export function createRolesService(db: Kysely<Database>) {
  return {
    async list(): Promise<Role[]> {
      return db.selectFrom('roles').select(['name', 'description', 'builtin']).orderBy('name').execute();
    },

    async create(name: string, description: string): Promise<Role> {
      try {
        return await db
          .insertInto('roles')
          .values({ name, description })
          .returning(['name', 'description', 'builtin'])
          .executeTakeFirstOrThrow();
      } catch (error) {
        if (isUniqueViolation(error)) throw conflict('role_exists', `Role '${name}' exists`);
        throw error;
      }
    },

    /** Removes a role with its grants and memberships; built-in roles stay. */
    async remove(name: string): Promise<void> {
      const role = await db.selectFrom('roles').select('builtin').where('name', '=', name).executeTakeFirst();
      if (!role) throw notFound('Role', name);
      if (role.builtin) throw conflict('builtin_role', `Role '${name}' is built in`);
      await db.deleteFrom('roles').where('name', '=', name).execute();
    },
  };
}
