import { setTimeout as sleep } from 'node:timers/promises';

import type { Command } from 'commander';

import type { Batch, Run } from '../../contracts/batches.dto.ts';
import type { GeosyncContext } from '../../context.ts';
import { createRun } from '../../engine/executor/create-run.ts';
import { describeSchedule } from '../../engine/scheduler/schedule.ts';
import { conflict } from '../../errors/errors.ts';
import { CLI_PRINCIPAL, globals, withGeosync } from '../cli-context.ts';
import { EXIT, print, table } from '../output.ts';
import { resolveConfiguration } from './configuration.command.ts';
import { describeRun, requireId } from './run.command.ts';

const ALL = { limit: 100_000, offset: 0 };

const scheduleOf = (b: Batch) => (b.schedule ? describeSchedule(b.schedule, b.timeZone) : 'by hand only');

function describeBatch(b: Batch): string {
  const tasks = b.tasks.map(
    (t, i) => `  ${i + 1}. ${t.name}${t.configuration !== b.configuration ? ` (${t.configuration})` : ''}`,
  );
  return [
    `Batch ${b.name} (${b.id}) in ${b.workspace}${b.configuration ? `, configuration ${b.configuration}` : ''}`,
    ...(b.description ? [b.description] : []),
    `${b.enabled ? 'enabled' : 'disabled'}; ${scheduleOf(b)}; missed fires: ${b.misfire}`,
    'Tasks:',
    ...(tasks.length ? tasks : ['  (none)']),
    'Next fires:',
    ...(b.nextFires.length ? b.nextFires.map((f) => `  ${f}`) : ['  (none: not scheduled, or disabled)']),
    `Last run: ${b.lastRun ? `${b.lastRun.id} ${b.lastRun.status}, started ${b.lastRun.startedAt}` : '(never)'}`,
  ].join('\n');
}

/** The batch's run that has not ended (queued on a server, or running somewhere), if any. */
async function openRun(ctx: GeosyncContext, batch: string): Promise<string | undefined> {
  for (const status of ['running', 'queued']) {
    const page = await ctx.runs.list(CLI_PRINCIPAL, { limit: 1, offset: 0, batch, status });
    if (page.items[0]) return page.items[0].id;
  }
  return undefined;
}

/** Prints each task's status as it changes, until the returned function is called. */
function followTasks(ctx: GeosyncContext, runId: string): () => Promise<void> {
  const seen = new Map<string, string>();
  const report = async () => {
    const run = await ctx.runs.get(CLI_PRINCIPAL, runId);
    const width = Math.max(...run.tasks.map((t) => t.task.length));
    for (const t of run.tasks) {
      if ((seen.get(t.id) ?? 'pending') === t.status) continue;
      seen.set(t.id, t.status);
      process.stdout.write(`  ${t.task.padEnd(width)}  ${t.status}${t.message ? `: ${t.message}` : ''}\n`);
    }
  };
  let running = true;
  // Progress is only a view: a failed poll is skipped, the run's own outcome is what counts.
  const loop = (async () => {
    while (running) {
      await report().catch(() => undefined);
      await sleep(250);
    }
  })();
  return async () => {
    running = false;
    await loop;
    await report();
  };
}

/**
 * Executes the run in this process (the CLI has no job queue). The first Ctrl-C (or SIGTERM) asks
 * the run to stop and waits while the executor rolls back what it staged; a second one quits at
 * once, leaving the run to be recovered by a server when its lease expires.
 */
async function executeHere(ctx: GeosyncContext, runId: string, follow: boolean): Promise<Run> {
  const abort = new AbortController();
  const onSignal = () => {
    if (abort.signal.aborted) {
      process.stderr.write('Quitting without waiting; a server recovers the run when its lease expires\n');
      process.exit(130);
    }
    process.stderr.write('Interrupting: rolling back what the run staged (Ctrl-C again to quit at once)\n');
    // Recorded in the store (the run shows it, and it holds even if the run had not started
    // listening to the signal yet); the abort makes the running task stop without waiting a poll.
    void ctx.executor.requestInterrupt(runId).catch(() => undefined);
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const stopFollowing = follow ? followTasks(ctx, runId) : undefined;
  try {
    await ctx.executor.execute(runId, abort.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await stopFollowing?.();
  }
  return ctx.runs.get(CLI_PRINCIPAL, runId);
}

export function batchCommand(program: Command): void {
  const batch = program.command('batch').description('Batches: ordered tasks of a configuration, with a schedule');

  batch
    .command('list')
    .description('List batches (with --configuration, also its @ batches and those of templates)')
    .option('--workspace <name>', 'only batches of this workspace')
    .option('--configuration <ref>', 'only batches of this configuration (id or workspace/name)')
    .action(async (opts: { workspace?: string; configuration?: string }, command: Command) => {
      const options = globals(command);
      const page = await withGeosync(options, async (ctx) => {
        const configuration = opts.configuration ? await resolveConfiguration(ctx, opts.configuration) : undefined;
        return ctx.batches.list(CLI_PRINCIPAL, { ...ALL, workspace: opts.workspace, configuration });
      });
      print(page.items, options, () =>
        table(
          page.items.map((b) => ({
            ...b,
            schedule: scheduleOf(b),
            next: b.nextFires[0],
            lastRun: b.lastRun?.status,
          })),
          ['id', 'workspace', 'configuration', 'name', 'enabled', 'schedule', 'next', 'lastRun'],
        ),
      );
    });

  batch
    .command('show <id>')
    .description('Show a batch: its tasks, schedule, next fire times and last run')
    .action(async (id: string, _opts: unknown, command: Command) => {
      const options = globals(command);
      requireId('Batch', id);
      const found = await withGeosync(options, (ctx) => ctx.batches.get(CLI_PRINCIPAL, id));
      print(found, options, () => describeBatch(found));
    });

  batch
    .command('run <id>')
    .description('Run a batch now, in this process, printing task statuses (exit 6 unless it commits)')
    .option('--wait', 'if the batch is already running, wait for that run to end instead of refusing')
    .action(async (id: string, opts: { wait?: boolean }, command: Command) => {
      const options = globals(command);
      requireId('Batch', id);
      const run = await withGeosync(options, async (ctx) => {
        await ctx.batches.assertRunnable(CLI_PRINCIPAL, id);
        // One run of a batch at a time, as the server's job queue does.
        let waitingFor: string | undefined;
        for (let open = await openRun(ctx, id); open; open = await openRun(ctx, id)) {
          if (!opts.wait) {
            throw conflict('batch_running', `The batch is running (run ${open}); --wait runs it after that run`);
          }
          if (open !== waitingFor) process.stderr.write(`Waiting for run ${open} to end\n`);
          waitingFor = open;
          await sleep(1000);
        }
        const runId = await createRun(ctx.db, { batchId: id, trigger: 'manual', startedBy: CLI_PRINCIPAL.username });
        if (!options.json) process.stdout.write(`Run ${runId} started\n`);
        return executeHere(ctx, runId, !options.json);
      });
      print(run, options, () => describeRun(run));
      process.exitCode = run.status === 'committed' ? EXIT.ok : EXIT.checkFailed;
    });
}
