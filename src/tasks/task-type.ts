import type { z } from 'zod';

import type { DatabaseSource, PostgresDatabase } from '../connectors/database.ts';
import type { FileService } from '../connectors/file-service.ts';
import type { LayerMetadata, Publisher } from '../connectors/publisher.ts';
import type { DbSyncSettings } from '../domain/dbsync/service/settings.ts';

/**
 * A task type: one kind of work a batch can do (copy a table, publish a layer...). Each lives in
 * its own folder under tasks/ and is listed in tasks/builtin.ts. Task types reach the outside
 * only through the context (connector capabilities), never a concrete connector.
 */
export interface TaskType<P extends Record<string, unknown> = Record<string, unknown>> {
  /** Registry key and wire value, e.g. `CopyTable`. */
  readonly type: string;
  readonly title: string;
  readonly description: string;
  /** Parameters: values arrive as text (attribute values) and are parsed by this schema. */
  readonly parameters: z.ZodObject;
  /**
   * transactional: staged work is swapped in on commit and dropped on rollback;
   * compensatable: the work is done at once and undone on rollback;
   * irreversible: nothing can undo it (clearing a cache); it acts on commit.
   */
  readonly capability: 'transactional' | 'compensatable' | 'irreversible';
  /** Can remove what it created when its task or configuration is removed. */
  readonly supportsCleanup: boolean;
  /**
   * Does the work. Every object it creates is first recorded with `ctx.stage()` (durably), so
   * commit, rollback and crash recovery find it. Throwing fails the task; what it staged is rolled
   * back by the engine.
   */
  run(params: P, ctx: TaskRunContext): Promise<TaskOutcome>;
  /** Makes one staged object final (swap the temp table in...). Idempotent: recovery may repeat it. */
  commitStaged(object: StagedObject, ctx: TaskActionContext): Promise<void>;
  /** Undoes one staged object (drop the temp table...). Idempotent: recovery may repeat it. */
  rollbackStaged(object: StagedObject, ctx: TaskActionContext): Promise<void>;
  /** Removes what the task created for good (task or configuration removed with clean-up). */
  cleanup?(params: P, ctx: TaskActionContext): Promise<void>;
}

export interface TaskOutcome {
  /** Shown with the task run (e.g. "copied 12,345 rows"). */
  message?: string;
}

/** One object a task run created under a temporary name, as recorded in the ledger. */
export interface StagedObject {
  id: string;
  /** What it is, in the task type's words: `table`, `file`, `layer`, `marker`... */
  kind: string;
  /** The final name it will have after commit (the key other tasks look it up by). */
  name: string;
  /** Everything commit and rollback need (temp name, connection...), as JSON. */
  data: Record<string, unknown>;
}

export interface TaskActionContext {
  readonly signal: AbortSignal;
  log(level: 'info' | 'warn' | 'error', message: string): void;
  /** Services a task may use (connector capabilities); grows with the task types that need them. */
  readonly services: TaskServices;
}

export interface TaskRunContext extends TaskActionContext {
  /** Records an object before creating it; returns it with its ledger id. */
  stage(object: Omit<StagedObject, 'id'>): Promise<StagedObject>;
  /** An object an earlier task of this run staged under `name` (e.g. a table being copied), if any. */
  findStaged(kind: string, name: string): StagedObject | undefined;
  /** Progress of long work (rows, bytes...), shown live. */
  progress(done: number, total?: number, unit?: string): void;
  readonly runId: string;
  readonly taskName: string;
  /**
   * The attributes of the task's configuration, for parameters that embed `${name}` placeholders
   * in a longer text (CreateComplexView's query); whole-value `${name}` parameters are already resolved.
   */
  readonly attributes: Readonly<Record<string, string>>;
}

/** What the engine hands task types; each later issue adds the capabilities its tasks need. */
export interface TaskServices {
  /** Absolute folder where tasks may keep scratch files. */
  readonly workDir: string;
  /** The connections tasks name in their parameters, opened (and cached) by geosync. */
  readonly connections: TaskConnections;
  /** The `dbsync` settings (database sync task types); absent: the defaults, packages under workDir. */
  readonly dbsync?: DbSyncSettings;
  /**
   * Metadata templates (MetadataTemplateSync): the template `name` of the workspace of run
   * `runId`'s batch, with its fields as layer metadata and its linked layers; undefined if none.
   */
  readonly metadataTemplates?: {
    forRun(
      runId: string,
      name: string,
    ): Promise<
      | {
          name: string;
          metadata: LayerMetadata;
          links: Array<{ mapServer: string; workspace?: string; layer: string }>;
        }
      | undefined
    >;
  };
}

/**
 * Opens connections by name. Unknown names fail with UserError `connection_not_found`; a
 * connection of the wrong kind or type with `wrong_connection_type`. Callers do not close what
 * they get: geosync keeps it open for later tasks and closes it when the connection changes.
 */
export interface TaskConnections {
  /**
   * The name of the local map server (setting `publication.localMapServer`, the built-in `local`
   * by default): where Local*Publication and TimeStamp publish, and the source of what the
   * remote publication and sync task types copy to other map servers.
   */
  readonly localMapServer: string;
  database(name: string): Promise<DatabaseSource>;
  /** A PostgreSQL database (PostGIS or the embedded store): the only kind tasks write to. */
  postgres(name: string): Promise<PostgresDatabase>;
  /** A file service; `alias-bucket` names one bucket of a multi-bucket S3 connection `alias`. */
  fileService(name: string): Promise<FileService>;
  /** A map server (the built-in `local` publisher, MapServer, GeoServer): what publication tasks publish on. */
  mapServer(name: string): Promise<Publisher>;
}
