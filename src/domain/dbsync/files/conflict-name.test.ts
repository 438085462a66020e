import assert from 'node:assert/strict';
import { test } from 'node:test';

import { isGeosyncError } from '../../../errors/errors.ts';
import { checkNodeName, conflictPath } from './conflict-name.ts';
import { normalizeExclude } from './folder-tree.ts';

const at = new Date(Date.UTC(2024, 4, 2, 9, 4, 3));
const free = async () => false;

test('a conflict copy is named after the node and the time, keeping the extension', async () => {
  assert.equal(
    await conflictPath('a/roads.qgs', 'clone-1', at, free),
    'a/roads (conflict clone-1 2024-05-02 090403).qgs',
  );
  assert.equal(await conflictPath('README', 'n', at, free), 'README (conflict n 2024-05-02 090403)');
  assert.equal(await conflictPath('.env', 'n', at, free), '.env (conflict n 2024-05-02 090403)');
  assert.equal(await conflictPath('x.tar.gz', 'n', at, free), 'x.tar (conflict n 2024-05-02 090403).gz');
  const taken = new Set(['p (conflict n 2024-05-02 090403).jpg', 'p (conflict n 2024-05-02 090403 2).jpg']);
  assert.equal(
    await conflictPath('p.jpg', 'n', at, async (c) => taken.has(c)),
    'p (conflict n 2024-05-02 090403 3).jpg',
  );
});

test('node names are made safe for file names; an empty one is refused', () => {
  assert.equal(checkNodeName('clone 1/../x'), 'clone_1_.._x');
  assert.equal(checkNodeName('Forêt-2'), 'Forêt-2');
  for (const bad of ['', '  ', '..', '/']) {
    assert.throws(
      () => checkNodeName(bad),
      (e) => isGeosyncError(e) && e.code === 'dbsync_invalid_node',
      bad,
    );
  }
});

test('excluded folders are paths inside: slashes and ./ tolerated, .. refused', () => {
  assert.deepEqual([...normalizeExclude(['media/tmp/', './private', '/a//b'])], ['media/tmp', 'private', 'a/b']);
  for (const bad of ['..', '../x', 'a/../../b', '', '.', 'a\\b', 'a\u0000']) {
    assert.throws(
      () => normalizeExclude([bad]),
      (e) => isGeosyncError(e) && e.code === 'dbsync_invalid_exclude',
      JSON.stringify(bad),
    );
  }
});
