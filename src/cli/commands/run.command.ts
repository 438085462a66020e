import type { Command } from 'commander';

import type { Run } from '../../contracts/batches.dto.ts';
import { notFound, UserError } from '../../errors/errors.ts';
import { taskRunStatuses } from '../../engine/executor/run-status.ts';
import { CLI_PRINCIPAL, globals, withGeosync } from '../cli-context.ts';
import { print, table } from '../output.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A batch run is queued, running, then ends with the status its task runs give it. */
const RUN_STATUSES: readonly string[] = ['queued', 'running', ...taskRunStatuses];

/**
 * Ids are checked here because the store refuses a malformed uuid with a database error (an
 * internal error, exit 1); to the user it is just an id that does not exist (exit 3).
 */
export function requireId(what: string, id: string): string {
  if (!UUID.test(id)) throw notFound(what, id);
  return id;
}

function seconds(from: string | null, to: string | null): string | undefined {
  if (!from || !to) return undefined;
  return `${((Date.parse(to) - Date.parse(from)) / 1000).toFixed(1)} s`;
}

/** A run for people: what, how it ended, and one line per task. */
export function describeRun(run: Run): string {
  const took = seconds(run.startedAt, run.endedAt);
  const lines = [
    `Run ${run.id} of batch ${run.batch}: ${run.status}${run.interruptRequested ? ' (interrupt requested)' : ''}`,
    `${run.trigger}, started ${run.startedAt}${run.startedBy ? ` by ${run.startedBy}` : ''}` +
      (run.endedAt ? `, ended ${run.endedAt} (${took})` : ''),
  ];
  if (run.message) lines.push(run.message);
  const tasks = run.tasks.map((t) => ({ ...t, time: seconds(t.startedAt, t.endedAt) }));
  lines.push('', table(tasks, ['task', 'type', 'status', 'time', 'message']));
  return lines.join('\n');
}

export function runCommand(program: Command): void {
  const run = program.command('run').description('Batch runs: history, task statuses, logs, interruption');

  run
    .command('list')
    .description('List runs, newest first')
    .option('--batch <id>', 'only runs of this batch')
    .option('--status <status>', `only runs with this status (${RUN_STATUSES.join(', ')})`)
    .option('--limit <n>', 'at most this many', '50')
    .action(async (opts: { batch?: string; status?: string; limit: string }, command: Command) => {
      const options = globals(command);
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new UserError('invalid_input', '--limit must be a whole number');
      if (opts.status !== undefined && !RUN_STATUSES.includes(opts.status)) {
        throw new UserError('invalid_input', `--status must be one of ${RUN_STATUSES.join(', ')}`);
      }
      const batch = opts.batch === undefined ? undefined : requireId('Batch', opts.batch);
      const page = await withGeosync(options, (ctx) =>
        ctx.runs.list(CLI_PRINCIPAL, { limit, offset: 0, batch, status: opts.status }),
      );
      print(page.items, options, () =>
        table(
          page.items.map((r) => ({ ...r, time: seconds(r.startedAt, r.endedAt) })),
          ['id', 'batch', 'status', 'trigger', 'startedBy', 'startedAt', 'time'],
        ),
      );
    });

  run
    .command('show <id>')
    .description('Show a run: its status, and each task with its status, message and timing')
    .action(async (id: string, _opts: unknown, command: Command) => {
      const options = globals(command);
      requireId('Run', id);
      const found = await withGeosync(options, (ctx) => ctx.runs.get(CLI_PRINCIPAL, id));
      print(found, options, () => describeRun(found));
    });

  run
    .command('log <id>')
    .description("Print a run's log")
    .action(async (id: string, _opts: unknown, command: Command) => {
      const options = globals(command);
      requireId('Run', id);
      const lines = await withGeosync(options, async (ctx) => {
        const names = new Map((await ctx.runs.get(CLI_PRINCIPAL, id)).tasks.map((t) => [t.id, t.task]));
        const all = [];
        // The service pages by 1000 lines after an id; a long log takes several pages.
        for (let page = await ctx.runs.log(CLI_PRINCIPAL, id); page.length > 0;) {
          all.push(...page);
          page = page.length < 1000 ? [] : await ctx.runs.log(CLI_PRINCIPAL, id, page.at(-1)!.id);
        }
        return all.map((l) => ({ ...l, task: l.taskRunId ? (names.get(l.taskRunId) ?? null) : null }));
      });
      print(lines, options, () =>
        lines.length === 0
          ? '(empty log)'
          : lines.map((l) => `${l.at} ${l.level.padEnd(5)} ${l.task ? `[${l.task}] ` : ''}${l.message}`).join('\n'),
      );
    });

  run
    .command('interrupt <id>')
    .description('Ask a running run to stop and roll back (whichever process runs it stops within a second)')
    .action(async (id: string, _opts: unknown, command: Command) => {
      const options = globals(command);
      requireId('Run', id);
      const asked = await withGeosync(options, (ctx) => ctx.runs.interrupt(CLI_PRINCIPAL, id));
      print(asked, options, () => `Asked run ${asked.id} of batch ${asked.batch} to stop; it rolls back`);
    });
}
