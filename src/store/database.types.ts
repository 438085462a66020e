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

type Json = ColumnType<Record<string, unknown>, string, string>;
type NullableJson = ColumnType<Record<string, unknown> | null, string | null, string | null>;

export interface ConfigurationsTable {
  id: Generated<string>;
  workspace_id: string;
  name: string;
  description: Generated<string>;
  template: Generated<boolean>;
  template_id: string | null;
  validated: Generated<boolean>;
  attributes: Json;
  created_at: CreatedAt;
  updated_at: Timestamp;
  removed_at: Date | null;
}

export interface TasksTable {
  id: Generated<string>;
  configuration_id: string;
  name: string;
  type: string;
  parameters: Json;
  position: number;
  created_at: CreatedAt;
  updated_at: Timestamp;
  removed_at: Date | null;
}

export interface BatchesTable {
  id: Generated<string>;
  workspace_id: string;
  configuration_id: string | null;
  name: string;
  description: Generated<string>;
  enabled: Generated<boolean>;
  schedule: NullableJson;
  time_zone: Generated<string>;
  misfire: Generated<'run_once' | 'skip'>;
  last_fire_at: Date | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
  removed_at: Date | null;
}

export interface BatchElementsTable {
  batch_id: string;
  position: number;
  task_id: string;
}

export interface BatchRunsTable {
  id: Generated<string>;
  batch_id: string;
  status: Generated<string>;
  trigger: 'schedule' | 'manual' | 'initialize' | 'bulk' | 'misfire';
  fire_time: Date | null;
  started_by: string | null;
  started_at: Generated<Date>;
  ended_at: Date | null;
  interrupt_requested_at: Date | null;
  node_id: string | null;
  lease_expires_at: Date | null;
  message: string | null;
}

export interface TaskRunsTable {
  id: Generated<string>;
  batch_run_id: string;
  task_id: string;
  position: number;
  status: Generated<string>;
  message: string | null;
  progress: NullableJson;
  started_at: Date | null;
  ended_at: Date | null;
}

export interface TaskClaimsTable {
  task_id: string;
  task_run_id: string;
  claimed_at: Generated<Date>;
}

export interface StagedObjectsTable {
  id: Generated<string>;
  task_run_id: string;
  seq: number;
  kind: string;
  name: string;
  data: Json;
  state: Generated<'staged' | 'committed' | 'rolled_back' | 'failed'>;
  error: string | null;
  created_at: CreatedAt;
}

export interface RunLogTable {
  id: Generated<number>;
  batch_run_id: string;
  task_run_id: string | null;
  at: Generated<Date>;
  level: 'info' | 'warn' | 'error';
  message: string;
}

/** A layer the built-in publisher serves (0003_publication.sql). */
export interface PublishedLayersTable {
  id: Generated<string>;
  map_server: string;
  workspace: string | null;
  name: string;
  source: Json;
  metadata: Json;
  advertised: Generated<boolean>;
  read_roles: string[] | null;
  style: string | null;
  cache: NullableJson;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

/** A metadata template (0004_metadata_templates.sql). */
export interface MetadataTemplatesTable {
  id: Generated<string>;
  workspace_id: string;
  name: string;
  title: string | null;
  abstract: string | null;
  keywords: ColumnType<string[], string[] | undefined, string[]>;
  metadata_links: ColumnType<Array<{ href: string; type: string; format: string }>, string | undefined, string>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

/** A layer linked to a metadata template. */
export interface MetadataTemplateLinksTable {
  id: Generated<string>;
  template_id: string;
  map_server: string;
  workspace: string | null;
  layer: string;
  created_at: CreatedAt;
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
  configurations: ConfigurationsTable;
  tasks: TasksTable;
  batches: BatchesTable;
  batch_elements: BatchElementsTable;
  batch_runs: BatchRunsTable;
  task_runs: TaskRunsTable;
  task_claims: TaskClaimsTable;
  staged_objects: StagedObjectsTable;
  run_log: RunLogTable;
  published_layers: PublishedLayersTable;
  metadata_templates: MetadataTemplatesTable;
  metadata_template_links: MetadataTemplateLinksTable;
}
