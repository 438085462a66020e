/**
 * The Layers pages in real Chromium, at the end of the main journey: a configuration that
 * copies a point table within the embedded `local` database (CopyTable) and publishes the copy on
 * the built-in map server (LocalDbPublication) runs through the engine; then the UI lists the
 * layer, opens it, and MapLibre GL draws it from the built-in publisher's vector tiles (/ogc/.../tiles).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { sql } from 'kysely';
import type { Page } from 'playwright-core';

import { batchOf, runBatch } from '../helpers/batches.ts';
import { ensureWebBuild, launchChromium, screenshotPath, waitForText } from '../helpers/browser.ts';
import { ApiClient } from '../helpers/http.ts';
import { startTestServer } from '../helpers/server.ts';

const tasks = [
  {
    name: 'copy',
    type: 'CopyTable',
    parameters: {
      'source-database': 'local',
      'table-name': 'src_places',
      'target-database': 'local',
      'target-table-name': 'places',
    },
  },
  {
    name: 'publish',
    type: 'LocalDbPublication',
    parameters: { database: 'local', 'table-name': 'places', layer: 'places' },
  },
];

function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // The browser logs every 4xx answer; the unknown layer opened below is an expected one.
    if (message.type() === 'error' && !/Failed to load resource: .* status of 4\d\d/.test(message.text())) {
      problems.push(`console error: ${message.text()}`);
    }
  });
  return problems;
}

test('Layers: a published layer is listed, opened and drawn on a MapLibre map from vector tiles', async (t) => {
  ensureWebBuild();
  const server = await startTestServer({ backend: 'pglite', postgis: true, engine: true });
  const browser = await launchChromium();
  t.after(async () => {
    await browser.close();
    await server.close();
  });
  const admin = new ApiClient(server.url);
  assert.equal((await admin.login('admin', server.adminPassword)).status, 200);
  assert.equal((await admin.request('POST', '/api/v1/workspaces', { name: 'gis' })).status, 201);
  await sql`CREATE TABLE src_places (id int PRIMARY KEY, name text NOT NULL, geom geometry(Point, 4326))`.execute(
    server.ctx.db,
  );
  await sql`INSERT INTO src_places SELECT i, 'place ' || i, ST_SetSRID(ST_MakePoint(4 + i * 0.1, 50 + i * 0.05), 4326)
    FROM generate_series(1, 12) AS i`.execute(server.ctx.db);

  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const problems = watchProblems(page);
  const tiles: Array<{ url: string; status: number }> = [];
  page.on('response', (response) => {
    if (response.url().endsWith('.mvt')) tiles.push({ url: response.url(), status: response.status() });
  });

  await page.goto(`${server.url}/layers`);
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(server.adminPassword);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Layers' }).waitFor();

  await t.test('before any publication the page says how to publish one', async () => {
    await page.getByText('No layers published yet.').waitFor();
  });

  await t.test('the configuration runs and its layer is listed', async () => {
    const run = await runBatch(admin, await batchOf(admin, 'gis', 'places', tasks), 120_000);
    assert.equal(run.status, 'committed', JSON.stringify(run));
    // Away and back through the navigation, as a user would.
    await page.getByRole('link', { name: 'Runs' }).click();
    await page.getByRole('heading', { name: 'Runs' }).waitFor();
    await page.getByRole('link', { name: 'Layers' }).click();
    const row = page.getByRole('row', { name: /places/ });
    await waitForText(row, /places.*Advertised.*Everyone/);
    await page.screenshot({ path: screenshotPath('layers') });
  });

  await t.test('the layer page shows metadata, source and a map drawn from vector tiles', async () => {
    // Keyboard: the layer's link is reachable and opens with Enter.
    await page.getByRole('link', { name: 'places', exact: true }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Map preview' }).waitFor();
    assert.match(page.url(), /\/layers\/places$/);
    await page.locator('.layer-map[data-map-state="loaded"]').waitFor({ timeout: 30_000 });
    assert.ok((await page.locator('canvas.maplibregl-canvas').count()) === 1, 'the map has its canvas');
    assert.ok(await page.getByRole('region', { name: 'Map of places' }).isVisible());
    const loaded = tiles.filter((tile) => tile.status === 200 && /\/ogc\/collections\/places\/tiles\//.test(tile.url));
    assert.ok(loaded.length > 0, `vector tiles loaded: ${JSON.stringify(tiles)}`);
    assert.deepEqual(
      tiles.filter((tile) => tile.status !== 200),
      [],
    );
    await waitForText(page.locator('.layer-facts').nth(2), /public\.places/);
    await page.getByRole('link', { name: 'Features (GeoJSON)' }).waitFor();
    await page.getByText('No other map servers.').waitFor();
    await page.screenshot({ path: screenshotPath('layer') });
  });

  await t.test('a narrow window keeps the map and the facts readable', async () => {
    await page.setViewportSize({ width: 420, height: 800 });
    assert.ok(await page.getByRole('region', { name: 'Map of places' }).isVisible());
    // A string: the test's TypeScript has no DOM types.
    const wide = await page.evaluate<string[]>(`[...document.querySelectorAll('main *')]
      .filter((element) => element.getBoundingClientRect().right > window.innerWidth + 1)
      .map((element) => element.tagName + '.' + element.className)`);
    assert.deepEqual(wide, [], 'nothing sticks out of a narrow window');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  await t.test('an unknown layer shows the API error, not a broken map', async () => {
    await page.goto(`${server.url}/layers/topo/nope`);
    await waitForText(page.getByRole('alert'), /has no layer 'topo:nope'/);
    assert.equal(await page.locator('canvas').count(), 0);
  });

  assert.deepEqual(problems, []);
});
