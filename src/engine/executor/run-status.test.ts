import assert from 'node:assert/strict';
import { test } from 'node:test';

import { deriveBatchRunStatus } from './run-status.ts';

test('the batch run status tells what happened', () => {
  assert.equal(deriveBatchRunStatus(['committed', 'committed']), 'committed');
  assert.equal(deriveBatchRunStatus(['rolled_back', 'failed', 'skipped']), 'failed');
  assert.equal(deriveBatchRunStatus(['rolled_back', 'rolled_back', 'skipped']), 'rolled_back');
  assert.equal(deriveBatchRunStatus(['committed', 'not_committed']), 'not_committed');
  assert.equal(deriveBatchRunStatus(['not_committed', 'committed']), 'not_committed');
  assert.equal(deriveBatchRunStatus(['ready_to_commit', 'running', 'pending']), 'pending');
  assert.equal(deriveBatchRunStatus(['committed', 'committing', 'ready_to_commit']), 'ready_to_commit');
  assert.equal(deriveBatchRunStatus([]), 'empty');
});
