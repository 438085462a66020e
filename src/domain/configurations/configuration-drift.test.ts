import assert from 'node:assert/strict';
import { test } from 'node:test';

import { hasDrift, type TemplateShape } from './configuration-drift.ts';

const template: TemplateShape = {
  tasks: [
    { name: 'copy', type: 'CopyTable', parameters: { table: '${table}', database: '${db}' } },
    { name: 'publish', type: 'LocalDbPublication', parameters: { layer: '${layer}' } },
  ],
  batches: [{ name: 'nightly', tasks: ['copy', 'publish'] }],
};

test('same tasks and batches in another order: no drift', () => {
  const copy: TemplateShape = {
    tasks: [template.tasks[1]!, { ...template.tasks[0]!, parameters: { database: '${db}', table: '${table}' } }],
    batches: template.batches,
  };
  assert.equal(hasDrift(copy, template), false);
});

test('a changed parameter, task or batch order is drift', () => {
  assert.equal(
    hasDrift(
      {
        ...template,
        tasks: [{ ...template.tasks[0]!, parameters: { table: 'roads', database: '${db}' } }, template.tasks[1]!],
      },
      template,
    ),
    true,
  );
  assert.equal(hasDrift({ ...template, tasks: [template.tasks[0]!] }, template), true);
  assert.equal(hasDrift({ ...template, batches: [{ name: 'nightly', tasks: ['publish', 'copy'] }] }, template), true);
});
