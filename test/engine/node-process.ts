/**
 * One geosync node for the multi-process tests (multi-node.integration.test.ts): opens geosync as
 * `serve` does (migrate, bootstrap), with the test task types, and starts the engine (scheduler,
 * job workers, recovery). Logs go to stderr; one line `{"ready":<pid>}` goes to stdout
 * once the engine runs. SIGTERM closes it (the engine stops gracefully) and exits.
 *
 *   node --import tsx test/engine/node-process.ts <store url> <data dir> ['<engine tuning JSON>']
 *
 * Without arguments the environment is read: GEOSYNC_NODE_STORE_URL, GEOSYNC_NODE_DATA_DIR and
 * GEOSYNC_NODE_ENGINE (tuning: tickMs, concurrency, leaseMs, pollingSeconds).
 */
import type { EngineTuning } from '../../src/compose-orchestration.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { createGeosync } from '../../src/main.ts';
import { testTaskTypes } from '../tasks/test-task-types.ts';

const [argUrl, argDir, argEngine] = process.argv.slice(2);
const url = argUrl ?? process.env.GEOSYNC_NODE_STORE_URL;
const dataDir = argDir ?? process.env.GEOSYNC_NODE_DATA_DIR;
if (!url || !dataDir) {
  process.stderr.write('usage: node --import tsx test/engine/node-process.ts <store url> <data dir> [engine JSON]\n');
  process.exit(2);
}
const engine = JSON.parse(argEngine ?? process.env.GEOSYNC_NODE_ENGINE ?? '{}') as EngineTuning;

const logger = createLogger(process.env.GEOSYNC_NODE_LOG_LEVEL ?? 'info', process.stderr);
const config = loadConfig({
  env: {},
  overrides: {
    dataDir,
    server: { host: '127.0.0.1', port: 0 },
    store: { url },
    admin: { password: 'node-test-password-1' },
  },
});
const { ctx } = await createGeosync(config, logger, { prepare: true, taskTypes: testTaskTypes, engine });
await ctx.startEngine();

let closing = false;
process.on('SIGTERM', () => {
  if (closing) return;
  closing = true;
  ctx
    .close()
    .then(() => process.exit(0))
    .catch((error: unknown) => {
      logger.error({ err: error }, 'close failed');
      process.exit(1);
    });
});
process.stdout.write(`${JSON.stringify({ ready: process.pid })}\n`);
