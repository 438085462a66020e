import type { Command } from 'commander';

import type { AppConfig } from '../config/config.schema.ts';
import { loadConfig } from '../config/load-config.ts';
import type { GeosyncContext } from '../context.ts';
import type { Principal } from '../domain/security/principal.ts';
import { createLogger } from '../lib/logger.ts';
import { createGeosync } from '../main.ts';
import type { TaskType } from '../tasks/task-type.ts';

/** Whoever runs the CLI on the server has the machine, and so acts as an administrator. */
export const CLI_PRINCIPAL: Principal = {
  userId: '00000000-0000-0000-0000-000000000000',
  username: '(cli)',
  displayName: 'Command line',
  roles: ['admin'],
  isAdmin: true,
  via: 'cli',
};

/**
 * Set before the program parses, by an entry point that needs other task types than the built-in
 * ones: the CLI tests register the test-only types this way (test/cli/geosync-with-test-tasks.ts).
 */
export const cliOptions: { taskTypes?: readonly TaskType[] } = {};

export interface GlobalOptions {
  config?: string;
  json?: boolean;
}

export function globals(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}

export function configFor(options: GlobalOptions): AppConfig {
  return loadConfig({ file: options.config });
}

/** Opens geosync for one command (migrated, bootstrapped), runs `fn`, closes. Logs go to stderr. */
export async function withGeosync<T>(options: GlobalOptions, fn: (ctx: GeosyncContext) => Promise<T>): Promise<T> {
  const config = configFor(options);
  const logger = createLogger(config.log.level === 'info' ? 'warn' : config.log.level, process.stderr);
  const { ctx, bootstrap } = await createGeosync(config, logger, {
    prepare: true,
    taskTypes: cliOptions.taskTypes,
  });
  if (bootstrap?.generatedAdminPassword) {
    process.stderr.write(
      `Created user 'admin' with password: ${bootstrap.generatedAdminPassword}\n(shown once: store it now)\n`,
    );
  }
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}
