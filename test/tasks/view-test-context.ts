/**
 * For the CreateView / CreateComplexView tests: a run context without the engine (the ledger is an
 * array), a stand-in for a CopyTable that staged a table earlier in the run, and SQL checks.
 */
import { randomBytes } from 'node:crypto';

import type pg from 'pg';

import { quoteIdent, quoteQualified } from '../../src/lib/sql-identifiers.ts';
import { type StagedRelation, stagedKey } from '../../src/tasks/sql/staging.ts';
import type { StagedObject, TaskConnections, TaskRunContext } from '../../src/tasks/task-type.ts';
import type { TestPgDatabase } from '../helpers/pg-database.ts';

/** The connection name the tests' tasks use. */
export const DATABASE = 'gis';

export function connectionsTo(db: TestPgDatabase): TaskConnections {
  const unknown = (name: string) => Promise.reject(new Error(`test: no connection '${name}'`));
  return {
    postgres: (name) => (name === DATABASE ? Promise.resolve(db) : unknown(name)),
    database: (name) => (name === DATABASE ? Promise.resolve(db) : unknown(name)),
    fileService: unknown,
    localMapServer: 'local',
    mapServer: unknown,
  };
}

export interface FakeRunContext extends TaskRunContext {
  /** What the task staged, in order. */
  readonly staged: StagedObject[];
  /** For each staged object: whether its temporary relation already existed when it was staged. */
  readonly existedWhenStaged: boolean[];
}

export function fakeRunContext(
  db: TestPgDatabase,
  options: { attributes?: Record<string, string>; earlier?: StagedObject[] } = {},
): FakeRunContext {
  const staged: StagedObject[] = [];
  const existedWhenStaged: boolean[] = [];
  const byKey = new Map((options.earlier ?? []).map((o) => [`${o.kind}:${o.name}`, o]));
  return {
    signal: new AbortController().signal,
    log: () => undefined,
    services: { workDir: '/nonexistent', connections: connectionsTo(db) },
    runId: 'run-1',
    taskName: 'view',
    attributes: options.attributes ?? {},
    staged,
    existedWhenStaged,
    async stage(object) {
      const data = object.data as StagedRelation;
      existedWhenStaged.push(await relationExists(db.pool, data.schema, data.temp));
      const recorded = { ...object, id: String(staged.length + 1) };
      staged.push(recorded);
      byKey.set(`${object.kind}:${object.name}`, recorded);
      return recorded;
    },
    findStaged: (kind, name) => byKey.get(`${kind}:${name}`),
    progress: () => undefined,
  };
}

/**
 * What CopyTable does before a view task runs: a table created under a temporary name and staged
 * as kind 'table' under stagedKey(database, {schema, name}). Returns the ledger object.
 */
export async function stageCopiedTable(
  pool: pg.Pool,
  target: { schema: string; name: string },
  rows: string[],
): Promise<StagedObject> {
  const data: StagedRelation = {
    database: DATABASE,
    schema: target.schema,
    temp: `_temp_${randomBytes(4).toString('hex')}_${target.name}`,
    final: target.name,
    kind: 'table',
  };
  const temp = quoteQualified({ schema: data.schema, name: data.temp });
  await pool.query(`CREATE TABLE ${temp} (id serial PRIMARY KEY, label text)`);
  for (const label of rows) await pool.query(`INSERT INTO ${temp} (label) VALUES ($1)`, [label]);
  return { id: `copy-${data.temp}`, kind: 'table', name: stagedKey(DATABASE, target), data };
}

export async function relationExists(pool: pg.Pool, schema: string, name: string): Promise<boolean> {
  const { rows } = await pool.query(
    'SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2',
    [schema, name],
  );
  return rows.length > 0;
}

/** Relations whose name starts with `_temp_` (staged and never swapped in or dropped). */
export async function leftoverTemps(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ name: string }>(
    `SELECT n.nspname || '.' || c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relname LIKE '\\_temp\\_%' AND c.relkind IN ('r', 'v') ORDER BY 1`,
  );
  return rows.map((r) => r.name);
}

export async function labelsOf(pool: pg.Pool, relation: string): Promise<string[]> {
  const { rows } = await pool.query<{ label: string }>(`SELECT label FROM ${relation} ORDER BY label`);
  return rows.map((r) => r.label);
}

/** Drops and re-creates the tests' own schemas (never `public`: PostGIS lives there). */
export async function resetSchemas(pool: pg.Pool, schemas: string[]): Promise<void> {
  for (const schema of schemas) {
    await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
    await pool.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
  }
}
