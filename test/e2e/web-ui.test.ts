import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';

import type { Locator, Page } from 'playwright-core';

import { ensureWebBuild, launchChromium, screenshotPath, waitForText } from '../helpers/browser.ts';
import { startTestServer } from '../helpers/server.ts';

const screenshot = screenshotPath('connections');

/** The table row of the connection with this exact name and type. */
function connectionRow(page: Page, name: string, type: string): Locator {
  return page
    .getByRole('row')
    .filter({ has: page.getByText(name, { exact: true }) })
    .filter({ has: page.getByText(type, { exact: true }) });
}

test('web UI: log in, manage a connection, log out', { timeout: 180_000 }, async (t) => {
  ensureWebBuild();
  const server = await startTestServer();
  const exportsDir = await mkdtemp(join(tmpdir(), 'geosync-web-ui-'));
  t.after(async () => {
    await server.close();
    await rm(exportsDir, { recursive: true, force: true });
  });

  const browser = await launchChromium();
  t.after(() => browser.close());
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const pageErrors: Error[] = [];
  page.on('pageerror', (error) => pageErrors.push(error));

  await t.test('a wrong password shows the server’s error', async () => {
    await page.goto(server.url);
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/login');
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill(`${server.adminPassword}-wrong`);
    await page.getByRole('button', { name: 'Log in' }).click();
    await waitForText(page.getByRole('alert'), /\S/);
  });

  await t.test('the admin logs in and sees the built-in local connections', async () => {
    await page.getByLabel('Password').fill(server.adminPassword);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Connections' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/connections');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Connections' }).waitFor();

    await page.reload();
    await page.getByRole('heading', { name: 'Connections' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/connections', 'the session survives a reload');

    for (const type of ['embedded-postgis', 'local-files']) {
      const row = connectionRow(page, 'local', type);
      await row.waitFor();
      await waitForText(row, /built-in/);
    }
  });

  await t.test('adds a local-files connection named exports', async () => {
    await page.getByRole('button', { name: 'Add connection' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add connection' });
    await dialog.getByLabel('Type').selectOption('local-files');
    await dialog.getByLabel('Name', { exact: true }).fill('exports');
    await dialog.getByLabel('Description').fill('Files for download');
    await dialog.getByLabel(/^root/i).fill(exportsDir);
    await dialog.getByRole('button', { name: 'Create connection' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await connectionRow(page, 'exports', 'local-files').waitFor();
  });

  await t.test('testing it reports ok', async () => {
    const row = connectionRow(page, 'exports', 'local-files');
    await row.getByRole('button', { name: 'Test' }).click();
    await waitForText(page.getByRole('status', { name: 'Test result of exports' }), /^OK\b/);
  });

  await t.test('editing its description shows the new one in the list', async () => {
    const row = connectionRow(page, 'exports', 'local-files');
    await row.getByRole('button', { name: 'Edit' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit connection exports' });
    await dialog.getByLabel('Description').fill('Published GeoPackages');
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await waitForText(row, /Published GeoPackages/);

    await mkdir(dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot });
  });

  await t.test('deleting it after confirming removes it', async () => {
    const row = connectionRow(page, 'exports', 'local-files');
    await row.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete connection exports?' });
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await row.waitFor({ state: 'detached' });
    await connectionRow(page, 'local', 'local-files').waitFor();
  });

  await t.test('logging out returns to the login page, also after a reload', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/login');
    await page.reload();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/login');
    assert.equal(await page.getByRole('heading', { name: 'Connections' }).count(), 0);
  });

  assert.deepEqual(
    pageErrors.map((error) => error.message),
    [],
  );
});
