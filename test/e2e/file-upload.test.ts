import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';

import type { Browser, Locator, Page } from 'playwright-core';

import { ensureWebBuild, launchChromium, screenshotPath, waitForText } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const screenshot = screenshotPath('files');

/** Appends a line to the upload; fails (exit 3) for a file whose name contains "broken". */
const prepareScript = `#!/bin/sh
set -e
case "$(basename "$1")" in
  *broken*) echo "cannot read $(basename "$1"): not a CSV file" >&2; exit 3 ;;
esac
echo "# prepared by geosync" >> "$1"
echo "prepared $(basename "$1")"
echo "note: 1 line appended" >&2
`;

/** A page whose uncaught errors and console errors are collected for the final check. */
async function openPage(browser: Browser, problems: string[]): Promise<Page> {
  // One context per server: cookies are per host, not per port, so two servers must not share one.
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // The browser logs every 4xx answer; the refused uploads below are expected ones.
    if (message.type() === 'error' && !/Failed to load resource: .* status of 4\d\d/.test(message.text())) {
      problems.push(`console error: ${message.text()}`);
    }
  });
  return page;
}

/** Logs in as the admin and opens the Files page of the built-in `local` file service. */
async function openLocalFiles(page: Page, server: TestServer): Promise<void> {
  await page.goto(server.url);
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(server.adminPassword);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Connections' }).waitFor();
  await page.getByRole('link', { name: 'Files of local' }).click();
  await page.getByRole('heading', { name: 'Files · local' }).waitFor();
  assert.match(new URL(page.url()).pathname, /^\/connections\/[0-9a-f-]{36}\/files$/);
}

function fileRow(page: Page, name: string): Locator {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: new RegExp(`\\b${escaped}$`) }) });
}

test('web UI: browse and upload files of a file service', { timeout: 120_000 }, async (t) => {
  ensureWebBuild();
  const scriptDir = await mkdtemp(join(tmpdir(), 'geosync-prepare-'));
  const script = join(scriptDir, 'prepare.sh');
  await writeFile(script, prepareScript);
  await chmod(script, 0o755);
  const [server, plainServer] = await Promise.all([
    startTestServer({ settings: { files: { prepareScript: script, prepareTimeoutSeconds: 10 } } }),
    startTestServer(),
  ]);
  t.after(async () => {
    await Promise.all([server.close(), plainServer.close()]);
    await rm(scriptDir, { recursive: true, force: true });
  });

  const browser = await launchChromium();
  t.after(() => browser.close());
  const problems: string[] = [];
  const page = await openPage(browser, problems);
  const upload = page.getByRole('complementary', { name: 'Upload' });

  await t.test('the Files page of the local file service starts empty', async () => {
    await openLocalFiles(page, server);
    await page.getByText('No files yet.').waitFor();
    await waitForText(page.getByRole('navigation', { name: 'Folder path' }), /^local$/);
  });

  await t.test('an upload through the prepare script is listed with the script’s output', async () => {
    await upload.getByLabel('File', { exact: true }).setInputFiles({
      name: 'roads.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('id,name\n1,Main Street\n'),
    });
    assert.equal(await upload.getByLabel('Save as').inputValue(), 'roads.csv', 'the name defaults to the file’s');
    await upload.getByLabel('Run the prepare script').check();
    await upload.getByRole('button', { name: 'Upload' }).click();

    const result = upload.getByRole('status', { name: 'Upload result' });
    await waitForText(result, /Uploaded roads\.csv/);
    await waitForText(result.getByRole('region', { name: 'Standard output' }), /^prepared roads\.csv\s*$/);
    await waitForText(result.getByRole('region', { name: 'Standard error' }), /1 line appended/);
    await waitForText(result, /Exit code\s*0/);
    await waitForText(fileRow(page, 'roads.csv'), /roads\.csv.*bytes/);
    assert.equal(
      await readFile(join(server.dataDir, 'files/roads.csv'), 'utf8'),
      'id,name\n1,Main Street\n# prepared by geosync\n',
      'the stored file is the one the script changed',
    );
    assert.equal(await upload.getByLabel('Save as').inputValue(), '', 'the form is ready for the next file');

    await mkdir(dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
  });

  await t.test('a failing prepare script shows its output and stores nothing', async () => {
    await upload.getByLabel('File', { exact: true }).setInputFiles({
      name: 'broken.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('\u0000\u0001'),
    });
    await upload.getByRole('button', { name: 'Upload' }).click();
    const alert = upload.getByRole('alert');
    await waitForText(alert, /prepare_failed/);
    await waitForText(alert, /exit code 3.*cannot read broken\.csv: not a CSV file/s);
    assert.equal(await fileRow(page, 'broken.csv').count(), 0);
  });

  await t.test('a path outside the root is refused with the server’s message', async () => {
    await upload.getByLabel('File', { exact: true }).setInputFiles({
      name: 'escape.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('x'),
    });
    await upload.getByLabel('Run the prepare script').uncheck();
    await upload.getByLabel('Save as').fill('../escape.txt');
    await upload.getByRole('button', { name: 'Upload' }).click();
    await waitForText(upload.getByRole('alert'), /path_outside_root.*outside the root folder/s);
  });

  await t.test('an upload into a new sub-folder, then opening it and going back up', async () => {
    await upload.getByLabel('File', { exact: true }).setInputFiles({
      name: 'notes.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('hello\n'),
    });
    await upload.getByLabel('Save as').fill('reports/notes.txt');
    await upload.getByRole('button', { name: 'Upload' }).click();
    await waitForText(upload.getByRole('status', { name: 'Upload result' }), /Uploaded reports\/notes\.txt/);

    await waitForText(fileRow(page, 'reports'), /folder/);
    await page.getByRole('link', { name: 'reports', exact: true }).click();
    await page.getByRole('heading', { name: '/reports' }).waitFor();
    assert.equal(new URL(page.url()).searchParams.get('path'), 'reports');
    await waitForText(page.getByRole('navigation', { name: 'Folder path' }), /local\s*\/?\s*reports/);
    await waitForText(fileRow(page, 'notes.txt'), /6 bytes/);
    await waitForText(upload, /Into \/reports/);

    // Keyboard: Enter on the focused link goes up.
    await page.getByRole('link', { name: 'Up one folder' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Root folder' }).waitFor();
    await fileRow(page, 'roads.csv').waitFor();
  });

  await t.test('narrow windows stack the upload form under the listing', async () => {
    await page.setViewportSize({ width: 420, height: 800 });
    const table = await page.getByRole('table').boundingBox();
    const form = await upload.boundingBox();
    assert.ok(table && form && form.y >= table.y + table.height, 'the upload panel is below the table');
    assert.ok(form.x + form.width <= 420 + 1, 'the upload panel fits the window');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  await t.test('prepare on a server without a prepare script shows why it was refused', async () => {
    const plainPage = await openPage(browser, problems);
    await openLocalFiles(plainPage, plainServer);
    const plainUpload = plainPage.getByRole('complementary', { name: 'Upload' });
    await plainUpload.getByLabel('File', { exact: true }).setInputFiles({
      name: 'roads.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('id\n1\n'),
    });
    await plainUpload.getByLabel('Run the prepare script').check();
    await plainUpload.getByRole('button', { name: 'Upload' }).click();
    const alert = plainUpload.getByRole('alert');
    await waitForText(alert, /prepare_not_configured/);
    await waitForText(alert, /No prepare script is configured/);
    await plainPage.getByText('No files yet.').waitFor();
  });

  assert.deepEqual(problems, []);
});
