/** Configurations and batch runs through the REST API, for tests that drive the engine end to end. */
import assert from 'node:assert/strict';

import type { Run } from '../../src/contracts/batches.dto.ts';
import type { Configuration } from '../../src/contracts/configurations.dto.ts';
import type { ApiClient } from './http.ts';

/** A validated configuration of `tasks` in `workspace`, and a batch `run` of all of them, in order. */
export async function batchOf(admin: ApiClient, workspace: string, name: string, tasks: unknown[]): Promise<string> {
  const created = await admin.request<Configuration>('POST', '/api/v1/configurations', { workspace, name, tasks });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.validated, true, JSON.stringify(created.body.problems));
  const batch = await admin.request<{ id: string }>('POST', '/api/v1/batches', {
    workspace,
    configuration: created.body.id,
    name: 'run',
    tasks: created.body.tasks.map((t) => t.id),
  });
  assert.equal(batch.status, 201, JSON.stringify(batch.body));
  return batch.body.id;
}

/** Runs a batch now and waits until the run has ended. */
export async function runBatch(admin: ApiClient, batchId: string, timeoutMs = 60_000): Promise<Run> {
  const queued = await admin.request<Run>('POST', `/api/v1/batches/${batchId}/run`);
  assert.equal(queued.status, 202, JSON.stringify(queued.body));
  const started = Date.now();
  for (;;) {
    const run = await admin.request<Run>('GET', `/api/v1/runs/${queued.body.id}`);
    if (!['queued', 'running'].includes(run.body.status)) return run.body;
    if (Date.now() - started > timeoutMs) throw new Error(`run still ${run.body.status}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
