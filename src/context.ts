import type { Kysely } from 'kysely';
import type { Logger } from 'pino';

import type { AppConfig } from './config/config.schema.ts';
import type { ConnectorType } from './connectors/connector.ts';
import type { Database } from './store/database.types.ts';
import type { StoreBackend } from './store/store.ts';
import type { Engine } from './engine/engine.ts';
import type { Executor } from './engine/executor/executor.ts';
import type { TaskTypeRegistry } from './tasks/task-registry.ts';
import type { AuthService } from './domain/auth/auth.service.ts';
import type { BatchesService } from './domain/batches/batches.service.ts';
import type { ConfigurationsService } from './domain/configurations/configurations.service.ts';
import type { MetadataTemplatesService } from './domain/metadata-templates/metadata-templates.service.ts';
import type { RunsService } from './domain/runs/runs.service.ts';
import type { TokensService } from './domain/auth/tokens.service.ts';
import type { ConnectionsService } from './domain/connections/connections.service.ts';
import type { DbSyncService } from './domain/dbsync/dbsync.service.ts';
import type { FilesService } from './domain/files/files.service.ts';
import type { OgcService } from './domain/publication/ogc.service.ts';
import type { LayersService } from './domain/layers/layers.service.ts';
import type { RolesService } from './domain/roles/roles.service.ts';
import type { UsersService } from './domain/users/users.service.ts';
import type { WorkspacesService } from './domain/workspaces/workspaces.service.ts';

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
  /** Browsing and uploading files of file-service connections. */
  files: FilesService;
  /** The built-in publisher's layers over OGC API Features and vector tiles (/ogc). */
  ogc: OgcService;
  /** Layers of map server connections, read only (the Layers page). */
  layers: LayersService;
  connectorTypes: { list(): ConnectorType[]; creatable(): ConnectorType[]; get(type: string): ConnectorType };
  taskTypes: TaskTypeRegistry;
  configurations: ConfigurationsService;
  batches: BatchesService;
  runs: RunsService;
  /** Metadata templates linked to layers (MetadataTemplateSync). */
  metadataTemplates: MetadataTemplatesService;
  /** Two-way database sync between a central PostgreSQL database and its clones (docs/dbsync.md). */
  dbsync: DbSyncService;
  /** Runs batch runs; the engine (scheduler, job queue) only runs in `serve`. */
  executor: Executor;
  engine: Engine;
  /** Starts the scheduler and the job workers on this node (serve). */
  startEngine(): Promise<void>;
  /**
   * Settles when the store's extensions (PostGIS on the embedded store) are enabled. On a first
   * start this takes seconds, so the server answers before it; the `local` database waits.
   */
  extensionsReady: Promise<void>;
  /** Is the store answering? Used by /readyz. */
  isReady(): Promise<boolean>;
  close(): Promise<void>;
}
