import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type CreatedAt = ColumnType<Date, never, never>;

export interface RolesTable {
  name: string;
  description: Generated<string>;
  builtin: Generated<boolean>;
  created_at: CreatedAt;
}

export interface UsersTable {
  id: Generated<string>;
  username: string;
  display_name: Generated<string>;
  email: string | null;
  password_hash: string;
  disabled: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface UserRolesTable {
  user_id: string;
  role_name: string;
}

export interface WorkspacesTable {
  id: Generated<string>;
  name: string;
  description: Generated<string>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface WorkspaceGrantsTable {
  id: Generated<string>;
  workspace_id: string;
  user_id: string | null;
  role_name: string | null;
  level: 'read' | 'write' | 'admin';
}

export interface ApiTokensTable {
  id: Generated<string>;
  user_id: string;
  name: string;
  token_hash: string;
  prefix: string;
  created_at: CreatedAt;
  last_used_at: Date | null;
  expires_at: Date | null;
  revoked_at: Date | null;
}

export interface SessionsTable {
  id_hash: string;
  user_id: string;
  csrf_token: string;
  created_at: CreatedAt;
  expires_at: Timestamp;
}

export interface ConnectionsTable {
  id: Generated<string>;
  name: string;
  kind: 'database' | 'file_service' | 'map_server' | 'peer';
  type: string;
  description: Generated<string>;
  config: ColumnType<Record<string, unknown>, string, string>;
  secrets: string | null;
  roles: string[] | null;
  builtin: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface MigrationsTable {
  id: number;
  name: string;
  applied_at: CreatedAt;
}

/** geosync's own tables, as Kysely sees them. */
export interface Database {
  roles: RolesTable;
  users: UsersTable;
  user_roles: UserRolesTable;
  workspaces: WorkspacesTable;
  workspace_grants: WorkspaceGrantsTable;
  api_tokens: ApiTokensTable;
  sessions: SessionsTable;
  connections: ConnectionsTable;
  geosync_migrations: MigrationsTable;
}
