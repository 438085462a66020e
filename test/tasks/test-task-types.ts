/**
 * Task types that exist only in tests, to prove the engine: delays, failures in run or commit,
 * and a marker file staged as `<name>.tmp` and renamed on commit. Every commit/rollback call is
 * recorded in `journal` so tests can check the order.
 */
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { z } from 'zod';

import { param } from '../../src/tasks/parameter.ts';
import type { StagedObject, TaskConnections, TaskType } from '../../src/tasks/task-type.ts';

export const journal: string[] = [];

const noStaging = {
  supportsCleanup: false,
  async commitStaged() {},
  async rollbackStaged() {},
};

export const delayTask: TaskType = {
  type: 'test.delay',
  title: 'Wait',
  description: 'Waits, honouring interruption',
  capability: 'transactional',
  parameters: z.strictObject({ seconds: param.integer('seconds to wait') }),
  async run(params, ctx) {
    const seconds = params.seconds as number;
    await sleep(seconds * 1000, undefined, { signal: ctx.signal });
    return { message: `waited ${seconds} s` };
  },
  ...noStaging,
};

export const failTask: TaskType = {
  type: 'test.fail',
  title: 'Fail',
  description: 'Fails in run',
  capability: 'transactional',
  parameters: z.strictObject({ message: param.string().optional() }),
  async run(params) {
    throw new Error(typeof params.message === 'string' ? params.message : 'failed on purpose');
  },
  ...noStaging,
};

export const failCommitTask: TaskType = {
  type: 'test.fail-commit',
  title: 'Fail on commit',
  description: 'Runs fine, fails to commit',
  capability: 'transactional',
  parameters: z.strictObject({ name: param.string() }),
  async run(params, ctx) {
    await ctx.stage({ kind: 'marker', name: String(params.name), data: {} });
    return {};
  },
  supportsCleanup: false,
  async commitStaged(object: StagedObject) {
    journal.push(`commit-fail:${object.name}`);
    throw new Error(`cannot commit ${object.name}`);
  },
  async rollbackStaged(object: StagedObject) {
    journal.push(`rollback:${object.name}`);
  },
};

export const createMarkerTask: TaskType = {
  type: 'test.create-marker',
  title: 'Create a marker file',
  description: 'Stages <dir>/<name>.tmp, renames it to <dir>/<name> on commit',
  capability: 'transactional',
  supportsCleanup: true,
  parameters: z.strictObject({ dir: param.string(), name: param.string(), waitSeconds: param.integer().optional() }),
  async run(params, ctx) {
    const final = path.join(String(params.dir), String(params.name));
    const staged = await ctx.stage({ kind: 'marker', name: final, data: { temp: `${final}.tmp` } });
    writeFileSync(String(staged.data.temp), ctx.runId);
    if (typeof params.waitSeconds === 'number') {
      await sleep(params.waitSeconds * 1000, undefined, { signal: ctx.signal });
    }
    return { message: `staged ${final}` };
  },
  async commitStaged(object) {
    journal.push(`commit:${path.basename(object.name)}`);
    const temp = String(object.data.temp);
    if (existsSync(temp)) renameSync(temp, object.name);
  },
  async rollbackStaged(object) {
    journal.push(`rollback:${path.basename(object.name)}`);
    rmSync(String(object.data.temp), { force: true });
  },
  async cleanup(params) {
    rmSync(path.join(String(params.dir), String(params.name)), { force: true });
  },
};

/** Reads a database and a workspace parameter: proves attribute kinds and allowed values. */
export const useDatabaseTask: TaskType = {
  type: 'test.use-database',
  title: 'Use a database',
  description: 'Does nothing with a database connection and a workspace',
  capability: 'compensatable',
  parameters: z.strictObject({ database: param.database(), workspace: param.workspace().optional() }),
  async run(params) {
    return { message: `used ${String(params.database)}` };
  },
  ...noStaging,
};

export const testTaskTypes: readonly TaskType[] = [
  delayTask,
  failTask,
  failCommitTask,
  createMarkerTask,
  useDatabaseTask,
];

/** For engine tests whose task types open no connection: any attempt is a test bug, said plainly. */
export const noTaskConnections: TaskConnections = {
  database: (name) => Promise.reject(new Error(`test bug: this test opens no database (asked for '${name}')`)),
  postgres: (name) => Promise.reject(new Error(`test bug: this test opens no database (asked for '${name}')`)),
  fileService: (name) => Promise.reject(new Error(`test bug: this test opens no file service (asked for '${name}')`)),
  localMapServer: 'local',
  mapServer: (name) => Promise.reject(new Error(`test bug: this test opens no map server (asked for '${name}')`)),
};
