import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { test } from 'node:test';

import type { Browser, Locator, Page } from 'playwright-core';

import { ensureWebBuild, launchChromium, screenshotPath, waitForText } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const alicePassword = 'alice-password-1';

/** A page whose uncaught errors and console errors are collected for the final check. */
async function openPage(browser: Browser, problems: string[], who: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (error) => problems.push(`${who}: page error: ${error.message}`));
  page.on('console', (message) => {
    // The browser logs every 4xx answer; the refusals below are expected ones.
    if (message.type() === 'error' && !/Failed to load resource: .* status of 4\d\d/.test(message.text())) {
      problems.push(`${who}: console error: ${message.text()}`);
    }
  });
  return page;
}

async function logIn(page: Page, server: TestServer, username: string, password: string): Promise<void> {
  await page.goto(server.url);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Connections' }).waitFor();
}

const nav = (page: Page) => page.getByRole('navigation', { name: 'Main' });

/** The table row whose first cell holds this name. */
function row(page: Page, name: string): Locator {
  return page.getByRole('row').filter({ has: page.locator('.connection-name', { hasText: new RegExp(`^${name}$`) }) });
}

async function saveScreenshot(page: Page, name: string): Promise<void> {
  const path = screenshotPath(name);
  await mkdir(dirname(path), { recursive: true });
  await page.screenshot({ path, fullPage: true });
}

/** What the API answers a script that sends this token. */
async function whoAmIWithToken(server: TestServer, token: string): Promise<{ status: number; username?: string }> {
  const response = await fetch(`${server.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) return { status: response.status };
  const body = (await response.json()) as { user: { username: string } };
  return { status: response.status, username: body.user.username };
}

test('web UI administration: users, roles, workspace grants, API tokens', { timeout: 240_000 }, async (t) => {
  ensureWebBuild();
  const server = await startTestServer();
  t.after(() => server.close());
  const browser = await launchChromium();
  t.after(() => browser.close());
  const problems: string[] = [];
  const admin = await openPage(browser, problems, 'admin');

  await t.test('the administrator sees the administration pages in the navigation', async () => {
    await logIn(admin, server, 'admin', server.adminPassword);
    for (const label of ['Users', 'Roles', 'Workspaces', 'API tokens']) {
      await nav(admin).getByRole('link', { name: label, exact: true }).waitFor();
    }
  });

  await t.test('creates a workspace and lands on its grants, which start empty', async () => {
    await nav(admin).getByRole('link', { name: 'Workspaces', exact: true }).click();
    await admin.getByRole('heading', { name: 'Workspaces' }).waitFor();
    await admin.getByRole('button', { name: 'Add workspace' }).click();
    const dialog = admin.getByRole('dialog', { name: 'Add workspace' });
    await dialog.getByLabel('Name').fill('bad name');
    await dialog.getByRole('button', { name: 'Create workspace' }).click();
    // The API's refusal of a bad name is shown next to the field.
    await waitForText(dialog.locator('.field-error'), /must start with a letter/);
    await dialog.getByLabel('Name').fill('field-team');
    await dialog.getByLabel('Description').fill('Survey data of the field team');
    await dialog.getByRole('button', { name: 'Create workspace' }).click();
    await admin.getByRole('heading', { name: 'Workspace field-team' }).waitFor();
    assert.match(new URL(admin.url()).pathname, /^\/admin\/workspaces\/[0-9a-f-]{36}$/);
    await admin.getByText('No grants yet').waitFor();
  });

  await t.test('creates a role, and removes another after confirming', async () => {
    await nav(admin).getByRole('link', { name: 'Roles', exact: true }).click();
    await admin.getByRole('heading', { name: 'Roles' }).waitFor();
    assert.equal(await row(admin, 'admin').getByRole('button', { name: 'Remove' }).isDisabled(), true);
    for (const name of ['surveyors', 'temporary']) {
      await admin.getByRole('button', { name: 'Add role' }).click();
      const dialog = admin.getByRole('dialog', { name: 'Add role' });
      await dialog.getByLabel('Name').fill(name);
      await dialog.getByLabel('Description').fill(`The ${name}`);
      await dialog.getByRole('button', { name: 'Create role' }).click();
      await dialog.waitFor({ state: 'hidden' });
      await row(admin, name).waitFor();
    }
    await row(admin, 'temporary').getByRole('button', { name: 'Remove' }).click();
    const confirm = admin.getByRole('dialog', { name: 'Remove role temporary?' });
    await confirm.getByRole('button', { name: 'Remove' }).click();
    await row(admin, 'temporary').waitFor({ state: 'detached' });
  });

  await t.test('creates a user with that role; a mistyped confirmation is caught first', async () => {
    await nav(admin).getByRole('link', { name: 'Users', exact: true }).click();
    await admin.getByRole('heading', { name: 'Users' }).waitFor();
    await admin.getByRole('button', { name: 'Add user' }).click();
    const dialog = admin.getByRole('dialog', { name: 'Add user' });
    await dialog.getByLabel('User name').fill('alice');
    await dialog.getByLabel('Display name').fill('Alice Surveyor');
    await dialog.getByLabel('E-mail').fill('alice@example.org');
    await dialog.getByLabel('surveyors').check();
    await dialog.getByLabel('Password', { exact: true }).fill(alicePassword);
    await dialog.getByLabel('Confirm password').fill(`${alicePassword}x`);
    // Submitting from the keyboard.
    await dialog.getByLabel('Confirm password').press('Enter');
    await waitForText(dialog.locator('.field-error'), /The two passwords differ/);
    await dialog.getByLabel('Confirm password').fill(alicePassword);
    await dialog.getByLabel('Confirm password').press('Enter');
    await dialog.waitFor({ state: 'hidden' });
    const alice = row(admin, 'alice');
    await waitForText(alice, /Alice Surveyor.*alice@example\.org.*surveyors.*Active/);
  });

  await t.test('grants the role read on the workspace, changes a grant and revokes one', async () => {
    await nav(admin).getByRole('link', { name: 'Workspaces', exact: true }).click();
    await admin.getByRole('link', { name: 'Grants of field-team' }).click();
    await admin.getByRole('heading', { name: 'Workspace field-team' }).waitFor();
    await admin.getByRole('button', { name: 'Rename or describe' }).click();
    const edit = admin.getByRole('dialog', { name: 'Edit workspace field-team' });
    await edit.getByLabel('Description').fill('Survey data of the field team, checked weekly');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await edit.waitFor({ state: 'hidden' });
    await admin.getByText('Survey data of the field team, checked weekly').waitFor();

    const form = admin.getByRole('form', { name: 'Add a grant' });
    await form.getByLabel('Grant to').selectOption('role');
    await form.getByLabel('Role', { exact: true }).selectOption('surveyors');
    await form.getByLabel('Level').selectOption('read');
    await form.getByRole('button', { name: 'Grant' }).click();
    const roleLevel = admin.getByLabel('Level of role surveyors');
    await roleLevel.waitFor();
    assert.equal(await roleLevel.inputValue(), 'read');

    await form.getByLabel('Grant to').selectOption('user');
    await form.getByLabel('User', { exact: true }).selectOption('alice');
    await form.getByLabel('Level').selectOption('write');
    await form.getByRole('button', { name: 'Grant' }).click();
    const userLevel = admin.getByLabel('Level of user alice');
    await userLevel.waitFor();
    await userLevel.selectOption('admin');
    // Saved: the list read back from the API after a reload still says admin.
    await waitForSaved(admin);
    await admin.reload();
    await admin.getByLabel('Level of user alice').waitFor();
    assert.equal(await admin.getByLabel('Level of user alice').inputValue(), 'admin');
    assert.equal(await admin.getByLabel('Level of role surveyors').inputValue(), 'read');

    await saveScreenshot(admin, 'admin-workspace');
    await admin.getByRole('button', { name: 'Revoke the grant of user alice' }).click();
    const confirm = admin.getByRole('dialog', { name: 'Revoke the grant of user alice?' });
    await confirm.getByRole('button', { name: 'Revoke' }).click();
    await confirm.waitFor({ state: 'hidden' });
    await admin.getByLabel('Level of user alice').waitFor({ state: 'detached' });
  });

  const alice = await openPage(browser, problems, 'alice');

  await t.test('the user sees no administration pages, and the API refuses a forced call', async () => {
    await logIn(alice, server, 'alice', alicePassword);
    await nav(alice).getByRole('link', { name: 'API tokens' }).waitFor();
    for (const label of ['Users', 'Roles', 'Workspaces']) {
      assert.equal(await nav(alice).getByRole('link', { name: label, exact: true }).count(), 0, label);
    }
    await alice.goto(`${server.url}/admin/users`);
    await alice.getByText('Only administrators can open this page.').waitFor();

    const answers = await alice.evaluate(async () => {
      const me = (await (await fetch('/api/v1/auth/me')).json()) as { csrfToken: string };
      const created = await fetch('/api/v1/users', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken },
        body: JSON.stringify({ username: 'mallory', password: 'mallory-password-1', roles: ['admin'] }),
      });
      const workspaces = (await (await fetch('/api/v1/workspaces')).json()) as {
        items: { name: string; myLevel: string }[];
      };
      return { createStatus: created.status, workspaces: workspaces.items };
    });
    assert.equal(answers.createStatus, 403);
    assert.deepEqual(
      answers.workspaces.map((w) => [w.name, w.myLevel]),
      [['field-team', 'read']],
    );
  });

  await t.test('a new API token is shown once, works as Bearer, and stops working once revoked', async () => {
    await nav(alice).getByRole('link', { name: 'API tokens' }).click();
    await alice.getByRole('heading', { name: 'API tokens' }).waitFor();
    await alice.getByText('No API tokens yet.').waitFor();
    await alice.getByLabel('Token name').fill('nightly-import');
    await alice.getByLabel('Expires').selectOption('30');
    await alice.getByRole('button', { name: 'Create token' }).click();
    const panel = alice.getByRole('region', { name: 'Token nightly-import created' });
    await waitForText(panel, /you will not see it again/);
    const secretInput = alice.getByLabel('New API token');
    const secret = await secretInput.inputValue();
    assert.match(secret, /^gs_/);
    const focused = await secretInput.evaluate(
      (element) => (element as { ownerDocument: { activeElement: unknown } }).ownerDocument.activeElement === element,
    );
    assert.equal(focused, true, 'the new token is focused and selected, ready to copy');
    await panel.getByRole('button', { name: 'Copy' }).click();
    await waitForText(panel.getByRole('status'), /Copied|Ctrl\+C/);

    assert.deepEqual(await whoAmIWithToken(server, secret), { status: 200, username: 'alice' });

    // Shown once: after a reload only its first characters remain.
    await alice.reload();
    const tokenRow = row(alice, 'nightly-import');
    await waitForText(tokenRow, /Active/);
    assert.equal(await alice.getByLabel('New API token').count(), 0);
    assert.equal(((await alice.locator('main').textContent()) ?? '').includes(secret), false);
    await waitForText(tokenRow.locator('code'), new RegExp(`^${secret.slice(0, 7)}…$`));

    await alice.getByRole('button', { name: 'Revoke token nightly-import' }).click();
    const confirm = alice.getByRole('dialog', { name: 'Revoke token nightly-import?' });
    await confirm.getByRole('button', { name: 'Revoke' }).click();
    await confirm.waitFor({ state: 'hidden' });
    await waitForText(tokenRow, /Revoked/);
    assert.equal((await whoAmIWithToken(server, secret)).status, 401);
  });

  await t.test('the last administrator cannot be demoted nor remove themselves: the API says why', async () => {
    await nav(admin).getByRole('link', { name: 'Users', exact: true }).click();
    const adminRow = row(admin, 'admin');
    await adminRow.getByRole('button', { name: 'Edit' }).click();
    const dialog = admin.getByRole('dialog', { name: 'Edit user admin' });
    await dialog.getByLabel('admin', { exact: true }).uncheck();
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await waitForText(dialog.getByRole('alert'), /last active administrator/);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await waitForText(adminRow, /admin.*Active/);

    await adminRow.getByRole('button', { name: 'Remove' }).click();
    const confirm = admin.getByRole('dialog', { name: 'Remove user admin?' });
    await confirm.getByRole('button', { name: 'Remove' }).click();
    await waitForText(confirm.getByRole('alert'), /cannot remove yourself/);
    // Escape closes a dialog, as for every dialog.
    await admin.keyboard.press('Escape');
    await confirm.waitFor({ state: 'hidden' });
    await adminRow.waitFor();
    await saveScreenshot(admin, 'admin-users');
  });

  await t.test('resetting a password, disabling and enabling a user', async () => {
    const aliceRow = row(admin, 'alice');
    await aliceRow.getByRole('button', { name: 'Reset password' }).click();
    const dialog = admin.getByRole('dialog', { name: 'Reset the password of alice' });
    await dialog.getByLabel('New password', { exact: true }).fill('short');
    await dialog.getByLabel('Confirm new password').fill('short');
    await dialog.getByRole('button', { name: 'Set password' }).click();
    await waitForText(dialog.locator('.field-error'), /At least 8 characters/);
    await dialog.getByLabel('New password', { exact: true }).fill('alice-password-2');
    await dialog.getByLabel('Confirm new password').fill('alice-password-2');
    await dialog.getByRole('button', { name: 'Set password' }).click();
    await waitForText(admin.getByRole('status').filter({ hasText: 'password' }), /password of alice is changed/);

    await aliceRow.getByRole('button', { name: 'Disable' }).click();
    await admin.getByRole('dialog', { name: 'Disable user alice?' }).getByRole('button', { name: 'Disable' }).click();
    await waitForText(aliceRow, /Disabled/);
    const refused = await fetch(`${server.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice', password: 'alice-password-2' }),
    });
    assert.equal(refused.ok, false, 'a disabled user cannot log in');
    await aliceRow.getByRole('button', { name: 'Enable' }).click();
    await waitForText(aliceRow, /Active/);
  });

  await t.test('removing a user after confirming', async () => {
    await row(admin, 'alice').getByRole('button', { name: 'Remove' }).click();
    await admin.getByRole('dialog', { name: 'Remove user alice?' }).getByRole('button', { name: 'Remove' }).click();
    await row(admin, 'alice').waitFor({ state: 'detached' });
  });

  await t.test('a narrow window: the pages do not overflow sideways (tables scroll in their frame)', async () => {
    await admin.setViewportSize({ width: 400, height: 800 });
    for (const label of ['Users', 'Workspaces', 'API tokens']) {
      await nav(admin).getByRole('link', { name: label, exact: true }).click();
      await admin.getByRole('heading', { level: 1, name: label }).waitFor();
      const wide = await admin.evaluate(() => {
        const document = (globalThis as unknown as { document: NarrowDocument }).document;
        const width = document.documentElement.clientWidth;
        if (document.documentElement.scrollWidth <= width) return [];
        return [...document.querySelectorAll('main *')]
          .filter((element) => element.getBoundingClientRect().right > width + 1)
          .map((element) => `${element.tagName}.${element.className}`);
      });
      assert.deepEqual(wide, [], `${label} fits a narrow window`);
    }
  });

  assert.deepEqual(problems, []);
});

/** Just what the narrow-window check reads of the page (the tests compile without the DOM types). */
interface NarrowDocument {
  documentElement: { clientWidth: number; scrollWidth: number };
  querySelectorAll(selector: string): Iterable<{
    tagName: string;
    className: string;
    getBoundingClientRect(): { right: number };
  }>;
}

/** Grant changes are sent at once; waits until no select is disabled by a save in flight. */
async function waitForSaved(page: Page): Promise<void> {
  const deadline = Date.now() + 15_000;
  while ((await page.locator('.admin-level-select:disabled').count()) > 0) {
    if (Date.now() > deadline) assert.fail('the grants were not saved');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
