import type { Command } from 'commander';

import { buildServer } from '../../api/server.ts';
import { createLogger } from '../../lib/logger.ts';
import { createGeosync } from '../../main.ts';
import { configFor, globals } from '../cli-context.ts';

export function serveCommand(program: Command): void {
  program
    .command('serve')
    .description('Start the geosync server (API, web UI)')
    .option('--port <port>', 'HTTP port (setting server.port)')
    .option('--host <host>', 'interface to listen on (setting server.host)')
    .action(async (options: { port?: string; host?: string }, command: Command) => {
      const started = performance.now();
      const base = configFor(globals(command));
      const config = {
        ...base,
        server: {
          ...base.server,
          ...(options.port && { port: Number(options.port) }),
          ...(options.host && { host: options.host }),
        },
      };
      const logger = createLogger(config.log.level);
      const { ctx, bootstrap } = await createGeosync(config, logger, { prepare: true });
      const { app, webUi } = await buildServer(ctx);
      await app.listen({ port: config.server.port, host: config.server.host });
      if (bootstrap?.generatedAdminPassword) {
        // Printed on the terminal once, deliberately not through the logger.
        process.stdout.write(
          `\n  Created user 'admin' with password: ${bootstrap.generatedAdminPassword}\n  (shown once: store it now, or change it with 'geosync user passwd admin')\n\n`,
        );
      }
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      logger.info(
        {
          url: `http://${config.server.host}:${app.server.address() && typeof app.server.address() === 'object' ? (app.server.address() as { port: number }).port : config.server.port}`,
          store: ctx.storeBackend,
          webUi,
          seconds,
        },
        'geosync ready',
      );
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal }, 'stopping');
        await app.close();
        await ctx.close();
        process.exit(0);
      };
      process.once('SIGTERM', () => void stop('SIGTERM'));
      process.once('SIGINT', () => void stop('SIGINT'));
    });
}
