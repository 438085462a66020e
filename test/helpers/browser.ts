/** Shared by the browser tests (test/e2e): the web build, Debian's Chromium, waiting, screenshots. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { type Browser, chromium, type Locator, type Page } from 'playwright-core';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Where a page's screenshot goes: `docs/screenshots/<name>.png` only when asked
 * (GEOSYNC_TEST_SCREENSHOTS=1), so a test run leaves the checkout unchanged; else the run's temp folder.
 */
export function screenshotPath(name: string): string {
  return process.env.GEOSYNC_TEST_SCREENSHOTS
    ? join(repoRoot, `docs/screenshots/${name}.png`)
    : join(process.env.GEOSYNC_TEST_RUN_DIR ?? tmpdir(), `${name}.png`);
}

/** Builds the web UI into dist/web when it is not there (`npm test` builds it in its checks). */
export function ensureWebBuild(): void {
  if (existsSync(join(repoRoot, 'dist/web/index.html'))) return;
  execFileSync('npx', ['vite', 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
}

/** Debian's Chromium, headless, without the background traffic that slows a test machine. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Polls until the locator's text matches: playwright-core has no `expect`. */
export async function waitForText(locator: Locator, pattern: RegExp, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    last = (await locator.textContent({ timeout: Math.max(1, deadline - Date.now()) })) ?? '';
    if (pattern.test(last)) return last;
    if (Date.now() > deadline) assert.fail(`expected text matching ${pattern}, last saw ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A page in a context of its own (cookies are per host, not per port), whose uncaught errors and
 * console errors are collected into `problems` for the test's final check; console errors matching
 * `expected` (e.g. the browser's log of an expected 4xx answer) are left out.
 */
export async function openCheckedPage(browser: Browser, problems: string[], expected: RegExp): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !expected.test(message.text())) {
      problems.push(`console error: ${message.text()}`);
    }
  });
  return page;
}

/** Logs in through the login page and waits for the first page after it. */
export async function logIn(page: Page, url: string, username: string, password: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Connections' }).waitFor();
}
