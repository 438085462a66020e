import type { PostgresDatabase } from '../../connectors/database.ts';
import type { LayerDefinition, LayerRef, LayerSource, Publisher } from '../../connectors/publisher.ts';
import { UserError } from '../../errors/errors.ts';
import { quoteQualified, tableNameCandidates } from '../../lib/sql-identifiers.ts';
import { findStagedRelation, relationKind } from '../sql/relations.ts';
import { assertNotReserved } from '../sql/reserved.ts';
import { type StagedRelation, swapIn } from '../sql/staging.ts';
import type { StagedObject, TaskActionContext, TaskRunContext } from '../task-type.ts';
import { type StagedLayer, type StagedTableSource, tempLayerName } from './layer-staging.ts';
import { commitTempLayer, rollbackTempLayer, workspaceCreation } from './temp-layer-commit.ts';

/**
 * A database table published as a layer with the temp-name protocol, shared by LocalDbPublication
 * and RemoteDbPublication: finding the table (staged earlier in the run, or existing), and the
 * commit and rollback of the staged layer. The ledger names the table by connection; the map
 * server's view of it (host, credentials...) is asked of the connection (`layerSource`) each time.
 */

export interface TableName {
  schema: string;
  table: string;
}

export interface ResolvedTable {
  /** The database connection's name. */
  database: string;
  /** The table the layer serves once everything is committed. */
  final: TableName;
  /** The table the temp layer serves during the run (the staged `_temp_` one, or the final one). */
  current: TableName;
  staged?: StagedRelation;
}

/** Tables, views, materialized views, foreign and partitioned tables: what a map server can read. */
const READABLE_KINDS = new Set(['r', 'v', 'm', 'f', 'p']);

function tableMissing(text: string, database: string, field: string): UserError {
  return new UserError('table_not_found', `Table or view '${text}' does not exist in database '${database}'`, {
    status: 404,
    details: [{ field, message: 'does not exist' }],
  });
}

/** How a task writes `table` back as a name `tableNameCandidates` reads as that one table. */
export function tableText(table: TableName): string {
  const plain = (part: string) => !/[."]/.test(part);
  return plain(table.schema) && plain(table.table)
    ? `${table.schema}.${table.table}`
    : quoteQualified({ schema: table.schema, name: table.table });
}

/**
 * The table `text` names in `database`: as staged by an earlier task of the run (a CopyTable still
 * under its `_temp_` name), else as it exists. Missing: `table_not_found` naming `field`.
 */
export async function resolveLayerTable(
  db: PostgresDatabase,
  database: string,
  text: string,
  field: string,
  ctx: TaskRunContext,
): Promise<ResolvedTable> {
  const candidates = tableNameCandidates(text, db.schema);
  for (const candidate of candidates) {
    const staged = findStagedRelation(ctx, database, candidate);
    if (staged) {
      return {
        database,
        final: { schema: staged.schema, table: staged.final },
        current: { schema: staged.schema, table: staged.temp },
        staged,
      };
    }
  }
  const found = await db.withSession(async (session) => {
    for (const candidate of candidates) {
      const kind = await relationKind(session, candidate);
      if (kind !== undefined && READABLE_KINDS.has(kind)) return candidate;
    }
    return undefined;
  }, ctx.signal);
  if (!found) throw tableMissing(text, database, field);
  // geosync's own tables (users, secrets) are never served, whoever asks.
  assertNotReserved(db, found);
  const table = { schema: found.schema, table: found.name };
  return { database, final: table, current: table };
}

/** The ledger record of a layer about to be published on `mapServer` from `table` (asks whether the workspace exists). */
export async function stagedLayerOf(
  publisher: Publisher,
  mapServer: string,
  workspace: string | undefined,
  layer: string,
  table: ResolvedTable,
  signal: AbortSignal,
): Promise<StagedLayer> {
  const source: StagedTableSource = { kind: 'table', database: table.database, ...table.final };
  return {
    mapServer,
    ...(workspace !== undefined && { workspace }),
    temp: tempLayerName(layer),
    final: layer,
    source,
    ...(table.staged && { stagedTable: table.staged }),
    ...(await workspaceCreation(publisher, workspace, signal)),
  };
}

/** The source of the final layer, with the credentials asked of the connection now (never from the ledger). */
async function finalSource(staged: StagedLayer, ctx: TaskActionContext): Promise<LayerSource> {
  const { source } = staged;
  if (source.kind === 'embedded') return source;
  const db = await ctx.services.connections.postgres(source.database);
  return db.layerSource({ schema: source.schema, table: source.table }, staged.mapServer);
}

/**
 * Commit of a staged table layer (the temp-name protocol, temp-layer-commit.ts); a layer on a
 * table staged in the run is republished on the final table instead (commitOnStagedTable).
 */
export async function commitStagedLayer(object: StagedObject, ctx: TaskActionContext): Promise<void> {
  const staged = object.data as StagedLayer;
  const publisher = await ctx.services.connections.mapServer(staged.mapServer);
  await commitTempLayer(
    publisher,
    staged,
    ctx,
    staged.stagedTable && ((temp, finalRef) => commitOnStagedTable(publisher, staged, temp, finalRef, ctx)),
  );
}

/** Rollback: the temp layer goes, and a workspace the run created (temp-layer-commit.ts). */
export const rollbackStagedLayer = rollbackTempLayer;

/**
 * Commit when the table was staged in the run (a CopyTable). Commit goes in reverse task order,
 * so this runs before the CopyTable renames its `_temp_` table, and a layer on the temp table
 * would be left pointing at a name that no longer exists (layers hold tables by name). So the
 * staged table is swapped in here (swapIn is idempotent: the CopyTable's own commit then finds it
 * done), and the final layer published on the final table (the caller removes the temp layer).
 */
async function commitOnStagedTable(
  publisher: Publisher,
  staged: StagedLayer,
  temp: LayerDefinition,
  finalRef: LayerRef,
  ctx: TaskActionContext,
): Promise<void> {
  const table = staged.stagedTable!;
  const db = await ctx.services.connections.postgres(table.database);
  const outcome = await db.withSession((session) => swapIn(session, table), ctx.signal);
  if (outcome === 'swapped') {
    ctx.log('info', `Table ${table.schema}.${table.final} swapped in for layer ${staged.final}`);
  }
  await publisher.publishLayer(
    {
      ...finalRef,
      source: await finalSource(staged, ctx),
      metadata: temp.metadata,
      ...(temp.style !== undefined && { style: temp.style }),
      advertised: true,
    },
    ctx.signal,
  );
}
