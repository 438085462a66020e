/**
 * Batches and Runs pages in real Chromium, against a server whose engine runs test-only task types:
 * edit a batch (task order, weekly schedule with its next runs, errors next to fields), run it and
 * follow it live to committed, interrupt a slow run from its live view, filter the history (status,
 * batch, date range), page through a long log, and a read-only user who sees no Save/Run/Interrupt buttons and whom the API refuses when forced.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import type { Browser, Locator, Page } from 'playwright-core';
import { z } from 'zod';

import type { Batch, Run } from '../../src/contracts/batches.dto.ts';
import type { Configuration } from '../../src/contracts/configurations.dto.ts';
import { param } from '../../src/tasks/parameter.ts';
import type { TaskType } from '../../src/tasks/task-type.ts';
import {
  ensureWebBuild,
  launchChromium,
  logIn as logInAs,
  openCheckedPage,
  screenshotPath,
  waitForText,
} from '../helpers/browser.ts';
import { ApiClient } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { testTaskTypes } from '../tasks/test-task-types.ts';

const screenshotDir = dirname(screenshotPath('runs'));

/** Counts steps, reporting progress after each: long work with a progress bar, honouring interrupts. */
const countTask: TaskType = {
  type: 'test.count',
  title: 'Count',
  description: 'Counts steps, reporting progress',
  capability: 'transactional',
  supportsCleanup: false,
  parameters: z.strictObject({ steps: param.integer('how many steps'), stepMs: param.integer('ms per step') }),
  async run(params, ctx) {
    const steps = params.steps as number;
    for (let done = 1; done <= steps; done++) {
      await sleep(params.stepMs as number, undefined, { signal: ctx.signal });
      ctx.progress(done, steps, 'steps');
    }
    return { message: `counted ${steps} steps` };
  },
  async commitStaged() {},
  async rollbackStaged() {},
};

/** Logs many lines: a run log longer than one page of the log API (1000 lines). */
const chattyTask: TaskType = {
  type: 'test.chatty',
  title: 'Chatty',
  description: 'Logs many lines',
  capability: 'transactional',
  supportsCleanup: false,
  parameters: z.strictObject({ lines: param.integer('how many lines') }),
  async run(params, ctx) {
    for (let line = 1; line <= (params.lines as number); line++) ctx.log('info', `line ${line}`);
    return { message: 'talked' };
  },
  async commitStaged() {},
  async rollbackStaged() {},
};

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await sleep(100);
  }
}

// The browser logs every 4xx answer; the refused schedule previews below are expected ones.
const openPage = (browser: Browser, problems: string[]) =>
  openCheckedPage(browser, problems, /Failed to load resource: .* status of 4\d\d/);

async function logIn(page: Page, server: TestServer, username: string, password: string): Promise<void> {
  await logInAs(page, server.url, username, password);
}

async function created<T>(client: ApiClient, path: string, body: unknown): Promise<T> {
  const answer = await client.request<T>('POST', path, body);
  assert.ok(answer.status === 201 || answer.status === 200, `${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** A validated configuration and one batch of its tasks (in the given order of task names). */
async function configurationWithBatch(
  admin: ApiClient,
  workspace: string,
  name: string,
  tasks: unknown[],
  batch: { name: string; tasks: string[] },
): Promise<string> {
  const config = await created<Configuration>(admin, '/api/v1/configurations', { workspace, name, tasks });
  assert.equal(config.validated, true, JSON.stringify(config.problems));
  const taskId = (task: string) => config.tasks.find((candidate) => candidate.name === task)!.id;
  const made = await created<Batch>(admin, '/api/v1/batches', {
    workspace,
    configuration: config.id,
    name: batch.name,
    tasks: batch.tasks.map(taskId),
  });
  return made.id;
}

function runStatus(page: Page): Locator {
  return page.locator('.run-summary-status .status-badge');
}

test('web UI: batches and live runs', { timeout: 300_000 }, async (t) => {
  ensureWebBuild();
  const server = await startTestServer({ engine: true, taskTypes: [...testTaskTypes, countTask, chattyTask] });
  t.after(async () => {
    // A slow run left going by a failed step would hold the engine's shutdown for minutes.
    const open = await admin.request<{ items: Run[] }>('GET', '/api/v1/runs?status=running').catch(() => null);
    for (const run of open?.body.items ?? []) await admin.request('POST', `/api/v1/runs/${run.id}/interrupt`);
    await server.close();
  });

  const admin = new ApiClient(server.url);
  assert.equal((await admin.login('admin', server.adminPassword)).status, 200);
  const gis = await created<{ id: string }>(admin, '/api/v1/workspaces', { name: 'gis' });
  await created(admin, '/api/v1/workspaces', { name: 'other' });
  const nightlyId = await configurationWithBatch(
    admin,
    'gis',
    'demo',
    [
      { name: 'count', type: 'test.count', parameters: { steps: '3', stepMs: '300' } },
      { name: 'wait', type: 'test.delay', parameters: { seconds: '1' } },
    ],
    { name: 'nightly', tasks: ['count', 'wait'] },
  );
  const demo = (await admin.request<Batch>('GET', `/api/v1/batches/${nightlyId}`)).body;
  await created(admin, '/api/v1/batches', {
    workspace: 'gis',
    configuration: demo.configurationId,
    name: '@hidden',
    tasks: [],
  });
  const longId = await configurationWithBatch(
    admin,
    'gis',
    'slow',
    [{ name: 'crawl', type: 'test.count', parameters: { steps: '120', stepMs: '250' } }],
    { name: 'long', tasks: ['crawl'] },
  );
  await configurationWithBatch(
    admin,
    'other',
    'elsewhere',
    [{ name: 'pause', type: 'test.delay', parameters: { seconds: '1' } }],
    { name: 'far-away', tasks: ['pause'] },
  );
  await created(admin, '/api/v1/roles', { name: 'viewers', description: 'Read only' });
  await created(admin, '/api/v1/users', { username: 'viewer', password: 'viewer-password-1', roles: ['viewers'] });
  const grants = await admin.request('PUT', `/api/v1/workspaces/${gis.id}/grants`, {
    grants: [{ role: 'viewers', level: 'read' }],
  });
  assert.equal(grants.status, 200, JSON.stringify(grants.body));

  const browser = await launchChromium();
  t.after(() => browser.close());
  const problems: string[] = [];
  const page = await openPage(browser, problems);
  await mkdir(screenshotDir, { recursive: true });
  let nightlyRunId = '';

  await t.test('the batch list shows visible batches, without @ ones, filtered by workspace', async () => {
    await logIn(page, server, 'admin', server.adminPassword);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Batches' }).click();
    await page.getByRole('heading', { name: 'Batches', level: 1 }).waitFor();
    for (const name of ['nightly', 'long', 'far-away']) await page.getByRole('link', { name, exact: true }).waitFor();
    assert.equal(await page.getByText('@hidden').count(), 0);

    await page.getByLabel('Workspace').selectOption('gis');
    await page.getByRole('link', { name: 'far-away', exact: true }).waitFor({ state: 'detached' });
    await page.getByRole('link', { name: 'nightly', exact: true }).waitFor();
    assert.equal(new URL(page.url()).search, '?workspace=gis', 'the filter is kept in the URL');
  });

  await t.test('the editor reorders tasks from the keyboard', async () => {
    await page.getByRole('link', { name: 'nightly', exact: true }).click();
    await page.getByRole('heading', { name: 'Batch nightly' }).waitFor();
    const order = page.locator('.task-order-item strong');
    await waitUntil(async () => (await order.allTextContents()).join() === 'count,wait', 'the tasks are listed');
    await page.getByRole('button', { name: 'Move count down' }).focus();
    await page.keyboard.press('Enter');
    await waitUntil(async () => (await order.allTextContents()).join() === 'wait,count', 'count moved down');
    await waitUntil(
      async () => (await page.locator(':focus').getAttribute('aria-label')) === 'Move count up',
      'the focus stays on the moved task',
    );
  });

  await t.test('a weekly schedule shows its next runs; bad input is shown next to its field', async () => {
    await page.getByRole('radio', { name: 'Custom (cron)' }).check();
    const cron = page.getByLabel('Cron expression');
    await cron.fill('0 0 25 * * ?');
    await waitUntil(async () => (await cron.getAttribute('aria-invalid')) === 'true', 'the bad cron is marked');
    await waitForText(page.locator('.field-invalid .field-error'), /\S/);

    await page.getByRole('radio', { name: 'Weekly' }).check();
    await page.getByLabel('Day of the week').selectOption('WED');
    await page.getByLabel('Time', { exact: true }).fill('06:30');
    await page.getByLabel('Time zone').fill('Europe/Brussels');
    const fires = page.locator('.fire-list li');
    await waitUntil(async () => (await fires.count()) === 5, 'five next runs are listed');
    for (const text of await fires.allTextContents()) assert.match(text, /^Wed\b.*06:30/);
    await waitForText(page.locator('.next-fires'), /every Wednesday at 06:30 \(Europe\/Brussels\)/);
  });

  await t.test('saving an unknown time zone shows the server’s error next to the field, then saves', async () => {
    const zone = page.getByLabel('Time zone');
    await zone.fill('Mars/Olympus');
    await page.getByRole('button', { name: 'Save' }).click();
    await waitForText(page.locator('.batch-form > .alert-error'), /correct the marked fields|time zone/i);
    await waitUntil(async () => (await zone.getAttribute('aria-invalid')) === 'true', 'the time zone is marked');

    await zone.fill('Europe/Brussels');
    await page.getByRole('button', { name: 'Save' }).click();
    await waitForText(page.locator('.save-status'), /^Saved\.$/);
    const saved = (await admin.request<Batch>('GET', `/api/v1/batches/${nightlyId}`)).body;
    assert.deepEqual(saved.schedule, { kind: 'weekly', day: 'WED', time: '06:30' });
    assert.equal(saved.timeZone, 'Europe/Brussels');
    assert.deepEqual(
      saved.tasks.map((task) => task.name),
      ['wait', 'count'],
    );
    assert.equal(saved.nextFires.length, 5);
    await page.locator('.fire-list li').first().waitFor();
    await page.screenshot({ path: join(screenshotDir, 'batch.png'), fullPage: true });
  });

  await t.test('run now opens the live run view, which reaches committed by itself', async () => {
    await page.getByRole('button', { name: 'Run now' }).click();
    await page.getByRole('heading', { name: 'Run of nightly' }).waitFor();
    const match = /^\/runs\/([0-9a-f-]{36})$/.exec(new URL(page.url()).pathname);
    assert.ok(match, page.url());
    nightlyRunId = match[1]!;
    await waitForText(runStatus(page), /Committed/, 30_000);
    for (const task of ['wait', 'count']) {
      await waitForText(page.locator(`tr[data-task="${task}"] .status-badge`), /Committed/);
    }
    await waitForText(page.locator('tr[data-task="count"]'), /counted 3 steps/);
    // A clean run logs nothing; the log section says so rather than staying blank.
    await page.getByText('Nothing was logged.').waitFor();
    await waitForText(page.getByRole('status').filter({ hasText: /Ended|Live/ }), /Ended/);
    const run = (await admin.request<Run>('GET', `/api/v1/runs/${nightlyRunId}`)).body;
    assert.equal(run.status, 'committed');
  });

  await t.test('a slow run shows its progress and is interrupted from the run view', async () => {
    await page.goto(`${server.url}/batches/${longId}`);
    await page.getByRole('heading', { name: 'Batch long' }).waitFor();
    await page.getByRole('button', { name: 'Run now' }).click();
    await page.getByRole('heading', { name: 'Run of long' }).waitFor();
    await waitForText(runStatus(page), /Running/);
    const bar = page.getByRole('progressbar', { name: 'Progress of crawl' });
    await waitUntil(async () => Number((await bar.getAttribute('value').catch(() => null)) ?? 0) >= 24, 'progress');
    await waitForText(page.locator('tr[data-task="crawl"]'), /of 120 steps \(\d+%\)/);
    await page.screenshot({ path: join(screenshotDir, 'run.png'), fullPage: true });

    await page.getByRole('button', { name: 'Interrupt' }).click();
    const dialog = page.getByRole('dialog', { name: 'Interrupt this run?' });
    await dialog.getByRole('button', { name: 'Interrupt' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await waitForText(runStatus(page), /Failed/, 20_000);
    await waitForText(page.locator('.run-message'), /Interrupted/);
    await waitForText(page.locator('tr[data-task="crawl"] .status-badge'), /Failed/);
    await waitForText(page.getByRole('log', { name: 'Run log' }), /ERROR\s*crawl\s*crawl failed: Interrupted/);
    assert.equal(await page.getByRole('button', { name: 'Interrupt' }).count(), 0, 'no Interrupt once ended');
  });

  await t.test('the history lists both runs and filters them by status and batch', async () => {
    await page.getByRole('link', { name: '← All runs' }).click();
    await page.getByRole('heading', { name: 'Runs', level: 1 }).waitFor();
    const rows = page.locator('.runs-table tbody tr');
    await waitUntil(async () => (await rows.count()) === 2, 'two runs are listed');
    await page.screenshot({ path: join(screenshotDir, 'runs.png'), fullPage: true });

    await page.getByLabel('Status').selectOption('committed');
    await waitUntil(async () => (await rows.count()) === 1, 'one committed run');
    await waitForText(rows.first(), /nightly/);

    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByLabel('Batch').selectOption({ label: 'gis / long' });
    await waitUntil(
      async () => (await rows.count()) === 1 && /long/.test((await rows.first().textContent()) ?? ''),
      'long',
    );
    await waitForText(rows.first(), /Failed/);

    await page.getByLabel('Started since').fill('2999-01-01');
    await page.getByText('No runs match these filters.').waitFor();

    // "Started before" is the other end of the range; a backwards range is said so, not sent.
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await waitUntil(async () => (await rows.count()) === 2, 'both runs again');
    const before = page.getByLabel('Started before');
    await before.fill('2000-01-01');
    await page.getByText('No runs match these filters.').waitFor();
    await before.fill('2999-01-01');
    await waitUntil(async () => (await rows.count()) === 2, 'both runs started before 2999');
    assert.match(new URL(page.url()).search, /until=2999-01-01/, 'the range is kept in the URL');
    await page.getByLabel('Started since').fill('2999-01-02');
    await waitForText(page.getByRole('alert'), /“Started before” must be a later day than “Started since”/);
    assert.equal(await before.getAttribute('aria-invalid'), 'true');
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await waitUntil(async () => (await rows.count()) === 2, 'cleared');

    await page.goto(`${server.url}/runs`);
    await page.getByRole('link', { name: /^Run of nightly started/ }).click();
    await page.getByRole('heading', { name: 'Run of nightly' }).waitFor();
    await waitForText(runStatus(page), /Committed/);
    await page.getByText('Nothing was logged.').waitFor();
    await page.goBack();
    await page
      .getByRole('link', { name: /^Run of long started/ })
      .first()
      .click();
    await page.getByRole('heading', { name: 'Run of long' }).waitFor();
    await waitForText(page.getByRole('log', { name: 'Run log' }), /crawl failed: Interrupted/);
  });

  await t.test('a long log of an ended run loads further pages on request', async () => {
    const chattyId = await configurationWithBatch(
      admin,
      'gis',
      'chatty',
      [{ name: 'talk', type: 'test.chatty', parameters: { lines: '1200' } }],
      { name: 'talkative', tasks: ['talk'] },
    );
    const queued = await admin.request<Run>('POST', `/api/v1/batches/${chattyId}/run`);
    assert.equal(queued.status, 202, JSON.stringify(queued.body));
    await waitUntil(
      async () => (await admin.request<Run>('GET', `/api/v1/runs/${queued.body.id}`)).body.status === 'committed',
      'the chatty run committed',
      60_000,
    );
    // The engine stores log lines without waiting for them: count once the count holds still.
    const countLines = async () => {
      let count = 0;
      for (let after = 0; ;) {
        const answer = await admin.request<{ items: { id: number }[] }>(
          'GET',
          `/api/v1/runs/${queued.body.id}/log?after=${after}`,
        );
        if (answer.body.items.length === 0) return count;
        count += answer.body.items.length;
        after = answer.body.items.at(-1)!.id;
      }
    };
    let total = -1;
    await waitUntil(async () => {
      const previous = total;
      total = await countLines();
      return total === previous;
    }, 'the log is complete');
    assert.ok(total >= 1200, `${total} lines stored`);

    await page.goto(`${server.url}/runs/${queued.body.id}`);
    await page.getByRole('heading', { name: 'Run of talkative' }).waitFor();
    const lines = page.getByRole('log', { name: 'Run log' }).locator('.log-line');
    await waitUntil(async () => (await lines.count()) === 1000, 'the first page of the log');
    const more = page.getByRole('button', { name: 'Load 1000 more lines' });
    await page.getByText('1000 lines shown.').waitFor();
    await more.focus();
    await page.keyboard.press('Enter');
    await waitUntil(async () => (await lines.count()) === total, 'the whole log');
    await more.waitFor({ state: 'detached' });
    await waitForText(page.getByRole('log', { name: 'Run log' }), /line 1200\b/);
  });

  await t.test('the batch editor and the run view fit a narrow window', async () => {
    await page.setViewportSize({ width: 420, height: 800 });
    await page.goto(`${server.url}/batches/${nightlyId}`);
    await page.getByRole('heading', { name: 'Batch nightly' }).waitFor();
    await page.locator('.fire-list li').first().waitFor();
    const overflow = () => page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    assert.ok((await overflow()) <= 1, `the batch page is ${await overflow()}px wider than the window`);
    await page.goto(`${server.url}/runs/${nightlyRunId}`);
    await waitForText(runStatus(page), /Committed/);
    assert.ok((await overflow()) <= 1, `the run page is ${await overflow()}px wider than the window`);
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  await t.test('a read-only user sees no Save, Run or Interrupt, and the API refuses when forced', async () => {
    const viewerPage = await openPage(browser, problems);
    await logIn(viewerPage, server, 'viewer', 'viewer-password-1');
    await viewerPage.goto(`${server.url}/batches`);
    await viewerPage.getByRole('link', { name: 'nightly', exact: true }).click();
    await viewerPage.getByRole('heading', { name: 'Batch nightly' }).waitFor();
    await viewerPage.locator('.fire-list li').first().waitFor();
    await viewerPage.getByText('You can view this batch.').waitFor();
    for (const name of ['Save', 'Run now', 'Undo changes']) {
      assert.equal(await viewerPage.getByRole('button', { name }).count(), 0, `no ${name} button`);
    }
    assert.equal(await viewerPage.getByRole('button', { name: /^Move / }).count(), 0, 'no reordering');
    assert.ok(await viewerPage.getByLabel('Name', { exact: true }).isDisabled());
    assert.ok(await viewerPage.getByRole('switch', { name: 'Enabled' }).isDisabled());

    const started = await admin.request<Run>('POST', `/api/v1/batches/${longId}/run`);
    assert.equal(started.status, 202);
    await viewerPage.goto(`${server.url}/runs/${started.body.id}`);
    await viewerPage.getByRole('heading', { name: 'Run of long' }).waitFor();
    await waitForText(runStatus(viewerPage), /Running/);
    await viewerPage.getByRole('progressbar', { name: 'Progress of crawl' }).waitFor();
    assert.equal(await viewerPage.getByRole('button', { name: 'Interrupt' }).count(), 0, 'no Interrupt button');

    const viewer = new ApiClient(server.url);
    assert.equal((await viewer.login('viewer', 'viewer-password-1')).status, 200);
    const forcedRun = await viewer.request('POST', `/api/v1/batches/${nightlyId}/run`);
    assert.equal(forcedRun.status, 403, JSON.stringify(forcedRun.body));
    // The viewer may read the run, so it is not hidden from them: refused, not "not found".
    const forcedInterrupt = await viewer.request<{ code: string }>('POST', `/api/v1/runs/${started.body.id}/interrupt`);
    assert.equal(forcedInterrupt.status, 403, JSON.stringify(forcedInterrupt.body));
    assert.equal(forcedInterrupt.body.code, 'forbidden');
    assert.equal((await admin.request<Run>('GET', `/api/v1/runs/${started.body.id}`)).body.interruptRequested, false);
    const forcedSave = await viewer.request('PATCH', `/api/v1/batches/${nightlyId}`, { enabled: false });
    assert.equal(forcedSave.status, 403, JSON.stringify(forcedSave.body));

    assert.equal((await admin.request('POST', `/api/v1/runs/${started.body.id}/interrupt`)).status, 202);
    await waitForText(runStatus(viewerPage), /Failed/, 20_000);
  });

  assert.deepEqual(problems, []);
});
