import assert from 'node:assert/strict';
import { test } from 'node:test';

import { mapLimited, sourceView } from './layer-views.ts';

test('a PostGIS source loses its password, an app-schema source its file contents', () => {
  const postgis = sourceView({
    kind: 'postgis',
    host: 'h',
    port: 5432,
    database: 'd',
    user: 'u',
    password: 's3cret',
    schema: 'public',
    table: 't',
  });
  assert.deepEqual(postgis, {
    kind: 'postgis',
    host: 'h',
    port: 5432,
    database: 'd',
    user: 'u',
    schema: 'public',
    table: 't',
  });
  const appSchema = sourceView({
    kind: 'app-schema',
    mainFile: 'main.xml',
    files: [{ path: 'main.xml', content: '<passwd>s3cret</passwd>' }],
  });
  assert.deepEqual(appSchema, { kind: 'app-schema', mainFile: 'main.xml', files: ['main.xml'] });
  const raster = sourceView({
    kind: 'geotiff',
    path: '/data/a.tif',
    upload: { fileName: 'a.tif', open: () => Promise.reject(new Error('no')) },
  });
  assert.deepEqual(raster, { kind: 'geotiff', path: '/data/a.tif' });
});

test('mapLimited keeps the order and never runs more than the limit at once', async () => {
  let running = 0;
  let most = 0;
  const out = await mapLimited([5, 1, 3, 2, 4], 2, async (n) => {
    running++;
    most = Math.max(most, running);
    await new Promise((resolve) => setTimeout(resolve, n));
    running--;
    return n * 10;
  });
  assert.deepEqual(out, [50, 10, 30, 20, 40]);
  assert.equal(most, 2);
});
