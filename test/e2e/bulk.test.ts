/**
 * Bulk operations page in real Chromium, against a server whose engine runs the test-only task
 * types: a CSV with an unknown column is refused in the preview; a CSV with one bad row imports
 * the good rows and shows the bad row's error next to it; the imported configurations' batches
 * run by pattern and commit; bulk initialize queues nothing when nothing waits; a read-only user
 * sees no action buttons, and the API refuses what the page would have sent.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import type { Browser, Locator, Page } from 'playwright-core';

import type { Batch, Run } from '../../src/contracts/batches.dto.ts';
import type { Page as ApiPage } from '../../src/contracts/common.dto.ts';
import type { Configuration } from '../../src/contracts/configurations.dto.ts';
import {
  ensureWebBuild,
  launchChromium,
  screenshotPath,
  waitForText,
  logIn as logInAs,
  openCheckedPage,
} from '../helpers/browser.ts';
import { ApiClient } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { testTaskTypes } from '../tasks/test-task-types.ts';

// Before login the session check answers 401: expected, and the only refusal this page may see.
const openPage = (browser: Browser, problems: string[]) => openCheckedPage(browser, problems, /status of 401/);

async function logIn(page: Page, server: TestServer, username: string, password: string): Promise<void> {
  await logInAs(page, server.url, username, password);
  await page.getByRole('link', { name: 'Bulk operations' }).click();
  await page.getByRole('heading', { name: 'Bulk operations' }).waitFor();
}

async function created<T>(client: ApiClient, path: string, body: unknown): Promise<T> {
  const answer = await client.request<T>('POST', path, body);
  assert.ok(answer.status === 201 || answer.status === 200, `${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** The preview/result row of a CSV line. */
function csvRow(page: Page, line: number): Locator {
  return page.locator(`.bulk-preview tbody tr[data-line="${line}"]`);
}

function queuedRow(page: Page, panel: Locator, name: string): Locator {
  return panel.getByRole('row').filter({ has: page.getByRole('rowheader', { name }) });
}

/** Drops a file on the drop zone as a user dragging it from the desktop would. */
async function dropFile(page: Page, name: string, text: string): Promise<void> {
  // A string expression: this file is compiled without the DOM types.
  const transfer = await page.evaluateHandle(
    `(() => { const data = new DataTransfer(); data.items.add(new File([${JSON.stringify(text)}], ${JSON.stringify(name)}, { type: 'text/csv' })); return data; })()`,
  );
  await page.dispatchEvent('.bulk-drop-zone', 'dragover', { dataTransfer: transfer });
  await page.dispatchEvent('.bulk-drop-zone', 'drop', { dataTransfer: transfer });
}

test('web UI: bulk operations', { timeout: 240_000 }, async (t) => {
  ensureWebBuild();
  const markers = await mkdtemp(join(tmpdir(), 'geosync-bulk-'));
  const server = await startTestServer({ engine: true, taskTypes: testTaskTypes });
  t.after(async () => {
    await server.close();
    await rm(markers, { recursive: true, force: true });
  });

  const admin = new ApiClient(server.url);
  assert.equal((await admin.login('admin', server.adminPassword)).status, 200);
  const gis = await created<{ id: string }>(admin, '/api/v1/workspaces', { name: 'gis' });
  const template = await created<Configuration>(admin, '/api/v1/configurations', {
    workspace: 'gis',
    name: 'roads',
    template: true,
    tasks: [{ name: 'mark', type: 'test.create-marker', parameters: { dir: '${dir}', name: '${file}' } }],
  });
  await created<Batch>(admin, '/api/v1/batches', {
    workspace: 'gis',
    configuration: template.id,
    name: 'nightly',
    tasks: [template.tasks[0]!.id],
  });
  // Its name is taken, so the CSV row that uses it again fails on the server.
  await created<Configuration>(admin, '/api/v1/configurations', {
    workspace: 'gis',
    name: 'road_taken',
    from: template.id,
    attributes: { dir: markers, file: 'taken.txt' },
  });
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
  const importPanel = page.locator('#bulk-panel-import');
  const runPanel = page.locator('#bulk-panel-run');

  await t.test('the tabs are keyboard-operable; the import tab lists the templates', async () => {
    await logIn(page, server, 'admin', server.adminPassword);
    const runTab = page.getByRole('tab', { name: 'Run batches' });
    assert.equal(await runTab.getAttribute('aria-selected'), 'true');
    await runTab.focus();
    await page.keyboard.press('ArrowRight');
    const importTab = page.getByRole('tab', { name: 'Import configurations' });
    assert.equal(await importTab.getAttribute('aria-selected'), 'true');
    assert.equal(await page.evaluate<string>('document.activeElement?.textContent'), 'Import configurations');
    assert.equal(new URL(page.url()).search, '?tab=import');
    await importPanel.getByLabel('Template').selectOption({ label: 'gis / roads' });
    await waitForText(importPanel, /Columns it takes:.*dir.*file/);
  });

  await t.test('a dropped CSV with a column the template does not know is refused before sending', async () => {
    await dropFile(page, 'wrong.csv', 'name;colour\nroad_x;red\n');
    await waitForText(importPanel.locator('.bulk-preview-summary'), /the server refuses the whole file/);
    await waitForText(
      importPanel.locator('.bulk-preview-summary'),
      /colour: the template does not know this attribute/,
    );
    assert.ok(await importPanel.getByRole('button', { name: /^Import/ }).isDisabled());
  });

  await t.test('a CSV with one bad row: the good rows are created, the error shows next to its row', async () => {
    const csv = [
      'name;description;dir;file',
      `road_a;First road;${markers};a.txt`,
      `road_b;Second road;${markers};b.txt`,
      `road_taken;Clashes with an existing one;${markers};t.txt`,
      `road_c;Third road;${markers};c.txt`,
    ].join('\n');
    await importPanel.getByLabel('CSV file').setInputFiles({
      name: 'roads.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(csv),
    });
    await waitForText(importPanel.locator('.bulk-preview-summary'), /4 rows ready to import/);
    assert.match((await csvRow(page, 3).textContent()) ?? '', /road_b.*Second road.*Ready/);
    await importPanel.getByRole('button', { name: 'Import 4 configurations' }).click();
    await waitForText(importPanel.locator('.bulk-result'), /3 configurations created, 1 row not imported/);
    await waitForText(csvRow(page, 4), /road_taken.*Error: 'road_taken' exists in workspace 'gis'/);
    for (const [line, name] of [
      [2, 'road_a'],
      [3, 'road_b'],
      [5, 'road_c'],
    ] as const) {
      await waitForText(csvRow(page, line), new RegExp(`Created ${name}`));
    }
    await page.screenshot({ path: screenshotPath('bulk'), fullPage: true });

    const list = await admin.request<ApiPage<Configuration>>(
      'GET',
      '/api/v1/configurations?workspace=gis&search=road_',
    );
    const names = list.body.items.map((item) => item.name).sort();
    assert.deepEqual(names, ['road_a', 'road_b', 'road_c', 'road_taken']);
    const roadB = list.body.items.find((item) => item.name === 'road_b')!;
    const detail = await admin.request<Configuration>('GET', `/api/v1/configurations/${roadB.id}`);
    assert.equal(detail.body.description, 'Second road');
    assert.equal(detail.body.validated, true, JSON.stringify(detail.body.problems));
    assert.equal(detail.body.attributes.find((a) => a.name === 'file')?.value, 'b.txt');
    const link = csvRow(page, 3).getByRole('link', { name: 'road_b' });
    assert.equal(await link.getAttribute('href'), `/configurations/${roadB.id}`);
  });

  await t.test('run batches by pattern: queued, then committed', async () => {
    await page.getByRole('tab', { name: 'Run batches' }).click();
    await runPanel.getByLabel('Workspace', { exact: true }).fill('gis');
    await runPanel.getByLabel('Configuration', { exact: true }).fill('road_*');
    await runPanel.getByLabel('Batch', { exact: true }).fill('night*');
    await runPanel.getByLabel('Interval between runs (seconds)').fill('1');
    await runPanel.getByRole('button', { name: 'Run batches' }).click();
    await waitForText(runPanel.locator('.bulk-summary'), /^4 runs queued$/);
    for (const name of ['a', 'b', 'c', 'taken']) {
      const row = queuedRow(page, runPanel, `gis/road_${name}/nightly`);
      await waitForText(row, /Committed/, 30_000);
    }
    for (const file of ['a.txt', 'b.txt', 'c.txt', 'taken.txt']) assert.ok(existsSync(join(markers, file)), file);
    const runLink = queuedRow(page, runPanel, 'gis/road_a/nightly').getByRole('link', { name: /Run of/ });
    const runId = (await runLink.getAttribute('href'))!.replace('/runs/', '');
    const run = await admin.request<Run>('GET', `/api/v1/runs/${runId}`);
    assert.equal(run.body.status, 'committed');
    assert.equal(run.body.trigger, 'bulk');
  });

  await t.test('a pattern that matches nothing says so; bad seconds are reported next to the field', async () => {
    await runPanel.getByLabel('Configuration', { exact: true }).fill('nothing_*');
    await runPanel.getByLabel('Interval between runs (seconds)').fill('0');
    await runPanel.getByRole('button', { name: 'Run batches' }).click();
    await waitForText(runPanel.locator('.bulk-result'), /Nothing matched/);
    await runPanel.getByLabel('Delay before start (seconds)').fill('-3');
    await runPanel.getByRole('button', { name: 'Run batches' }).click();
    await waitForText(runPanel.locator('.field-error'), /A whole number of seconds/);
    await runPanel.getByLabel('Delay before start (seconds)').fill('0');
    // No pattern at all would run everything: the page asks first.
    for (const label of ['Workspace', 'Configuration', 'Batch']) {
      await runPanel.getByLabel(label, { exact: true }).fill('');
    }
    await runPanel.getByRole('button', { name: 'Run batches' }).click();
    const dialog = page.getByRole('dialog', { name: 'Run batches' });
    await waitForText(dialog, /this runs every batch you may run/);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await waitForText(runPanel.locator('.bulk-result'), /Nothing matched/);
  });

  await t.test('bulk initialize: the imported configurations of an initializing template', async () => {
    // `@Initialize` drops `marker`; `publish` needs `later`, asked for only after initialization.
    const parks = await created<Configuration>(admin, '/api/v1/configurations', {
      workspace: 'gis',
      name: 'parks',
      template: true,
      tasks: [
        { name: 'mark', type: 'test.create-marker', parameters: { dir: '${dir}', name: '${marker}' } },
        { name: 'publish', type: 'test.create-marker', parameters: { dir: '${dir}', name: '${later}' } },
      ],
    });
    for (const [name, task] of [
      ['@Initialize', 'mark'],
      ['publish', 'publish'],
    ] as const) {
      const taskId = parks.tasks.find((candidate) => candidate.name === task)!.id;
      await created(admin, '/api/v1/batches', { workspace: 'gis', configuration: parks.id, name, tasks: [taskId] });
    }
    const imported = await admin.request<{ created: number }>(
      'POST',
      `/api/v1/bulk/import?template=${parks.id}`,
      `name,dir,marker\npark_north,${markers},north.init\npark_south,${markers},south.init\n`,
      { 'content-type': 'text/csv' },
    );
    assert.equal(imported.body.created, 2, JSON.stringify(imported.body));

    await page.getByRole('tab', { name: 'Initialize configurations' }).click();
    const panel = page.locator('#bulk-panel-initialize');
    await panel.getByLabel('Configuration', { exact: true }).fill('nothing_*');
    await panel.getByRole('button', { name: 'Initialize configurations' }).click();
    await waitForText(panel.locator('.bulk-result'), /Nothing matched/);
    await panel.getByLabel('Configuration', { exact: true }).fill('park_*');
    await panel.getByRole('button', { name: 'Initialize configurations' }).click();
    await waitForText(panel.locator('.bulk-summary'), /^2 runs queued$/);
    for (const name of ['north', 'south']) {
      await waitForText(queuedRow(page, panel, `gis/park_${name}/@Initialize`), /Committed/, 30_000);
      assert.ok(existsSync(join(markers, `${name}.init`)), name);
    }
    // Initialized: asking again finds nothing waiting.
    await panel.getByRole('button', { name: 'Initialize configurations' }).click();
    await waitForText(panel.locator('.bulk-result'), /Nothing matched/);
  });

  await t.test('a narrow window keeps the page usable', async () => {
    await page.setViewportSize({ width: 420, height: 800 });
    await page.getByRole('tab', { name: 'Import configurations' }).click();
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    assert.ok(overflow <= 1, `the page scrolls sideways by ${overflow}px`);
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  await t.test('a read-only user sees no action buttons, and the API refuses', async () => {
    const viewerPage = await openPage(browser, problems);
    await logIn(viewerPage, server, 'viewer', 'viewer-password-1');
    await waitForText(viewerPage.locator('.bulk-read-only'), /read access only/);
    assert.equal(await viewerPage.getByRole('button', { name: 'Run batches' }).count(), 0);
    await viewerPage.getByRole('tab', { name: 'Initialize configurations' }).click();
    assert.equal(await viewerPage.getByRole('button', { name: 'Initialize configurations' }).count(), 0);
    await viewerPage.getByRole('tab', { name: 'Import configurations' }).click();
    const panel = viewerPage.locator('#bulk-panel-import');
    await panel.getByLabel('Template').selectOption({ label: 'gis / roads' });
    await waitForText(panel, /needs the admin level there/);
    await panel.getByLabel('CSV file').setInputFiles({
      name: 'more.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(`name;dir;file\nroad_v;${markers};v.txt\n`),
    });
    await waitForText(panel.locator('.bulk-preview-summary'), /1 row ready to import/);
    assert.equal(await panel.getByRole('button', { name: /^Import/ }).count(), 0);

    const viewer = new ApiClient(server.url);
    assert.equal((await viewer.login('viewer', 'viewer-password-1')).status, 200);
    const batch = (await viewer.request<ApiPage<Batch>>('GET', '/api/v1/batches?workspace=gis')).body.items[0]!;
    assert.equal((await viewer.request('POST', `/api/v1/batches/${batch.id}/run`)).status, 403);
    // The bulk endpoints refuse item by item: nothing is queued or created, each says why.
    const runs = await viewer.request<{ queued: number; items: { runId?: string; message?: string }[] }>(
      'POST',
      '/api/v1/bulk/run',
      { workspace: 'gis', delaySeconds: 0, intervalSeconds: 0 },
    );
    assert.equal(runs.status, 200);
    assert.equal(runs.body.queued, 0);
    assert.ok(runs.body.items.length >= 4);
    for (const item of runs.body.items) assert.match(item.message ?? '', /needs 'write' permission/);
    const imported = await viewer.request<{ created: number; rows: { message?: string }[] }>(
      'POST',
      `/api/v1/bulk/import?template=${template.id}`,
      `name;dir;file\nroad_v;${markers};v.txt\n`,
      { 'content-type': 'text/csv' },
    );
    assert.equal(imported.status, 200);
    assert.equal(imported.body.created, 0);
    assert.match(imported.body.rows[0]?.message ?? '', /needs 'admin' permission/);
    const after = await admin.request<ApiPage<Configuration>>('GET', '/api/v1/configurations?search=road_v');
    assert.equal(after.body.total, 0);
  });

  await t.test('no page or console errors', () => {
    assert.deepEqual(problems, []);
  });
});
