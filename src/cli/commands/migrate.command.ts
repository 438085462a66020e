import type { Command } from 'commander';

import { createLogger } from '../../lib/logger.ts';
import { openConfiguredStore } from '../../main.ts';
import { migrate } from '../../store/migrate.ts';
import { configFor, globals } from '../cli-context.ts';
import { print } from '../output.ts';

export function migrateCommand(program: Command): void {
  program
    .command('migrate')
    .description("Bring the store's tables up to date (serve does this too)")
    .action(async (_options: unknown, command: Command) => {
      const options = globals(command);
      const config = configFor(options);
      createLogger('silent');
      const store = await openConfiguredStore(config);
      try {
        const result = await migrate(store.db);
        print(result, options, () =>
          result.applied.length > 0
            ? `Applied ${result.applied.join(', ')}; store at version ${result.current}`
            : `Store is up to date (version ${result.current})`,
        );
      } finally {
        await store.close();
      }
    });
}
