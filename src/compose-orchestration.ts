import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { Logger } from 'pino';

import type { ConnectorRegistry } from './connectors/connector-registry.ts';
import type { DbSyncSettings } from './domain/dbsync/service/settings.ts';
import { createBatchesService } from './domain/batches/batches.service.ts';
import { createConfigurationsService } from './domain/configurations/configurations.service.ts';
import { createMetadataTemplatesService } from './domain/metadata-templates/metadata-templates.service.ts';
import { createRunsService } from './domain/runs/runs.service.ts';
import { createEngine } from './engine/engine.ts';
import type { ReportSettings } from './engine/reports/run-report.ts';
import { createExecutor } from './engine/executor/executor.ts';
import { createPgBossQueue } from './engine/jobs/pg-boss-queue.ts';
import { nextFireTimes, validateSchedule } from './engine/scheduler/schedule.ts';
import type { Store } from './store/store.ts';
import { createTaskTypeRegistry } from './tasks/task-registry.ts';
import type { TaskConnections, TaskType } from './tasks/task-type.ts';

/** Engine knobs (tests, benchmarks); unset ones keep the engine's defaults. */
export interface EngineTuning {
  /** How often schedules and expired leases are checked (engine default 1000 ms). */
  tickMs?: number;
  /** Batch runs this node executes at once (engine default 2). */
  concurrency?: number;
  /** How long a run's lease holds without a heartbeat (executor default 20 s). */
  leaseMs?: number;
  /** How often an idle job worker looks for runs (job queue default 1 s, min 0.5). */
  pollingSeconds?: number;
}

/** The orchestration part of the composition root: task types, services, executor, engine. */
export function composeOrchestration(
  store: Store,
  options: {
    dataDir: string;
    logger: Logger;
    taskTypes: readonly TaskType[];
    /** The connections tasks open by name. */
    connections: TaskConnections;
    /** The `dbsync` settings the database sync task types use. */
    dbsync?: DbSyncSettings;
    /** The connector types, for the map server capabilities configuration validation checks. */
    connectorTypes: ConnectorRegistry;
    storeUrl?: string;
    engine?: EngineTuning;
    reports?: ReportSettings;
  },
) {
  const taskTypes = createTaskTypeRegistry(options.taskTypes);
  const workDir = path.join(options.dataDir, 'work');
  mkdirSync(workDir, { recursive: true });
  const nodeId = `${os.hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const tuning = options.engine ?? {};
  const metadataTemplates = createMetadataTemplatesService(store.db);
  const services = {
    workDir,
    connections: options.connections,
    metadataTemplates: metadataTemplates.forTasks(),
    ...(options.dbsync && { dbsync: options.dbsync }),
  };
  const executor = createExecutor({
    db: store.db,
    taskTypes,
    services,
    logger: options.logger,
    nodeId,
    ...(tuning.leaseMs !== undefined && { leaseMs: tuning.leaseMs }),
  });
  const queueSettings = tuning.pollingSeconds !== undefined ? { pollingSeconds: tuning.pollingSeconds } : {};
  const queue =
    store.backend === 'pglite'
      ? createPgBossQueue({ backend: 'pglite', client: store.pglite! }, queueSettings)
      : createPgBossQueue({ backend: 'postgres', url: options.storeUrl! }, queueSettings);
  const configurations = createConfigurationsService(store.db, taskTypes, services, options.connectorTypes);
  const engine = createEngine({
    db: store.db,
    afterRun: (batchId) => configurations.afterRun(batchId),
    executor,
    queue,
    logger: options.logger,
    reports: options.reports,
    ...(tuning.tickMs !== undefined && { tickMs: tuning.tickMs }),
    ...(tuning.concurrency !== undefined && { concurrency: tuning.concurrency }),
  });
  return {
    taskTypes,
    executor,
    engine,
    configurations,
    batches: createBatchesService(store.db, { validateSchedule, nextFireTimes }),
    runs: createRunsService(store.db),
    metadataTemplates,
  };
}

export type Orchestration = ReturnType<typeof composeOrchestration>;
