import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { createAccount } from '../support/auth.js';
import { startSsoCatalog, type SsoCatalog } from '../support/sso-catalog.js';
import { browser, closeBrowser, navigate, seriousAxeViolations, skipUnlessBrowser, statusText } from './harness.js';

after(closeBrowser);

async function newPage(baseURL: string): Promise<{ page: Page; close: () => Promise<void> }> {
  const context = await (await browser()).newContext({ baseURL, locale: 'en-US', timezoneId: 'UTC', viewport: { width: 1280, height: 800 } });
  context.setDefaultTimeout(15_000);
  return { page: await context.newPage(), close: () => context.close() };
}

const accountBar = async (page: Page) => ((await page.getByRole('navigation', { name: 'Account' }).textContent()) ?? '').replace(/\s+/g, ' ').trim();

describe('single sign-on in Chromium', await skipUnlessBrowser(), () => {
  let catalog: SsoCatalog;
  before(async () => {
    catalog = await startSsoCatalog({ store: 'mysql' });
  });
  after(async () => catalog?.close());

  it("when alice clicks the button, signs in at the provider and signs out, then she is back as an admin, and sign-out ends both sessions", async () => {
    const { page, close } = await newPage(catalog.url);
    try {
      await page.goto('/login?next=%2Fadmin%2Fusers');
      assert.deepEqual(await seriousAxeViolations(page), [], 'the sign-in page with the button');
      assert.equal(await navigate(page, () => page.getByRole('link', { name: 'Sign in with single sign-on' }).click()), 200);
      assert.equal(new URL(page.url()).origin, catalog.op.issuer, "the provider's login form");
      await page.getByLabel('Username').fill('alice');
      await page.getByLabel('Password').fill(catalog.op.account('alice').password);
      assert.equal(await navigate(page, () => page.getByRole('button', { name: 'Sign in' }).click()), 200);

      assert.equal(page.url(), `${catalog.url}/admin/users`);
      assert.equal(await statusText(page), 'Welcome, alice: your account was created.');
      assert.match(await accountBar(page), /Signed in as alice \(admin\)/);
      assert.deepEqual(await seriousAxeViolations(page), [], 'the accounts page with role pins');

      // The sign-out form is answered with a redirect to the provider: CSP form-action must allow it.
      assert.equal(await navigate(page, () => page.getByRole('button', { name: 'Sign out' }).click()), 200);
      assert.equal(new URL(page.url()).origin, catalog.op.issuer, 'the provider asks to confirm');
      assert.equal(await navigate(page, () => page.getByRole('button', { name: 'Yes, sign me out' }).click()), 200);
      assert.equal(page.url(), `${catalog.url}/`);
      assert.equal(await statusText(page), 'Signed out.');
      await page.getByRole('link', { name: 'Sign in', exact: true }).waitFor();

      assert.equal(await navigate(page, () => page.goto('/auth/oidc/start').then(() => undefined)), 200);
      await page.getByLabel('Password').waitFor(); // the provider forgot her too
    } finally {
      await close();
    }
  });

  it('when bob, an editor by his group, opens his account page, then it says he has no password here and offers API tokens', async () => {
    const { page, close } = await newPage(catalog.url);
    try {
      await page.goto('/auth/oidc/start?next=%2Faccount');
      await page.getByLabel('Username').fill('bob');
      await page.getByLabel('Password').fill(catalog.op.account('bob').password);
      assert.equal(await navigate(page, () => page.getByRole('button', { name: 'Sign in' }).click()), 200);
      assert.equal(new URL(page.url()).pathname, '/account');
      assert.match(await accountBar(page), /Signed in as bob \(editor\)/);
      await page.getByText('You sign in through single sign-on, so this account has no password here.').waitFor();
      await page.getByRole('heading', { name: 'API tokens' }).waitFor();
      assert.deepEqual(await seriousAxeViolations(page), []);
    } finally {
      await close();
    }
  });
});

describe('single sign-on in Chromium, password sign-in off and the provider down', await skipUnlessBrowser(), () => {
  let catalog: SsoCatalog;
  before(async () => {
    catalog = await startSsoCatalog({ store: 'memory', env: { LOCAL_LOGIN: 'false', LOCAL_LOGIN_BREAK_GLASS_USER: 'break-glass' }, providerDownAtStart: true });
  });
  after(async () => catalog?.close());

  it('when the button is clicked while the provider is down, then a clear page says so, and it and the button-only page pass axe', async () => {
    const { page, close } = await newPage(catalog.url);
    try {
      await page.goto('/login');
      assert.equal(await page.getByLabel('Password').count(), 0, 'no password form');
      assert.deepEqual(await seriousAxeViolations(page), [], 'the button-only sign-in page');
      assert.equal(await navigate(page, () => page.getByRole('link', { name: 'Sign in with single sign-on' }).click()), 503);
      assert.equal(await page.getByRole('alert').textContent(), 'The identity provider cannot be reached right now. Try again in a moment.');
      assert.match(await page.title(), /^Error: Sign in/);
      assert.deepEqual(await seriousAxeViolations(page), [], 'the provider-unreachable page');
    } finally {
      await close();
    }
  });

  it('when the break-glass admin opens /login?method=password, then they sign in with their password', async () => {
    const breakGlass = await createAccount(catalog.fixture.stores, 'admin', 'break-glass');
    const { page, close } = await newPage(catalog.url);
    try {
      await page.goto('/login?method=password');
      assert.deepEqual(await seriousAxeViolations(page), [], 'the page with the button and the form');
      await page.getByLabel('Username').fill(breakGlass.username);
      await page.getByLabel('Password').fill(breakGlass.password);
      assert.equal(await navigate(page, () => page.getByRole('button', { name: 'Sign in' }).click()), 200);
      assert.match(await accountBar(page), /Signed in as break-glass \(admin\)/);
    } finally {
      await close();
    }
  });
});
