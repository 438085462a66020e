import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const made: string[] = [];

// A test file that forgets (or crashes before) its own clean-up still leaves nothing behind.
process.once('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/**
 * A fresh temporary folder, inside the test run's folder when `npm test` runs (it deletes that
 * folder at the end), removed at process exit in any case.
 */
export function makeTempDir(prefix = 'gs-'): string {
  const dir = mkdtempSync(path.join(process.env.GEOSYNC_TEST_RUN_DIR ?? os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}
