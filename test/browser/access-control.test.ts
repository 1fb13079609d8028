import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { createAccount, TEST_CONTEXT, type TestAccount } from '../support/auth.js';
import { buildProduct } from '../support/factory.js';
import {
  addProduct,
  catalogForSuite,
  closeBrowser,
  focusedId,
  navigate,
  openPage,
  seriousAxeViolations,
  signInWithForm,
  skipUnlessBrowser,
  statusText,
} from './harness.js';

const SCREENSHOTS = new URL('../../test-results/screenshots/', import.meta.url);

after(closeBrowser);

describe('signing in and out in Chromium', await skipUnlessBrowser(), () => {
  let admin: TestAccount;
  const catalog = catalogForSuite(async ({ fixture }) => {
    admin = await createAccount(fixture.stores, 'admin');
    for (let i = 1; i <= 3; i++) await fixture.store.create(buildProduct({ productName: `Seeded ${i}` }), TEST_CONTEXT);
  });
  before(() => mkdirSync(SCREENSHOTS, { recursive: true }));

  it('when an editor signs in, adds and deletes a product and signs out, then the header follows along and the catalog is read-only again', async () => {
    const { page, close } = await openPage(catalog(), {}, null);
    await page.goto('/');
    await page.getByRole('link', { name: 'Sign in to add products' }).waitFor();
    assert.equal(await page.getByRole('button', { name: /^Delete/ }).count(), 0);

    assert.equal(await signInWithForm(page, catalog().editor), 200);
    assert.equal(await statusText(page), `Signed in as ${catalog().editor.username}.`);
    assert.match((await page.getByRole('navigation', { name: 'Account' }).textContent()) ?? '', new RegExp(`Signed in as ${catalog().editor.username} \\(editor\\)`));
    const product = buildProduct({ productName: 'Signed-in tea' });
    assert.equal(await addProduct(page, product), 200);
    assert.equal(await statusText(page), `Added product “${product.productName}” (${product.productId}).`);
    assert.equal(await navigate(page, () => page.getByRole('button', { name: `Delete Signed-in tea (${product.productId})` }).click()), 200);
    assert.equal(await statusText(page), `Moved product “${product.productName}” (${product.productId}) to the trash.`);

    assert.equal(await navigate(page, () => page.getByRole('button', { name: 'Sign out' }).click()), 200);
    assert.equal(await statusText(page), 'Signed out.');
    await page.getByRole('link', { name: 'Sign in', exact: true }).waitFor();
    await page.getByRole('link', { name: 'Sign in to add products' }).waitFor();
    await close();
  });

  it('when an anonymous visitor opens an admin page, then they sign in and land back on it', async () => {
    const { page, close } = await openPage(catalog(), {}, null);
    await page.goto('/admin/users');
    assert.equal(new URL(page.url()).pathname + new URL(page.url()).search, '/login?next=%2Fadmin%2Fusers');
    await page.getByLabel('Username').fill(admin.username);
    await page.getByLabel('Password').fill(admin.password);
    assert.equal(await navigate(page, () => page.getByRole('button', { name: 'Sign in' }).click()), 200);
    assert.equal(new URL(page.url()).pathname, '/admin/users');
    await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
    await close();
  });

  it('when only the keyboard is used, then the sign-in page starts in Username, Tab reaches Password, and Enter signs in', async () => {
    const { page, close } = await openPage(catalog(), {}, null);
    await page.goto('/login');
    await page.locator('#username:focus').waitFor();
    await page.keyboard.type(catalog().editor.username);
    await page.keyboard.press('Tab');
    assert.equal(await focusedId(page), 'password');
    await page.keyboard.type(catalog().editor.password);
    assert.equal(await navigate(page, () => page.keyboard.press('Enter')), 200);
    assert.equal(await statusText(page), `Signed in as ${catalog().editor.username}.`);
    await close();
  });

  it('when a password is wrong, then the page says so in an alert, keeps the name, and puts the cursor in Password', async () => {
    const { page, close } = await openPage(catalog(), {}, null);
    await page.goto('/login');
    await page.getByLabel('Username').fill(catalog().editor.username);
    await page.getByLabel('Password').fill('not my password at all');
    assert.equal(await navigate(page, () => page.getByRole('button', { name: 'Sign in' }).click()), 401);
    assert.equal(await page.getByRole('alert').textContent(), 'Wrong username or password.');
    assert.equal(await page.getByLabel('Username').inputValue(), catalog().editor.username);
    await page.locator('#password:focus').waitFor();
    await close();
  });

  it('when password managers look at the forms, then every field says what it is (autocomplete)', async () => {
    const { page, close } = await openPage(catalog());
    await page.goto('/account');
    assert.equal(await page.locator('#current_password').getAttribute('autocomplete'), 'current-password');
    assert.equal(await page.locator('#new_password').getAttribute('autocomplete'), 'new-password');
    assert.equal(await page.locator('input[autocomplete="username"]').getAttribute('value'), catalog().editor.username);
    await close();
    const anonymous = await openPage(catalog(), {}, null);
    await anonymous.page.goto('/login');
    assert.equal(await anonymous.page.locator('#username').getAttribute('autocomplete'), 'username');
    assert.equal(await anonymous.page.locator('#password').getAttribute('autocomplete'), 'current-password');
    await anonymous.close();
  });

  for (const colorScheme of ['light', 'dark'] as const) {
    for (const width of [1280, 390]) {
      it(`when the sign-in, account, users and audit pages are seen ${width} px wide in the ${colorScheme} scheme, then axe finds nothing serious`, async () => {
        const check = async (page: import('playwright-core').Page, state: string, path: string) => {
          await page.goto(path);
          assert.deepEqual(await seriousAxeViolations(page), [], state);
          await page.screenshot({ path: new URL(`${state}-${width}-${colorScheme}.png`, SCREENSHOTS).pathname, fullPage: true });
        };
        const anonymous = await openPage(catalog(), { colorScheme, viewport: { width, height: 900 } }, null);
        await check(anonymous.page, 'sign-in', '/login');
        await anonymous.page.getByLabel('Username').fill('someone');
        await anonymous.page.getByLabel('Password').fill('wrong password here');
        await navigate(anonymous.page, () => anonymous.page.getByRole('button', { name: 'Sign in' }).click());
        assert.deepEqual(await seriousAxeViolations(anonymous.page), [], 'sign-in error');
        await anonymous.close();

        const signedIn = await openPage(catalog(), { colorScheme, viewport: { width, height: 900 } }, admin);
        await check(signedIn.page, 'account', '/account');
        await check(signedIn.page, 'admin-users', '/admin/users');
        await check(signedIn.page, 'admin-audit', '/admin/audit');
        await signedIn.close();
      });
    }
  }
});
