/**
 * The CLI exactly as bin/geosync.js runs it (src/cli/main.ts), plus the test-only task types: the
 * real binary registers only the built-in ones, and the orchestration CLI tests need tasks that run.
 * Spawned as `node --import tsx test/cli/geosync-with-test-tasks.ts ARGS`.
 */
import { cliOptions } from '../../src/cli/cli-context.ts';
import { testTaskTypes } from '../tasks/test-task-types.ts';

cliOptions.taskTypes = testTaskTypes;
// Imported only now: main.ts parses the command line as soon as it loads.
await import('../../src/cli/main.ts');
