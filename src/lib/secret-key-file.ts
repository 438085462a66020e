import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { randomBytes } from 'node:crypto';

/**
 * The key for secrets at rest: from settings when given, else read from (or generated into)
 * `<dataDir>/secret.key` with owner-only permissions. Losing that file loses stored secrets.
 */
export function loadOrCreateSecretKey(dataDir: string, configured?: string): { key: Buffer; created: boolean } {
  if (configured) return { key: Buffer.from(configured, 'base64'), created: false };
  const file = path.join(dataDir, 'secret.key');
  if (existsSync(file)) return { key: Buffer.from(readFileSync(file, 'utf8').trim(), 'base64'), created: false };
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  return { key, created: true };
}
