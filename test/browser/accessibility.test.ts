import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import {
  addProduct,
  catalogForSuite,
  closeBrowser,
  navigate,
  openPage,
  seriousAxeViolations,
  signInWithForm,
  skipUnlessBrowser,
  statusText,
} from './harness.js';
import { createAccount, TEST_CONTEXT, type TestAccount } from '../support/auth.js';

/** Git-ignored; the README's docs/screenshot.png is copied from here by hand. */
const SCREENSHOTS = new URL('../../test-results/screenshots/', import.meta.url);

const SAMPLE_NAMES = [
  'Espresso beans, 1 kg',
  'Oat milk (barista edition)',
  'Чай чёрный, 100 г',
  '緑茶 sencha 200 g',
  'Ceramic mug 350 ml ☕',
  'Pour-over kettle',
  'Paper filters #2, 100 pcs',
  'מטחנת קפה ידנית',
];

after(closeBrowser);

describe('the catalog page for every reader', await skipUnlessBrowser(), () => {
  // Two catalogs: one stays empty (the empty and error states), one fills up (the list state).
  const empty = catalogForSuite();
  const stocked = catalogForSuite(async ({ fixture }) => {
    for (const [i, productName] of SAMPLE_NAMES.entries()) await fixture.store.create({ productId: `SKU-${1001 + i}`, productName }, TEST_CONTEXT);
  });
  before(() => mkdirSync(SCREENSHOTS, { recursive: true }));

  for (const colorScheme of ['light', 'dark'] as const) {
    for (const width of [1280, 390]) {
      it(`when seen ${width} px wide in the ${colorScheme} scheme, then the empty, error, list and not-found states have no serious axe violations`, async () => {
        const { page, close } = await openPage(empty(), { colorScheme, viewport: { width, height: 900 } });
        const check = async (state: string, load: () => Promise<void>) => {
          await load();
          assert.deepEqual(await seriousAxeViolations(page), [], `${state} state`);
          await page.screenshot({ path: new URL(`${state}-${width}-${colorScheme}.png`, SCREENSHOTS).pathname, fullPage: true });
        };

        await check('empty', async () => {
          await page.goto(empty().url);
          assert.equal(await page.locator('.empty').textContent(), 'No products yet. Add the first one above.');
        });
        await check('error', async () => {
          await page.goto(empty().url);
          assert.equal(await addProduct(page, { productName: '', productId: 'bad id!' }), 400);
        });
        await check('list', async () => {
          // Another server on the same host: cookies do not tell ports apart, so sign in there too.
          await signInWithForm(page, stocked().editor, '/', stocked().url);
          await page.goto(stocked().url);
          const product = { productId: 'SKU-1100', productName: 'Hand grinder, steel burrs' };
          // Each round adds it again: out of the catalog and out of the trash first, which would keep its ID.
          await stocked().fixture.store.remove(product.productId, TEST_CONTEXT);
          await stocked().fixture.store.purge(product.productId, TEST_CONTEXT);
          await addProduct(page, product);
          assert.equal(await statusText(page), `Added product “${product.productName}” (${product.productId}).`);
        });
        await check('not-found', async () => {
          assert.equal((await page.goto(`${stocked().url}/no-such-page`))?.status(), 404);
        });
        await close();
      });
    }
  }

  it('when the table is laid out as stacked rows at 390 px, then Chromium still exposes it as a table of rows and cells', async () => {
    const { page, close } = await openPage(stocked(), { viewport: { width: 390, height: 900 } });
    await page.goto('/');
    const rows = await page.locator('tbody tr').count();
    const cdp = await page.context().newCDPSession(page);
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as { nodes: Array<{ role?: { value?: string } }> };
    const roles = nodes.map((n) => n.role?.value);
    const countOf = (role: string) => roles.filter((r) => r === role).length;

    assert.ok(rows > 0);
    assert.deepEqual(
      { table: countOf('table'), row: countOf('row'), columnheader: countOf('columnheader'), cell: countOf('cell') },
      { table: 1, row: rows + 1, columnheader: 4, cell: rows * 4 },
    );
    await close();
  });
});

describe('the editing views for every reader', await skipUnlessBrowser(), () => {
  let admin: TestAccount;
  const catalog = catalogForSuite(async ({ fixture }) => {
    admin = await createAccount(fixture.stores, 'admin');
    for (const [i, productName] of SAMPLE_NAMES.entries()) await fixture.store.create({ productId: `SKU-${2001 + i}`, productName }, TEST_CONTEXT);
    for (let i = 0; i < 25; i++) await fixture.store.create({ productId: `BULK-${100 + i}`, productName: `Filter papers, pack ${i + 1}` }, TEST_CONTEXT);
    const user = (await fixture.stores.users.find(admin.username))!;
    const asAdmin = { ...TEST_CONTEXT, actor: { userId: user.id, username: user.username, role: user.role, via: 'session' as const } };
    for (const productId of ['BULK-101', 'BULK-102', 'SKU-2002']) await fixture.store.remove(productId, asAdmin);
  });
  before(() => mkdirSync(SCREENSHOTS, { recursive: true }));

  for (const colorScheme of ['light', 'dark'] as const) {
    for (const width of [1280, 360]) {
      it(`when seen ${width} px wide in the ${colorScheme} scheme, then the undo notice, rename, conflict, trash and delete-forever views have no serious axe violations`, async () => {
        const { page, close } = await openPage(catalog(), { colorScheme, viewport: { width, height: 900 } }, admin);
        const check = async (state: string, load: () => Promise<void>) => {
          await load();
          assert.deepEqual(await seriousAxeViolations(page), [], `${state} state`);
          await page.screenshot({ path: new URL(`${state}-${width}-${colorScheme}.png`, SCREENSHOTS).pathname, fullPage: true });
        };
        const product = { productId: `SKU-${width}-${colorScheme}`, productName: 'Milk jug 600 ml' };
        await catalog().fixture.store.create(product, TEST_CONTEXT);

        await check('undo', async () => {
          await page.goto('/');
          await navigate(page, () => page.getByRole('button', { name: `Delete ${product.productName} (${product.productId})` }).click());
          assert.match(await statusText(page), /to the trash\.$/);
        });
        await check('edit', async () => {
          await navigate(page, () => page.getByRole('button', { name: 'Undo' }).click());
          await navigate(page, () => page.getByRole('link', { name: `Edit ${product.productName} (${product.productId})` }).click());
          await page.getByLabel('New name').fill('Milk jug 600 ml, steel 🥛');
        });
        await check('edit-conflict', async () => {
          await catalog().fixture.store.rename(product.productId, 'Milk jug 0.6 l', TEST_CONTEXT);
          assert.equal(await navigate(page, () => page.getByRole('button', { name: 'Save' }).click()), 409);
        });
        await check('trash', async () => {
          await page.goto('/trash');
          assert.ok((await page.locator('tbody tr').count()) >= 3);
        });
        await check('purge', async () => {
          await navigate(page, () => page.getByRole('link', { name: /^Delete forever: / }).first().click());
        });
        await close();
      });
    }
  }
});
