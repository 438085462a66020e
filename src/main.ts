import path from 'node:path';

import { sql } from 'kysely';
import type { Logger } from 'pino';

import type { AppConfig } from './config/config.schema.ts';
import { builtinConnections, builtinConnectorTypes } from './connectors/builtin.ts';
import { createConnectorRegistry } from './connectors/connector-registry.ts';
import { createAuthService } from './domain/auth/auth.service.ts';
import { createTokensService } from './domain/auth/tokens.service.ts';
import { bootstrap, type BootstrapResult } from './domain/bootstrap.ts';
import { createConnectionsService } from './domain/connections/connections.service.ts';
import { createTaskConnections } from './domain/connections/task-connections.ts';
import { createDbSyncService } from './domain/dbsync/dbsync.service.ts';
import { resolveDbSyncSettings } from './domain/dbsync/service/settings.ts';
import { embeddedDatabase } from './embedded-database.ts';
import { createFilesService } from './domain/files/files.service.ts';
import { createOgcService } from './domain/publication/ogc.service.ts';
import { createLayersService } from './domain/layers/layers.service.ts';
import type { GeosyncContext } from './context.ts';
import { createRolesService } from './domain/roles/roles.service.ts';
import { LoginLimiter } from './domain/security/login-limiter.ts';
import { createUsersService } from './domain/users/users.service.ts';
import { createWorkspacesService } from './domain/workspaces/workspaces.service.ts';
import { createSecretBox } from './lib/secret-box.ts';
import { loadOrCreateSecretKey } from './lib/secret-key-file.ts';
import { migrate } from './store/migrate.ts';
import { openStore, type Store } from './store/store.ts';
import { builtinTaskTypes } from './tasks/builtin.ts';
import type { TaskType } from './tasks/task-type.ts';
import { composeOrchestration, type EngineTuning } from './compose-orchestration.ts';

export interface StartOptions {
  /** Run migrations and create the admin user and built-in connections (serve, migrate). */
  prepare: boolean;
  /** Task types to register (default: the built-in list; tests add their own). */
  taskTypes?: readonly TaskType[];
  /** Engine knobs (tests); the defaults otherwise. */
  engine?: EngineTuning;
}

export function openConfiguredStore(config: AppConfig): Promise<Store> {
  const dataDir = path.resolve(config.dataDir);
  return config.store.url
    ? openStore({ backend: 'postgres', url: config.store.url, poolSize: config.store.poolSize })
    : openStore({ backend: 'pglite', dataDir: path.join(dataDir, 'store'), postgis: config.store.postgis });
}

/**
 * The composition root: settings -> store -> registries -> services. The API and the CLI get
 * the same context.
 */
export async function createGeosync(
  config: AppConfig,
  logger: Logger,
  options: StartOptions,
): Promise<{ ctx: GeosyncContext; bootstrap?: BootstrapResult }> {
  const dataDir = path.resolve(config.dataDir);
  const store = await openConfiguredStore(config);
  try {
    if (options.prepare) {
      const migrated = await migrate(store.db);
      if (migrated.applied.length > 0) logger.info({ applied: migrated.applied }, 'store migrated');
    }
    const { key, created } = loadOrCreateSecretKey(dataDir, config.secrets.key);
    if (created) logger.warn({ file: path.join(dataDir, 'secret.key') }, 'generated the secret key: back it up');
    const box = createSecretBox(key);
    const embedded = embeddedDatabase(store, () => ctx.extensionsReady);
    const connectorTypes = createConnectorRegistry(builtinConnectorTypes);
    const users = createUsersService(store.db);
    const connectionOptions = {
      db: store.db,
      types: connectorTypes,
      box,
      deps: { dataDir, embeddedDatabase: embedded },
    };
    const connections = createConnectionsService(connectionOptions);
    const taskConnections = createTaskConnections({
      ...connectionOptions,
      localMapServer: config.publication.localMapServer,
    });
    const dbsyncSettings = resolveDbSyncSettings(config.dbsync, dataDir);
    const orchestration = composeOrchestration(store, {
      dataDir,
      dbsync: dbsyncSettings,
      logger,
      taskTypes: options.taskTypes ?? builtinTaskTypes,
      connections: taskConnections,
      connectorTypes,
      storeUrl: config.store.url,
      engine: options.engine,
      reports: config.reports,
    });
    let engineStarted = false;
    const limiter = new LoginLimiter(config.auth.loginAttempts, config.auth.loginWindowSeconds * 1000);
    const ctx: GeosyncContext = {
      config,
      logger,
      db: store.db,
      storeBackend: store.backend,
      users,
      roles: createRolesService(store.db),
      auth: createAuthService(store.db, users, { sessionHours: config.auth.sessionHours, limiter }),
      tokens: createTokensService(store.db),
      workspaces: createWorkspacesService(store.db),
      connections,
      files: createFilesService({ connections, dataDir, ...config.files }),
      ogc: createOgcService({ db: store.db, dataDir, ready: () => ctx.extensionsReady }),
      layers: createLayersService({
        connections,
        ogc: () => ctx.ogc,
        localMapServer: config.publication.localMapServer,
      }),
      connectorTypes,
      ...orchestration,
      dbsync: createDbSyncService({ connections, taskConnections, settings: dbsyncSettings }),
      startEngine: async () => {
        await orchestration.engine.start();
        engineStarted = true;
      },
      extensionsReady: Promise.resolve(),
      isReady: () => store.ping(),
      close: async () => {
        if (engineStarted) await orchestration.engine.stop();
        await taskConnections.close();
        await ctx.extensionsReady;
        await store.close();
      },
    };
    const result = options.prepare
      ? await bootstrap(users, connections, builtinConnections, config.admin.password)
      : undefined;
    if (store.backend === 'pglite' && config.store.postgis) ctx.extensionsReady = enablePostgis(store, logger);
    return { ctx, bootstrap: result };
  } catch (error) {
    await store.close();
    throw error;
  }
}

/** CREATE EXTENSION postgis on the embedded store: ~5 s the first time, instant later. */
async function enablePostgis(store: Store, logger: Logger): Promise<void> {
  const started = performance.now();
  try {
    const present = await sql`SELECT 1 FROM pg_extension WHERE extname = 'postgis'`.execute(store.db);
    if (present.rows.length > 0) return;
    logger.info('enabling PostGIS in the embedded store (first start only; requests wait a few seconds)');
    await sql`CREATE EXTENSION IF NOT EXISTS postgis`.execute(store.db);
    logger.info(
      { seconds: ((performance.now() - started) / 1000).toFixed(1) },
      'PostGIS enabled in the embedded store',
    );
  } catch (error) {
    logger.error({ err: error }, 'could not enable PostGIS in the embedded store');
  }
}
