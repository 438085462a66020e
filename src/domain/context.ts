import type { Kysely } from 'kysely';
import type { Logger } from 'pino';

import type { AppConfig } from '../config/config.schema.ts';
import type { ConnectorType } from '../connectors/connector.ts';
import type { Database } from '../store/database.types.ts';
import type { StoreBackend } from '../store/store.ts';
import type { AuthService } from './auth/auth.service.ts';
import type { TokensService } from './auth/tokens.service.ts';
import type { ConnectionsService } from './connections/connections.service.ts';
import type { RolesService } from './roles/roles.service.ts';
import type { UsersService } from './users/users.service.ts';
import type { WorkspacesService } from './workspaces/workspaces.service.ts';

/** Everything the API and the CLI use, wired once by the composition root (main.ts). */
export interface GeosyncContext {
  config: AppConfig;
  logger: Logger;
  db: Kysely<Database>;
  storeBackend: StoreBackend;
  users: UsersService;
  roles: RolesService;
  auth: AuthService;
  tokens: TokensService;
  workspaces: WorkspacesService;
  connections: ConnectionsService;
  connectorTypes: { list(): ConnectorType[]; creatable(): ConnectorType[]; get(type: string): ConnectorType };
  /**
   * Settles when the store's extensions (PostGIS on the embedded store) are enabled. On a first
   * start this takes seconds, so the server answers before it; the `local` database waits.
   */
  extensionsReady: Promise<void>;
  /** Is the store answering? Used by /readyz. */
  isReady(): Promise<boolean>;
  close(): Promise<void>;
}
