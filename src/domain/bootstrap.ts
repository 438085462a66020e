import { randomToken } from '../lib/random-token.ts';
import type { ConnectionsService, NewConnection } from './connections/connections.service.ts';
import { ADMIN_ROLE } from './security/principal.ts';
import type { UsersService } from './users/users.service.ts';

export interface BootstrapResult {
  /** Set when the admin user was created with a generated password: print it once. */
  generatedAdminPassword?: string;
  createdAdmin: boolean;
  createdConnections: string[];
}

/**
 * First start: the `admin` user and the built-in `local` connections. Idempotent: later starts
 * find them and change nothing.
 */
export async function bootstrap(
  users: UsersService,
  connections: ConnectionsService,
  builtinConnections: readonly Omit<NewConnection, 'roles'>[],
  adminPassword: string | undefined,
): Promise<BootstrapResult> {
  const result: BootstrapResult = { createdAdmin: false, createdConnections: [] };
  if (!(await users.findByUsername('admin'))) {
    const password = adminPassword ?? randomToken(15);
    try {
      await users.create({
        username: 'admin',
        password,
        displayName: 'Administrator',
        email: null,
        roles: [ADMIN_ROLE],
      });
      result.createdAdmin = true;
      if (!adminPassword) result.generatedAdminPassword = password;
    } catch (error) {
      // Another node starting at the same moment created it first.
      if ((error as { code?: string }).code !== 'username_taken') throw error;
    }
  }
  for (const spec of builtinConnections) {
    try {
      await connections.create({ ...spec, roles: null }, true);
      result.createdConnections.push(`${spec.type}:${spec.name}`);
    } catch (error) {
      if ((error as { code?: string }).code !== 'connection_exists') throw error;
    }
  }
  return result;
}
