import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';

import pg from 'pg';
import type { Locator, Page } from 'playwright-core';

import type { Batch, Run } from '../../src/contracts/batches.dto.ts';
import type { Configuration } from '../../src/contracts/configurations.dto.ts';
import { runBatch } from '../helpers/batches.ts';
import { ensureWebBuild, launchChromium, screenshotPath, waitForText } from '../helpers/browser.ts';
import { ApiClient } from '../helpers/http.ts';
import { createTestDatabase } from '../helpers/postgres.ts';
import { startTestServer } from '../helpers/server.ts';

const screenshot = screenshotPath;

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

/** Adds a task through the task dialog; `attributes` renames the attribute a parameter reads. */
async function addTask(page: Page, type: string, name: string, attributes: Record<string, string> = {}) {
  await page.getByRole('button', { name: 'Add task' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add task' });
  await dialog.getByLabel('Type').selectOption(type);
  await dialog.getByLabel('Task name').fill(name);
  for (const [parameter, attribute] of Object.entries(attributes)) {
    assert.equal(await dialog.getByLabel(`${parameter}: value or attribute`).inputValue(), 'attribute');
    await dialog.getByLabel(parameter, { exact: true }).fill(attribute);
  }
  await dialog.getByRole('button', { name: 'Add task' }).click();
  await dialog.waitFor({ state: 'hidden' });
}

/** The value control of an attribute in the attributes table (labelled by the attribute's name). */
const attribute = (page: Page, name: string) =>
  page.getByRole('region', { name: 'Attributes' }).getByLabel(name, { exact: true });

/** The whole editor: a tall window, so the sticky save bar sits where it belongs. */
async function fullScreenshot(page: Page, name: string): Promise<void> {
  await mkdir(dirname(screenshot(name)), { recursive: true });
  await page.setViewportSize({ width: 1280, height: 1300 });
  await page.screenshot({ path: screenshot(name), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });
}

async function save(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await waitForText(page.locator('.cfg-save-bar'), /All changes saved/);
}

test('web UI: templates and configurations with a real PostGIS source', { timeout: 300_000 }, async (t) => {
  ensureWebBuild();
  const source = await createTestDatabase('cfgsrc');
  t.after(() => source.drop());
  const pool = new pg.Pool({ connectionString: source.url });
  await pool.query(`
    CREATE TABLE parks (id int PRIMARY KEY, name text NOT NULL, geom geometry(Point, 4326));
    INSERT INTO parks SELECT i, 'park ' || i, ST_SetSRID(ST_MakePoint(4 + i / 100.0, 50), 4326)
      FROM generate_series(1, 50) AS i;
    CREATE TABLE roads (id int PRIMARY KEY, name text);`);
  await pool.end();

  const server = await startTestServer({ engine: true });
  t.after(() => server.close());
  const admin = new ApiClient(server.url);
  await admin.login('admin', server.adminPassword);
  assert.equal((await admin.request('POST', '/api/v1/workspaces', { name: 'gis' })).status, 201);
  const u = new URL(source.url);
  const connection = await admin.request('POST', '/api/v1/connections', {
    name: 'city',
    type: 'postgis',
    config: {
      host: u.hostname,
      port: Number(u.port),
      database: u.pathname.slice(1),
      user: u.username,
      sslMode: 'disable',
    },
  });
  assert.equal(connection.status, 201, JSON.stringify(connection.body));

  /** Whether a table is in geosync's own store (the `local` database the copies go to). */
  async function tableExists(name: string): Promise<boolean> {
    const client = new pg.Client({ connectionString: server.ctx.config.store.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ found: string | null }>('SELECT to_regclass($1) AS found', [name]);
      return rows[0]?.found != null;
    } finally {
      await client.end();
    }
  }

  const browser = await launchChromium();
  t.after(() => browser.close());
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // The browser logs every 4xx answer; the refused bad name below is an expected one.
    if (message.type() === 'error' && !/Failed to load resource: .* status of 4\d\d/.test(message.text())) {
      problems.push(`console error: ${message.text()}`);
    }
  });

  let templateId = '';
  let configurationId = '';

  await t.test('an empty templates page, then a new template', async () => {
    await page.goto(`${server.url}/templates`);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill(server.adminPassword);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Templates' }).waitFor();
    await page.getByText('No templates yet.').waitFor();

    await page.getByRole('link', { name: 'New template' }).click();
    await page.getByRole('heading', { name: 'New template' }).waitFor();
    assert.equal(await page.getByLabel('Workspace').inputValue(), 'gis', 'the only workspace is chosen');
    await page.getByLabel('Name').fill('publish-table');
    await page.getByRole('button', { name: 'Create template' }).click();
    await page.getByRole('heading', { name: /publish-table/ }).waitFor();
    templateId = new URL(page.url()).pathname.split('/')[2] ?? '';
    assert.match(new URL(page.url()).pathname, /^\/templates\/[0-9a-f-]{36}$/);
  });

  await t.test('the template gets a CopyTable and a LocalDbPublication task reading attributes', async () => {
    // Keyboard: Enter opens the task dialog with the type chosen first; Escape closes it.
    await page.getByRole('button', { name: 'Add task' }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Add task' });
    await dialog.waitFor();
    const typeId = await dialog.getByLabel('Type').getAttribute('id');
    await page.waitForFunction(`document.activeElement?.id === ${JSON.stringify(typeId)}`, undefined, {
      timeout: 5000,
    });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });

    await addTask(page, 'CopyTable', 'copy');
    await addTask(page, 'LocalDbPublication', 'publish', { database: 'target-database' });
    const tasks = page.getByRole('region', { name: 'Tasks' });
    await waitForText(tasks.getByRole('row', { name: /publish/ }), /\$\{target-database\}/);
    // The attribute table follows the tasks before they are saved.
    for (const name of ['layer', 'source-database', 'table-name', 'target-database']) {
      await attribute(page, name).waitFor();
    }
    assert.equal(
      await page.getByRole('region', { name: 'Attributes' }).getByLabel('database', { exact: true }).count(),
      0,
    );
    await save(page);
    const saved = await admin.request<Configuration>('GET', `/api/v1/configurations/${templateId}`);
    assert.deepEqual(
      saved.body.tasks.map((task) => [task.name, task.type, task.parameters]),
      [
        [
          'copy',
          'CopyTable',
          {
            'source-database': '${source-database}',
            'table-name': '${table-name}',
            'target-database': '${target-database}',
          },
        ],
        [
          'publish',
          'LocalDbPublication',
          { database: '${target-database}', 'table-name': '${table-name}', layer: '${layer}' },
        ],
      ],
    );
    await fullScreenshot(page, 'templates');
  });

  await t.test('a configuration from the template, filled from drop-downs, is validated', async () => {
    await page.getByRole('link', { name: 'Templates' }).first().click();
    await page.getByRole('link', { name: 'New configuration from publish-table' }).click();
    await page.getByRole('heading', { name: 'New configuration' }).waitFor();
    assert.equal(await page.getByLabel('Start from').inputValue(), templateId);
    await page.getByLabel('Name').fill('parks');
    await page.getByRole('button', { name: 'Create configuration' }).click();
    await page.getByRole('heading', { name: /parks/ }).waitFor();
    configurationId = new URL(page.url()).pathname.split('/')[2] ?? '';
    await waitForText(page.getByRole('heading', { name: /parks/ }), /not validated/);
    // Each missing value is reported next to its attribute.
    await waitForText(
      page.getByRole('region', { name: 'Attributes' }).getByRole('row', { name: /^layer/ }),
      /layer is required/,
    );

    await waitForOption(attribute(page, 'source-database'), 'city');
    await attribute(page, 'source-database').selectOption('city');
    await waitForOption(attribute(page, 'target-database'), 'local');
    await attribute(page, 'target-database').selectOption('local');
    await attribute(page, 'layer').fill('parks');
    await save(page);
    // The tables of the chosen database, once it is saved.
    await waitForOption(attribute(page, 'table-name'), 'parks');
    assert.ok((await attribute(page, 'table-name').locator('option[value="roads"]').count()) > 0);
    await attribute(page, 'table-name').selectOption('parks');
    await save(page);
    await waitForText(page.getByRole('heading', { name: /parks/ }), /^parks\s+validated$/);
    assert.equal(await page.getByRole('status', { name: 'Validation' }).count(), 0);
    await fullScreenshot(page, 'configuration');
  });

  await t.test('bad values show their problems next to the fields', async () => {
    await page.getByLabel('Name', { exact: true }).fill('9parks');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const nameField = page.getByLabel('Name', { exact: true });
    await page.locator('[aria-invalid="true"]').first().waitFor();
    assert.equal(await nameField.getAttribute('aria-invalid'), 'true');
    await waitForText(page.locator('.field-invalid .field-error').first(), /must start with a letter/);
    await nameField.fill('parks');

    await attribute(page, 'layer').fill('');
    await save(page);
    assert.equal(await attribute(page, 'layer').getAttribute('aria-invalid'), 'true');
    await waitForText(
      page.getByRole('region', { name: 'Attributes' }).getByRole('row', { name: /^layer/ }),
      /layer is required/,
    );
    await waitForText(page.getByRole('heading', { name: /parks/ }), /not validated/);
    await attribute(page, 'layer').fill('parks');
    await save(page);
    await waitForText(page.getByRole('heading', { name: /parks/ }), /^parks\s+validated$/);
  });

  await t.test('a narrow window: the editor fits, its tables scroll inside', async () => {
    await page.setViewportSize({ width: 390, height: 800 });
    await page.getByRole('heading', { name: /parks/ }).waitFor();
    const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
    assert.ok(Number(overflow) <= 0, `the page scrolls sideways by ${String(overflow)} px`);
    await page.screenshot({ path: join(process.env.GEOSYNC_TEST_RUN_DIR ?? tmpdir(), 'configuration-narrow.png') });
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  let batchId = '';

  await t.test('a batch made on the configuration page is listed there and its page opens', async () => {
    const batches = page.getByRole('region', { name: 'Batches' });
    await batches.getByText('add one with New batch').waitFor();
    await batches.getByRole('button', { name: 'New batch' }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'New batch' });
    await dialog.waitFor();
    // Nothing typed: refused before asking the server, next to the name.
    await dialog.getByRole('button', { name: 'Create batch' }).click();
    assert.equal(await dialog.getByLabel('Name').getAttribute('aria-invalid'), 'true');
    await waitForText(dialog.locator('.field-invalid .field-error'), /Required/);
    // Both saved tasks are offered in the configuration's order, chosen at first.
    assert.deepEqual(
      await dialog
        .getByRole('checkbox')
        .evaluateAll((boxes) =>
          boxes.map((box) => (box as unknown as { labels: { textContent: string }[] }).labels[0]?.textContent),
        ),
      ['copy', 'publish'],
    );
    assert.equal(await dialog.getByRole('checkbox', { name: 'copy' }).isChecked(), true);
    assert.equal(await dialog.getByRole('checkbox', { name: 'publish' }).isChecked(), true);
    assert.equal(await dialog.getByRole('switch', { name: 'Enabled' }).isChecked(), true);
    await page.screenshot({ path: join(process.env.GEOSYNC_TEST_RUN_DIR ?? tmpdir(), 'new-batch-dialog.png') });
    await dialog.getByLabel('Name').fill('publish');
    await dialog.getByRole('button', { name: 'Create batch' }).click();

    // The batch editor opens, where order and schedule are edited.
    await page.getByRole('heading', { name: 'Batch publish' }).waitFor();
    assert.match(new URL(page.url()).pathname, /^\/batches\/[0-9a-f-]{36}$/);
    batchId = new URL(page.url()).pathname.split('/')[2] ?? '';
    const created = (await admin.request<Batch>('GET', `/api/v1/batches/${batchId}`)).body;
    assert.equal(created.configurationId, configurationId);
    assert.equal(created.enabled, true);
    assert.deepEqual(
      created.tasks.map((task) => task.name),
      ['copy', 'publish'],
    );

    // Back on the configuration, the batch is listed (the page loaded it again) and links to its page.
    await page.goBack();
    const link = page.getByRole('region', { name: 'Batches' }).getByRole('link', { name: 'publish' });
    assert.equal(await link.getAttribute('href'), `/batches/${batchId}`);

    // A name taken since the page loaded: the server's refusal is shown next to the name.
    const other = await admin.request('POST', '/api/v1/batches', {
      workspace: 'gis',
      configuration: configurationId,
      name: 'refresh',
    });
    assert.equal(other.status, 201, JSON.stringify(other.body));
    await page.getByRole('region', { name: 'Batches' }).getByRole('button', { name: 'New batch' }).click();
    await dialog.getByLabel('Name').fill('refresh');
    await dialog.getByRole('button', { name: 'Create batch' }).click();
    await waitForText(dialog.locator('.field-invalid .field-error'), /A batch named 'refresh' exists here/);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal((await admin.request('DELETE', `/api/v1/batches/${(other.body as Batch).id}`)).status, 204);

    await link.click();
    await page.getByRole('heading', { name: 'Batch publish' }).waitFor();
    await page.goBack();
    await page.getByRole('heading', { name: /parks/ }).waitFor();
  });

  await t.test('its batch runs; removing it with clean-up reports each task', async () => {
    const run: Run = await runBatch(admin, batchId, 120_000);
    assert.equal(run.status, 'committed', JSON.stringify(run));
    assert.equal(await tableExists('parks'), true, 'copied into the store');

    await page.reload();
    const link = page.getByRole('region', { name: 'Batches' }).getByRole('link', { name: 'publish' });
    assert.equal(await link.getAttribute('href'), `/batches/${batchId}`);

    await page.getByRole('button', { name: 'Remove', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove configuration parks?' });
    await dialog.getByLabel('Clean up').check();
    await dialog.getByRole('button', { name: 'Remove' }).click();
    const report = dialog.getByRole('status', { name: 'Removal report' });
    await waitForText(report, /was removed/, 60_000);
    await waitForText(report, /copy/);
    await waitForText(report, /publish/);
    assert.equal(await report.locator('.cfg-report-failed').count(), 0, (await report.textContent()) ?? '');
    assert.equal(await tableExists('parks'), false, 'the copied table was cleaned up');
    await dialog.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('heading', { name: 'Configurations' }).waitFor();
    await page.getByText('No configurations yet.').waitFor();
    assert.equal((await admin.request('GET', `/api/v1/configurations/${configurationId}`)).status, 404);
  });

  await t.test(
    'an initializing template: @Initialize runs after the first complete save, then the form opens',
    async () => {
      // The template's @Initialize is made like any batch, on the template's page.
      await page.goto(`${server.url}/templates/${templateId}`);
      await page.getByRole('region', { name: 'Batches' }).getByRole('button', { name: 'New batch' }).click();
      const dialog = page.getByRole('dialog', { name: 'New batch' });
      await dialog.getByLabel('Name').fill('@Initialize');
      await dialog.getByRole('checkbox', { name: 'publish' }).uncheck();
      await dialog.getByRole('button', { name: 'Create batch' }).click();
      await page.getByRole('heading', { name: 'Batch @Initialize' }).waitFor();
      const template = (await admin.request<Configuration>('GET', `/api/v1/configurations/${templateId}`)).body;
      assert.deepEqual(
        template.batches.map((batch) => [batch.name, batch.tasks]),
        [['@Initialize', ['copy']]],
      );

      await page.goto(`${server.url}/configurations/new?from=${templateId}`);
      await page.getByLabel('Name').fill('roads');
      await page.getByRole('button', { name: 'Create configuration' }).click();
      await waitForText(page.getByRole('heading', { name: /roads/ }), /initializing/);
      const panel = page.getByRole('region', { name: 'Initialization' });
      await panel.waitFor();
      // Only what @Initialize reads is asked for; tasks and batches wait.
      assert.equal(await attribute(page, 'layer').count(), 0);
      assert.equal(await page.getByRole('region', { name: 'Tasks' }).count(), 0);

      await waitForOption(attribute(page, 'source-database'), 'city');
      await attribute(page, 'source-database').selectOption('city');
      await waitForOption(attribute(page, 'target-database'), 'local');
      await attribute(page, 'target-database').selectOption('local');
      await save(page);
      await waitForOption(attribute(page, 'table-name'), 'roads');
      await attribute(page, 'table-name').selectOption('roads');
      await save(page);
      await waitForText(panel.getByRole('status', { name: 'Initialization progress' }), /Initializ|Waiting/);
      // Committed: the rest of the form opens, asking for the layer.
      await page.getByRole('region', { name: 'Tasks' }).waitFor({ timeout: 60_000 });
      await attribute(page, 'layer').waitFor();
      assert.equal(await tableExists('roads'), true, '@Initialize copied the table');
      // The save started it on the server (not a plain "run now"), once.
      const listed = await admin.request<{ items: { id: string; name: string }[] }>(
        'GET',
        '/api/v1/configurations?search=roads&template=false',
      );
      const roadsId = listed.body.items.find((item) => item.name === 'roads')!.id;
      const saved = await admin.request<Configuration>('GET', `/api/v1/configurations/${roadsId}`);
      const initBatch = saved.body.batches.find((batch) => batch.name === '@Initialize')!;
      const initRuns = await admin.request<{ items: Run[] }>('GET', `/api/v1/runs?batch=${initBatch.id}`);
      assert.deepEqual(
        initRuns.body.items.map((run) => [run.trigger, run.status]),
        [['initialize', 'committed']],
      );
      await attribute(page, 'layer').fill('roads');
      await save(page);
      await waitForText(page.getByRole('heading', { name: /roads/ }), /^roads\s+validated$/);
    },
  );

  await t.test(
    'a fixed database value is chosen from the connections; free text when they cannot be listed',
    async () => {
      const created = await admin.request<Configuration>('POST', '/api/v1/configurations', {
        workspace: 'gis',
        name: 'fixed-values',
        template: true,
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      await page.goto(`${server.url}/templates/${created.body.id}`);
      await page.getByRole('heading', { name: /fixed-values/ }).waitFor();
      const dialog = page.getByRole('dialog', { name: 'Add task' });

      // The list refused: the value is typed, and the reason is told next to it.
      const listing = (url: URL) => url.pathname === '/api/v1/connections' && url.searchParams.has('kind');
      await page.route(listing, (route) =>
        route.fulfill({
          status: 403,
          contentType: 'application/problem+json',
          body: JSON.stringify({ status: 403, code: 'forbidden', title: 'Forbidden', detail: 'Listing refused' }),
        }),
      );
      await page.getByRole('button', { name: 'Add task' }).click();
      await dialog.getByLabel('Type').selectOption('CopyTable');
      await dialog.getByLabel('source-database: value or attribute').selectOption('value');
      const typed = dialog.getByLabel('source-database', { exact: true });
      await waitForText(dialog.locator('.field-hint', { hasText: 'could not be listed' }), /Listing refused/);
      assert.equal(await typed.evaluate((element) => (element as { tagName?: string }).tagName), 'INPUT');
      await typed.fill('city');
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'hidden' });
      await page.unroute(listing);

      await page.getByRole('button', { name: 'Add task' }).click();
      await dialog.getByLabel('Type').selectOption('CopyTable');
      await dialog.getByLabel('Task name').fill('copy');
      for (const [parameter, value] of [
        ['source-database', 'city'],
        ['target-database', 'local'],
      ] as const) {
        await dialog.getByLabel(`${parameter}: value or attribute`).selectOption('value');
        const select = dialog.getByLabel(parameter, { exact: true });
        await waitForOption(select, value);
        await select.selectOption(value);
      }
      assert.ok(
        (await dialog.getByLabel('target-database', { exact: true }).locator('option[value="city"]').count()) > 0,
      );
      await dialog.getByRole('button', { name: 'Add task' }).click();
      await dialog.waitFor({ state: 'hidden' });
      await save(page);
      const saved = (await admin.request<Configuration>('GET', `/api/v1/configurations/${created.body.id}`)).body;
      assert.deepEqual(saved.tasks[0]?.parameters, {
        'source-database': 'city',
        'table-name': '${table-name}',
        'target-database': 'local',
      });
    },
  );

  await t.test('a viewer with read rights sees the configuration but no edit buttons; the API refuses', async () => {
    assert.equal(
      (await admin.request('POST', '/api/v1/users', { username: 'viewer', password: 'viewer-password-1' })).status,
      201,
    );
    const ws = await admin.request<{ items: { id: string; name: string }[] }>('GET', '/api/v1/workspaces');
    const gis = ws.body.items.find((w) => w.name === 'gis')!;
    const granted = await admin.request('PUT', `/api/v1/workspaces/${gis.id}/grants`, {
      grants: [{ user: 'viewer', level: 'read' }],
    });
    assert.equal(granted.status, 200, JSON.stringify(granted.body));

    const viewerContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const viewerPage = await viewerContext.newPage();
    viewerPage.setDefaultTimeout(15_000);
    viewerPage.on('pageerror', (error) => problems.push(`viewer page error: ${error.message}`));
    await viewerPage.goto(`${server.url}/configurations`);
    await viewerPage.getByLabel('Username').fill('viewer');
    await viewerPage.getByLabel('Password').fill('viewer-password-1');
    await viewerPage.getByRole('button', { name: 'Log in' }).click();
    await viewerPage.getByRole('heading', { name: 'Configurations' }).waitFor();
    await viewerPage.getByRole('link', { name: 'roads' }).click();
    await viewerPage.getByText(/changing it needs the admin level/).waitFor();
    for (const name of ['Save', 'Remove', 'Add task', 'New batch', 'Copy', 'Validate']) {
      assert.equal(await viewerPage.getByRole('button', { name, exact: true }).count(), 0, `no ${name} button`);
    }
    assert.equal(await attribute(viewerPage, 'layer').isDisabled(), true);
    await viewerContext.close();

    const viewer = new ApiClient(server.url);
    await viewer.login('viewer', 'viewer-password-1');
    const roads = (await admin.request<{ items: { id: string }[] }>('GET', '/api/v1/configurations?search=roads')).body;
    const refused = await viewer.request('PATCH', `/api/v1/configurations/${roads.items[0]!.id}`, { description: 'x' });
    assert.equal(refused.status, 403);
  });

  assert.deepEqual(problems, []);
});
