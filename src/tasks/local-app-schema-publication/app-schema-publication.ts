import type { PostgresDatabase } from '../../connectors/database.ts';
import { tableNotFound } from '../../connectors/database.ts';
import type { AppSchemaSource, LayerMetadata, Publisher } from '../../connectors/publisher.ts';
import { UserError } from '../../errors/errors.ts';
import { tableNameCandidates } from '../../lib/sql-identifiers.ts';
import { layerKey, layerLabel, layerRef, tempLayerName } from '../local-db-publication/layer-staging.ts';
import { rollbackTempLayer, workspaceCreation } from '../local-db-publication/temp-layer-commit.ts';
import { findStagedRelation, relationKind } from '../sql/relations.ts';
import { type StagedRelation, swapIn } from '../sql/staging.ts';
import type { StagedObject, TaskActionContext, TaskOutcome, TaskRunContext } from '../task-type.ts';
import { readMapping } from './mapping-files.ts';
import { fillMapping, tablePlaceholders } from './mapping-template.ts';
import { withoutSecret } from './without-secret.ts';

/** What both app-schema publication task types take (the Task Manager's names). */
export interface AppSchemaParameters {
  fileService: string;
  file: string;
  'auto-versioned'?: boolean | undefined;
  database: string;
  workspace?: string | undefined;
  layer: string;
}

/** The ledger record: names only; the mapping (which holds the database password) is never stored. */
interface StagedAppSchemaLayer extends Record<string, unknown> {
  mapServer: string;
  workspace?: string;
  temp: string;
  final: string;
  fileService: string;
  /** The file read (the latest version of a `###` path). */
  file: string;
  database: string;
  /** `#{name}` → the table's final (unqualified) name. */
  tables: Record<string, string>;
  /** Tables the mapping names that an earlier task of the run stages: commit swaps them in first. */
  stagedTables: StagedRelation[];
  /** Publishing created the workspace (temp-layer-commit.ts, workspaceCreation): rollback removes it. */
  createdWorkspace?: boolean;
}

/**
 * The template parameters of a database as map server `mapServer` reaches it (its per-map-server
 * `publishAs` names): `host`, `port`, `database`, `schema`, `user`, `password` (also as GeoTools'
 * `passwd`), `dbtype`, and `jndiReferenceName` where the connection gives one.
 */
function templateParameters(db: PostgresDatabase, database: string, mapServer: string): Record<string, string> {
  const source = db.layerSource({ schema: db.schema, table: '' }, mapServer);
  if (source.kind !== 'postgis') {
    throw new UserError(
      'unsupported_database',
      `'${database}' is geosync's own store, which a map server cannot reach: an app-schema mapping needs a PostGIS database`,
      { details: [{ field: 'database', message: 'not reachable by a map server' }] },
    );
  }
  const password = source.password ?? '';
  return {
    dbtype: 'postgis',
    host: source.host,
    port: String(source.port),
    database: source.database,
    schema: source.schema,
    user: source.user,
    password,
    passwd: password,
    ...('jndiReferenceName' in source && typeof source.jndiReferenceName === 'string'
      ? { jndiReferenceName: source.jndiReferenceName }
      : {}),
  };
}

/** Every `#{table}` of the mapping: the staged temp table while one is staged, else the existing table. */
async function resolveTables(
  names: string[],
  db: PostgresDatabase,
  database: string,
  ctx: TaskRunContext,
): Promise<{ current: Record<string, string>; final: Record<string, string>; staged: StagedRelation[] }> {
  const current: Record<string, string> = {};
  const final: Record<string, string> = {};
  const staged: StagedRelation[] = [];
  for (const name of names) {
    const candidates = tableNameCandidates(name, db.schema);
    const relation = candidates.map((c) => findStagedRelation(ctx, database, c)).find((r) => r !== undefined);
    if (relation) {
      current[name] = relation.temp;
      final[name] = relation.final;
      if (!staged.some((s) => s.schema === relation.schema && s.final === relation.final)) staged.push(relation);
      continue;
    }
    const found = await db.withSession(async (session) => {
      for (const c of candidates) if ((await relationKind(session, c)) !== undefined) return c;
      return undefined;
    }, ctx.signal);
    if (!found) throw tableNotFound(name);
    current[name] = final[name] = found.name;
  }
  return { current, final, staged };
}

async function publishMapping(
  publisher: Publisher,
  target: {
    workspace?: string | undefined;
    name: string;
    advertised: boolean;
    metadata: LayerMetadata;
    style?: string;
  },
  mapping: { mainFile: string; files: AppSchemaSource['files'] },
  password: string,
  signal: AbortSignal,
): Promise<void> {
  const source: AppSchemaSource = { kind: 'app-schema', mainFile: mapping.mainFile, files: mapping.files };
  try {
    await publisher.publishLayer(
      {
        ...layerRef(target.workspace, target.name),
        source,
        metadata: target.metadata,
        advertised: target.advertised,
        ...(target.style !== undefined && { style: target.style }),
      },
      signal,
    );
  } catch (error) {
    throw withoutSecret(error, password);
  }
}

/** The map server must publish app-schema layers: checked before anything is read or changed. */
function requireAppSchema(publisher: Publisher, mapServer: string, field: string): void {
  if (publisher.publisherCapabilities.appSchema) return;
  throw new UserError(
    'app_schema_unsupported',
    `Map server '${mapServer}' cannot publish app-schema (complex feature) layers: only a GeoServer with the app-schema extension can`,
    { details: [{ field, message: 'no app-schema support' }] },
  );
}

/**
 * Run: reads and fills the mapping, stages the layer (names only), publishes it unadvertised
 * under `_temp_<hex>_<layer>`. The live layer keeps serving until commit.
 */
export async function runAppSchemaPublication(
  params: AppSchemaParameters,
  target: { name: string; field: string },
  ctx: TaskRunContext,
): Promise<TaskOutcome> {
  const mapServer = target.name;
  const publisher = await ctx.services.connections.mapServer(mapServer);
  requireAppSchema(publisher, mapServer, target.field);
  const db = await ctx.services.connections.postgres(params.database);
  const parameters = templateParameters(db, params.database, mapServer);
  const service = await ctx.services.connections.fileService(params.fileService);
  const mapping = await readMapping(service, params.file, params['auto-versioned'] ?? false);
  const tables = await resolveTables(tablePlaceholders(mapping.files), db, params.database, ctx);
  const files = fillMapping(mapping.files, parameters, tables.current);
  const existing = await publisher.getLayer(layerRef(params.workspace, params.layer), ctx.signal);
  const staged: StagedAppSchemaLayer = {
    mapServer,
    ...(params.workspace !== undefined && { workspace: params.workspace }),
    temp: tempLayerName(params.layer),
    final: params.layer,
    fileService: params.fileService,
    file: mapping.file,
    database: params.database,
    tables: tables.final,
    stagedTables: tables.staged,
    ...(await workspaceCreation(publisher, params.workspace, ctx.signal)),
  };
  // Recorded before it exists: a crash between the two leaves a ledger row rollback can clear.
  await ctx.stage({ kind: 'layer', name: layerKey(mapServer, params.workspace, params.layer), data: staged });
  await publishMapping(
    publisher,
    {
      workspace: params.workspace,
      name: staged.temp,
      advertised: false,
      // A republished layer keeps what other tasks gave it (metadata, style).
      metadata: existing?.metadata ?? {},
      ...(existing?.style !== undefined && { style: existing.style }),
    },
    { mainFile: mapping.mainFile, files },
    parameters.password ?? '',
    ctx.signal,
  );
  return {
    message: `Published the app-schema mapping ${params.fileService}:${mapping.file} as ${layerLabel(params.workspace, params.layer)} on ${mapServer} (staged as ${staged.temp})`,
  };
}

/**
 * Commit: the temp layer replaces the live one (removed, temp renamed, advertised). When the
 * mapping names tables staged in the run, those are swapped in first (commit runs in reverse
 * task order, before their CopyTable's own, idempotent, commit) and the mapping is published again
 * on their final names, since a mapping names its tables.
 */
export async function commitAppSchemaPublication(object: StagedObject, ctx: TaskActionContext): Promise<void> {
  const staged = object.data as StagedAppSchemaLayer;
  const publisher = await ctx.services.connections.mapServer(staged.mapServer);
  const tempRef = layerRef(staged.workspace, staged.temp);
  const finalRef = layerRef(staged.workspace, staged.final);
  const temp = await publisher.getLayer(tempRef, ctx.signal);
  if (!temp) {
    if (!(await publisher.getLayer(finalRef, ctx.signal))) {
      throw new UserError(
        'staged_object_missing',
        `The staged layer ${staged.temp} of ${staged.final} no longer exists`,
      );
    }
    await publisher.setAdvertised(finalRef, true, ctx.signal);
    ctx.log('info', `Layer ${staged.final} was already in place`);
    return;
  }
  if (staged.stagedTables.length === 0) {
    await publisher.removeLayer(finalRef, ctx.signal);
    await publisher.renameLayer(tempRef, finalRef, ctx.signal);
    await publisher.setAdvertised(finalRef, true, ctx.signal);
    return;
  }
  const db = await ctx.services.connections.postgres(staged.database);
  for (const table of staged.stagedTables) {
    const outcome = await db.withSession((session) => swapIn(session, table), ctx.signal);
    if (outcome === 'swapped') {
      ctx.log('info', `Table ${table.schema}.${table.final} swapped in for layer ${staged.final}`);
    }
  }
  const parameters = templateParameters(db, staged.database, staged.mapServer);
  const mapping = await readMapping(await ctx.services.connections.fileService(staged.fileService), staged.file);
  const files = fillMapping(mapping.files, parameters, staged.tables);
  // The temp layer goes first: its store maps the same type, which app-schema serves once.
  await publisher.removeLayer(tempRef, ctx.signal);
  await publishMapping(
    publisher,
    {
      workspace: staged.workspace,
      name: staged.final,
      advertised: true,
      metadata: temp.metadata,
      ...(temp.style !== undefined && { style: temp.style }),
    },
    { mainFile: mapping.mainFile, files },
    parameters.password ?? '',
    ctx.signal,
  );
}

/**
 * Rollback: the temp layer goes; the live layer (its store disabled meanwhile on GeoServer) serves
 * again; a workspace the run created goes too (temp-layer-commit.ts).
 */
export const rollbackAppSchemaPublication = rollbackTempLayer;
