import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { isGeosyncError } from '../../errors/errors.ts';
import { RasterFolder } from './raster-files.ts';

const fixture = fileURLToPath(new URL('../../../test/fixtures/raster/checker-4326.tif', import.meta.url));
const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function folder(maxBytes?: number): Promise<RasterFolder> {
  const dir = await mkdtemp(path.join(tmpdir(), 'geosync-rasters-'));
  dirs.push(dir);
  return new RasterFolder(path.join(dir, 'geosync.map'), maxBytes);
}

const upload = (open: () => Readable, fileName = 'Dem 2024 (v3).TIF') => ({
  fileName,
  open: () => Promise.resolve(open()),
});

test('an upload is copied under a sanitized name of its own, inside the managed folder', async () => {
  const rasters = await folder();
  const stored = await rasters.store(
    upload(() => createReadStream(fixture)),
    AbortSignal.timeout(10_000),
  );
  assert.equal(path.dirname(stored), rasters.dir);
  assert.match(path.basename(stored), /^Dem_2024_v3\.[0-9a-f]{12}\.tif$/);
  assert.ok(rasters.owns(stored));
});

test('an upload larger than the limit is refused clearly and leaves nothing behind', async () => {
  const rasters = await folder(1000);
  await assert.rejects(
    rasters.store(
      upload(() => createReadStream(fixture)),
      AbortSignal.timeout(10_000),
    ),
    (error: unknown) =>
      isGeosyncError(error) && error.code === 'raster_too_large' && /maxRasterUploadMB/.test(error.message),
  );
  assert.deepEqual(await readdir(rasters.dir), []);
});

test('a file that is not a TIFF is refused and leaves nothing behind', async () => {
  const rasters = await folder();
  await assert.rejects(
    rasters.store(
      upload(() => Readable.from([Buffer.from('\x89PNG\r\n\x1a\nnot a tiff')]), 'x.tif'),
      AbortSignal.timeout(10_000),
    ),
    (error: unknown) => isGeosyncError(error) && error.code === 'layer_source_invalid',
  );
  assert.deepEqual(await readdir(rasters.dir), []);
});
