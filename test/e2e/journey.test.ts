/**
 * The main journey in one go, in real Chromium, through the UI only: a workspace, a PostGIS
 * source connection (tested), a template with a CopyTable (source database and table from
 * attributes, into geosync's own `local` database) and a LocalDbPublication (of `local`), a
 * configuration from it filled from drop-downs and validated, its batch run now, the run view
 * following it live (SSE) to committed, and the layer drawn on the Layers page's map from the
 * built-in publisher's vector tiles. The batch is made on the configuration's page ("New batch").
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import pg from 'pg';
import type { Locator, Page } from 'playwright-core';

import type { Batch } from '../../src/contracts/batches.dto.ts';
import type { Configuration } from '../../src/contracts/configurations.dto.ts';
import { ensureWebBuild, launchChromium, waitForText } from '../helpers/browser.ts';
import { ApiClient } from '../helpers/http.ts';
import { createTestDatabase } from '../helpers/postgres.ts';
import { startTestServer } from '../helpers/server.ts';

/** Waits until a <select> offers `value`: its choices are loaded from the API. */
async function waitForOption(select: Locator, value: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const isSelect = await select
      .evaluate((element) => (element as { tagName?: string }).tagName === 'SELECT')
      .catch(() => false);
    if (isSelect && (await select.locator(`option[value="${value}"]`).count()) > 0) return;
    if (Date.now() > deadline) assert.fail(`no option ${value} offered`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Adds a task through the task dialog; `values` become plain values (a connection is chosen from
 * its drop-down), the other parameters stay attributes.
 */
async function addTask(page: Page, type: string, name: string, values: Record<string, string>): Promise<void> {
  await page.getByRole('button', { name: 'Add task' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add task' });
  await dialog.getByLabel('Type').selectOption(type);
  await dialog.getByLabel('Task name').fill(name);
  for (const [parameter, value] of Object.entries(values)) {
    await dialog.getByLabel(`${parameter}: value or attribute`).selectOption('value');
    const control = dialog.getByLabel(parameter, { exact: true });
    await waitForOption(control, value);
    await control.selectOption(value);
  }
  await dialog.getByRole('button', { name: 'Add task' }).click();
  await dialog.waitFor({ state: 'hidden' });
}

const attribute = (page: Page, name: string) =>
  page.getByRole('region', { name: 'Attributes' }).getByLabel(name, { exact: true });

async function save(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await waitForText(page.locator('.cfg-save-bar'), /All changes saved/);
}

const nav = (page: Page, name: string) =>
  page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });

test('web UI journey: template → configuration → run live → layer on the map', { timeout: 180_000 }, async (t) => {
  ensureWebBuild();
  const source = await createTestDatabase('journey');
  t.after(() => source.drop());
  const pool = new pg.Pool({ connectionString: source.url });
  await pool.query(`
    CREATE TABLE parks (id int PRIMARY KEY, name text NOT NULL, geom geometry(Point, 4326));
    INSERT INTO parks SELECT i, 'park ' || i, ST_SetSRID(ST_MakePoint(4 + i * 0.1, 50 + i * 0.05), 4326)
      FROM generate_series(1, 20) AS i;
    CREATE TABLE roads (id int PRIMARY KEY, name text);`);
  await pool.end();

  // PostGIS in the store: the `local` database the copy lands in and the built-in publisher serves
  // (a PostgreSQL store has it from the test template; a PGlite one loads it).
  const server = await startTestServer({ engine: true, postgis: true });
  t.after(() => server.close());
  const admin = new ApiClient(server.url);
  assert.equal((await admin.login('admin', server.adminPassword)).status, 200);

  const browser = await launchChromium();
  t.after(() => browser.close());
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // The browser logs every 4xx answer (e.g. a drop-down asked before its database is saved).
    if (message.type() === 'error' && !/Failed to load resource: .* status of 4\d\d/.test(message.text())) {
      problems.push(`console error: ${message.text()}`);
    }
  });
  const tiles: Array<{ url: string; status: number; bytes: Promise<number> }> = [];
  const streams: string[] = [];
  page.on('response', (response) => {
    const url = response.url();
    if (url.endsWith('.mvt')) {
      const bytes = response.body().then(
        (body) => body.length,
        () => -1,
      );
      tiles.push({ url, status: response.status(), bytes });
    }
    if (/\/api\/v1\/runs\/[^/]+\/events$/.test(url)) streams.push(`${response.status()} ${url}`);
  });

  let configurationId = '';

  await t.test('log in, create the workspace and the source database connection, test it', async () => {
    await page.goto(server.url);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill(server.adminPassword);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Connections' }).waitFor();

    await nav(page, 'Workspaces').click();
    await page.getByRole('button', { name: 'Add workspace' }).click();
    const workspaceDialog = page.getByRole('dialog', { name: 'Add workspace' });
    await workspaceDialog.getByLabel('Name').fill('gis');
    await workspaceDialog.getByRole('button', { name: 'Create workspace' }).click();
    await page.getByRole('heading', { name: 'Workspace gis' }).waitFor();

    await nav(page, 'Connections').click();
    await page.getByRole('button', { name: 'Add connection' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add connection' });
    await dialog.getByLabel('Type').selectOption('postgis');
    await dialog.getByLabel('Name', { exact: true }).fill('city');
    const u = new URL(source.url);
    await dialog.getByLabel('Host', { exact: true }).fill(u.hostname);
    await dialog.getByLabel('Port', { exact: true }).fill(u.port);
    await dialog.getByLabel('Database', { exact: true }).fill(u.pathname.slice(1));
    await dialog.getByLabel('User', { exact: true }).fill(u.username);
    await dialog.getByLabel(/^SSL mode/i).selectOption('disable');
    await dialog.getByRole('button', { name: 'Create connection' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const row = page.getByRole('row').filter({ has: page.getByText('city', { exact: true }) });
    await row.getByRole('button', { name: 'Test' }).click();
    await waitForText(page.getByRole('status', { name: 'Test result of city' }), /^OK\b/);
  });

  await t.test('a template with CopyTable into local and LocalDbPublication of local', async () => {
    await nav(page, 'Templates').click();
    await page.getByRole('link', { name: 'New template' }).click();
    assert.equal(await page.getByLabel('Workspace').inputValue(), 'gis');
    await page.getByLabel('Name').fill('publish-table');
    await page.getByRole('button', { name: 'Create template' }).click();
    await page.getByRole('heading', { name: /publish-table/ }).waitFor();

    await addTask(page, 'CopyTable', 'copy', { 'target-database': 'local' });
    await addTask(page, 'LocalDbPublication', 'publish', { database: 'local' });
    for (const name of ['source-database', 'table-name', 'layer']) await attribute(page, name).waitFor();
    assert.equal(await attribute(page, 'target-database').count(), 0, 'a value is no attribute');
    await save(page);
    const templateId = new URL(page.url()).pathname.split('/')[2] ?? '';
    const template = (await admin.request<Configuration>('GET', `/api/v1/configurations/${templateId}`)).body;
    assert.deepEqual(
      template.tasks.map((task) => [task.name, task.type, task.parameters]),
      [
        [
          'copy',
          'CopyTable',
          { 'source-database': '${source-database}', 'table-name': '${table-name}', 'target-database': 'local' },
        ],
        ['publish', 'LocalDbPublication', { database: 'local', 'table-name': '${table-name}', layer: '${layer}' }],
      ],
    );
  });

  await t.test('a configuration from it, filled from the drop-downs, saves validated', async () => {
    await nav(page, 'Templates').click();
    await page.getByRole('link', { name: 'New configuration from publish-table' }).click();
    await page.getByRole('heading', { name: 'New configuration' }).waitFor();
    await page.getByLabel('Name').fill('parks');
    await page.getByRole('button', { name: 'Create configuration' }).click();
    await waitForText(page.getByRole('heading', { name: /parks/ }), /not validated/);
    configurationId = new URL(page.url()).pathname.split('/')[2] ?? '';

    await waitForOption(attribute(page, 'source-database'), 'city');
    await attribute(page, 'source-database').selectOption('city');
    await attribute(page, 'layer').fill('parks');
    await save(page);
    // The tables of the chosen database, once it is saved.
    await waitForOption(attribute(page, 'table-name'), 'parks');
    assert.equal(await attribute(page, 'table-name').locator('option[value="roads"]').count(), 1);
    await attribute(page, 'table-name').selectOption('parks');
    await save(page);
    await waitForText(page.getByRole('heading', { name: /parks/ }), /^parks\s+validated$/);
  });

  await t.test('its batch, made on the configuration page, runs now and commits live', async () => {
    await page.getByRole('button', { name: 'New batch' }).click();
    const dialog = page.getByRole('dialog', { name: 'New batch' });
    await dialog.getByLabel('Name').fill('publish');
    // Every saved task is chosen at first, in the configuration's order.
    assert.equal(await dialog.getByRole('checkbox', { name: 'copy' }).isChecked(), true);
    assert.equal(await dialog.getByRole('checkbox', { name: 'publish' }).isChecked(), true);
    await dialog.getByRole('button', { name: 'Create batch' }).click();
    await page.getByRole('heading', { name: 'Batch publish' }).waitFor();
    const batchId = new URL(page.url()).pathname.split('/')[2] ?? '';
    const batch = (await admin.request<Batch>('GET', `/api/v1/batches/${batchId}`)).body;
    assert.equal(batch.configurationId, configurationId);
    assert.deepEqual(
      batch.tasks.map((task) => task.name),
      ['copy', 'publish'],
    );

    await nav(page, 'Batches').click();
    await page.getByRole('link', { name: 'publish', exact: true }).click();
    await page.getByRole('heading', { name: 'Batch publish' }).waitFor();
    await page.getByRole('button', { name: 'Run now' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Run of publish' }).waitFor();
    await waitForText(page.locator('.run-summary-status .status-badge'), /Committed/, 60_000);
    for (const task of ['copy', 'publish']) {
      await waitForText(page.locator(`tr[data-task="${task}"] .status-badge`), /Committed/);
    }
    await waitForText(page.getByRole('status').filter({ hasText: /Ended|Live/ }), /Ended/);
    // The page follows a run over SSE only while it is queued or running: it was opened before the
    // end and reached "Committed" by itself, without a reload.
    assert.ok(streams.length > 0, 'the run view opened its event stream');
    assert.deepEqual(
      streams.filter((stream) => !stream.startsWith('200 ')),
      [],
    );
  });

  await t.test('Layers lists the layer; its page draws it from vector tiles', async () => {
    await nav(page, 'Layers').click();
    await waitForText(page.getByRole('row', { name: /parks/ }), /parks.*Advertised/);
    await page.getByRole('link', { name: 'parks', exact: true }).click();
    await page.getByRole('heading', { name: 'Map preview' }).waitFor();
    await page.locator('.layer-map[data-map-state="loaded"]').waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('canvas.maplibregl-canvas').count(), 1, 'the map has its canvas');
    const loaded = tiles.filter((tile) => tile.status === 200 && /\/ogc\/collections\/parks\/tiles\//.test(tile.url));
    assert.ok(loaded.length > 0, `vector tiles loaded: ${JSON.stringify(tiles)}`);
    assert.deepEqual(
      tiles.filter((tile) => tile.status !== 200).map((tile) => tile.url),
      [],
    );
    // Not only empty tiles: the 20 points are in some of them.
    const sizes = await Promise.all(loaded.map((tile) => tile.bytes));
    assert.ok(Math.max(...sizes) > 0, `tile sizes ${JSON.stringify(sizes)}`);
    await waitForText(page.locator('.layer-facts').nth(2), /public\.parks/);
  });

  assert.deepEqual(problems, []);
});
