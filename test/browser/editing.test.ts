import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { checkProductName } from '../../web/catalog/validation.js';
import { buildProduct } from '../support/factory.js';
import { createAccount, TEST_CONTEXT, type TestAccount } from '../support/auth.js';
import {
  addProduct,
  catalogForSuite,
  closeBrowser,
  focusedId,
  listedNames,
  navigate,
  openPage,
  seriousAxeViolations,
  skipUnlessBrowser,
  statusText,
  waitForFocus,
} from './harness.js';

/** Git-ignored, like the other suites' screenshots. */
const SCREENSHOTS = new URL('../../test-results/screenshots/', import.meta.url);

after(closeBrowser);

/** The path and query the page is showing, as the user's place in the list. */
const place = (page: Page) => {
  const url = new URL(page.url());
  return `${url.pathname}${url.search}`;
};

/** The pager above the list (the one below repeats it). */
const pager = (page: Page) => page.getByRole('navigation', { name: 'Pages', exact: true });

describe('editing on the page in Chromium: rename, trash and undo, keeping the place', await skipUnlessBrowser(), () => {
  const TAG = 'Walnut';
  let admin: TestAccount;
  const catalog = catalogForSuite(async ({ fixture }) => {
    admin = await createAccount(fixture.stores, 'admin');
    for (let i = 1; i <= 45; i++) await fixture.store.create(buildProduct({ productName: `${TAG} ${String(i).padStart(2, '0')}` }), TEST_CONTEXT);
  });
  before(() => mkdirSync(SCREENSHOTS, { recursive: true }));

  /** Page 2 of the search for TAG, reached as a person would: search, then Older. */
  async function secondPageOfSearch(page: Page): Promise<string> {
    await page.goto('/');
    await page.getByRole('searchbox', { name: 'Search by name or ID' }).fill(TAG);
    await navigate(page, () => page.getByRole('button', { name: 'Search' }).click());
    await navigate(page, () => pager(page).getByRole('link', { name: 'Older →' }).click());
    assert.equal(await pager(page).locator('.position').textContent(), '21–40 of 45');
    return place(page);
  }

  it('when a product is renamed from page 2 of a search with the keyboard, then the list comes back at that page with the focus on the notice', async () => {
    const { page, close } = await openPage(catalog());
    const where = await secondPageOfSearch(page);
    const target = (await listedNames(page))[0]!;
    const edit = page.getByRole('link', { name: new RegExp(`^Edit ${target} \\(`) });
    await edit.focus();
    assert.equal(await navigate(page, () => page.keyboard.press('Enter')), 200);
    await waitForFocus(page, 'product_name');
    assert.equal(await page.getByLabel('New name').inputValue(), target);

    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type(`${target} (oiled)`);
    assert.equal(await navigate(page, () => page.keyboard.press('Enter')), 200);

    assert.equal(place(page), where, 'same search, same page');
    assert.match(await statusText(page), new RegExp(`^Renamed product .+ to “${target} \\(oiled\\)”\\.$`));
    await waitForFocus(page, 'notice');
    assert.equal((await listedNames(page))[0], `${target} (oiled)`);
    await close();
  });

  it('when two people rename the same product at once, then the second sees both names, keeps what they typed, and decides', async () => {
    const product = await catalog().fixture.store.create(buildProduct({ productName: 'Shared lamp' }), TEST_CONTEXT);
    const first = await openPage(catalog());
    const second = await openPage(catalog(), {}, await createAccount(catalog().fixture.stores, 'editor'));
    for (const { page } of [first, second]) {
      await page.goto('/');
      await navigate(page, () => page.getByRole('link', { name: `Edit Shared lamp (${product.productId})` }).click());
    }
    await first.page.getByLabel('New name').fill('Desk lamp');
    await navigate(first.page, () => first.page.getByRole('button', { name: 'Save' }).click());
    assert.equal(await statusText(first.page), `Renamed product ${product.productId} to “Desk lamp”.`);

    await second.page.getByLabel('New name').fill('Reading lamp');
    assert.equal(await navigate(second.page, () => second.page.getByRole('button', { name: 'Save' }).click()), 409);
    const conflict = second.page.getByRole('alert');
    assert.match((await conflict.textContent()) ?? '', /Someone else changed this product while you were editing/);
    assert.deepEqual(await second.page.locator('.names dd').allTextContents(), ['Reading lamp', 'Desk lamp']);
    assert.equal(await second.page.getByLabel('New name').inputValue(), 'Reading lamp', 'what they typed is kept');
    await waitForFocus(second.page, 'conflict');
    assert.deepEqual(await seriousAxeViolations(second.page), []);
    await second.page.screenshot({ path: new URL('edit-conflict-1280-light.png', SCREENSHOTS).pathname, fullPage: true });

    assert.equal(await navigate(second.page, () => second.page.getByRole('button', { name: 'Save my name anyway' }).click()), 200);
    assert.equal(await statusText(second.page), `Renamed product ${product.productId} to “Reading lamp”.`);
    assert.equal((await catalog().fixture.store.get(product.productId))?.productName, 'Reading lamp');

    // The other choice: keep the current name, which changes nothing.
    await first.page.goto('/');
    await navigate(first.page, () => first.page.getByRole('link', { name: `Edit Reading lamp (${product.productId})` }).click());
    await catalog().fixture.store.rename(product.productId, 'Floor lamp', TEST_CONTEXT);
    await first.page.getByLabel('New name').fill('Mine again');
    assert.equal(await navigate(first.page, () => first.page.getByRole('button', { name: 'Save' }).click()), 409);
    await navigate(first.page, () => first.page.getByRole('link', { name: 'Keep the current name' }).click());
    assert.equal((await catalog().fixture.store.get(product.productId))?.productName, 'Floor lamp');
    await first.close();
    await second.close();
  });

  it('when a product is deleted from page 2 of a search, then the notice names it and takes focus, Tab reaches Undo, and Undo brings it back on the same page', async () => {
    const { page, close } = await openPage(catalog());
    const where = await secondPageOfSearch(page);
    const row = page.locator('tbody tr').nth(2);
    const name = (await row.locator('td.name').textContent())!;
    const id = (await row.locator('td.id code').textContent())!;
    await navigate(page, () => page.getByRole('button', { name: `Delete ${name} (${id})` }).click());

    assert.equal(place(page), where);
    assert.equal(await statusText(page), `Moved product “${name}” (${id}) to the trash.`);
    await waitForFocus(page, 'notice');
    assert.ok(!(await listedNames(page)).includes(name));
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement.textContent'), 'Undo');
    assert.equal(await navigate(page, () => page.keyboard.press('Enter')), 200);

    assert.equal(place(page), where);
    assert.equal(await statusText(page), `Restored product “${name}” (${id}).`);
    await waitForFocus(page, 'notice');
    assert.equal((await listedNames(page))[2], name, 'back at its old place');
    await close();
  });

  it('when a product is added from page 2 of a search, then the list stays on that page and the notice has the focus', async () => {
    const { page, close } = await openPage(catalog());
    const where = await secondPageOfSearch(page);
    const product = buildProduct({ productName: `${TAG} new arrival` });
    assert.equal(await addProduct(page, product), 200);
    assert.equal(place(page), where);
    assert.equal(await statusText(page), `Added product “${product.productName}” (${product.productId}).`);
    assert.equal(await focusedId(page), 'notice');
    await close();
  });

  it('when a product is restored from the trash, then it is back in the catalog and the trash page keeps its place and says so', async () => {
    const product = await catalog().fixture.store.create(buildProduct({ productName: 'Trashed teapot' }), TEST_CONTEXT);
    const { page, close } = await openPage(catalog());
    await page.goto('/');
    await navigate(page, () => page.getByRole('button', { name: `Delete Trashed teapot (${product.productId})` }).click());
    await navigate(page, () => page.getByRole('link', { name: 'Trash', exact: true }).click());
    const row = page.locator(`tr[id="row-${product.productId}"]`);
    assert.match((await row.locator('td.added').textContent()) ?? '', new RegExp(`by ${catalog().editor.username}$`));
    assert.deepEqual(await seriousAxeViolations(page), []);

    await navigate(page, () => page.getByRole('button', { name: `Restore Trashed teapot (${product.productId})` }).click());
    assert.equal(place(page), '/trash');
    assert.equal(await statusText(page), `Restored product “Trashed teapot” (${product.productId}).`);
    await waitForFocus(page, 'notice');
    assert.equal(await row.count(), 0);
    assert.equal((await catalog().fixture.store.get(product.productId))?.productName, 'Trashed teapot');
    await close();
  });

  it('when an admin deletes forever, then a confirmation page comes first and Cancel keeps the product in the trash', async () => {
    const product = await catalog().fixture.store.create(buildProduct({ productName: 'Broken cup' }), TEST_CONTEXT);
    await catalog().fixture.store.remove(product.productId, TEST_CONTEXT);
    const { page, dialogs, close } = await openPage(catalog(), {}, admin);
    await page.goto('/trash');
    await navigate(page, () => page.getByRole('link', { name: `Delete forever: Broken cup (${product.productId})` }).click());
    await page.getByRole('heading', { name: `Delete ${product.productId} forever?` }).waitFor();
    assert.deepEqual(await seriousAxeViolations(page), []);
    await navigate(page, () => page.getByRole('link', { name: 'Cancel, keep it in the trash' }).click());
    assert.ok(await catalog().fixture.store.getTrashed(product.productId));

    await navigate(page, () => page.getByRole('link', { name: `Delete forever: Broken cup (${product.productId})` }).click());
    await navigate(page, () => page.getByRole('button', { name: 'Delete forever' }).click());
    assert.equal(await statusText(page), `Deleted product “Broken cup” (${product.productId}) forever.`);
    assert.equal(await catalog().fixture.store.getTrashed(product.productId), undefined);
    assert.deepEqual(dialogs, [], 'no script dialog: the confirmation is a page');
    await close();
  });

  it('when an ID in the trash is added again, then a 409 says it is in the trash and its Restore button brings it back', async () => {
    const product = await catalog().fixture.store.create(buildProduct({ productName: 'Old kettle' }), TEST_CONTEXT);
    await catalog().fixture.store.remove(product.productId, TEST_CONTEXT);
    const { page, close } = await openPage(catalog());
    await page.goto('/');
    assert.equal(await addProduct(page, { productName: 'New kettle', productId: product.productId }), 409);
    assert.match((await page.locator('#product_id-error').textContent()) ?? '', /is in the trash/);
    assert.deepEqual(await seriousAxeViolations(page), []);
    await navigate(page, () => page.getByRole('button', { name: `Restore ${product.productId} from the trash` }).click());
    assert.equal(await statusText(page), `Restored product “Old kettle” (${product.productId}).`);
    await close();
  });

  it('when the search is a product ID, then that product comes first, marked as the exact ID match, and the count says what matched', async () => {
    const target = await catalog().fixture.store.create(buildProduct({ productId: 'OAK-7', productName: 'Oak board' }), TEST_CONTEXT);
    await catalog().fixture.store.create(buildProduct({ productId: 'OAK-70', productName: 'Oak shelf' }), TEST_CONTEXT);
    const { page, close } = await openPage(catalog());
    await page.goto('/');
    await page.getByRole('searchbox', { name: 'Search by name or ID' }).fill(target.productId);
    await navigate(page, () => page.getByRole('searchbox').press('Enter'));
    const first = page.locator('tbody tr').first();
    assert.equal(await first.locator('td.name').textContent(), 'Oak board');
    assert.equal(await first.locator('.tag').textContent(), 'Exact ID match');
    assert.deepEqual(await listedNames(page), ['Oak board', 'Oak shelf']);
    assert.equal((await page.locator('#list-summary').textContent())?.trim(), '2 products whose name or ID contains “OAK-7”');
    await close();
  });

  it('when a name is Hebrew, then its cell and the notice read right to left inside the English sentence', async () => {
    const product = buildProduct({ productName: 'שולחן עץ 120 ס"מ' });
    const { page, close } = await openPage(catalog());
    await page.goto('/');
    await addProduct(page, product);
    const cell = page.locator('tbody tr').first().locator('td.name');
    assert.equal(await cell.textContent(), product.productName);
    assert.equal(await page.evaluate('document.querySelector("tbody td.name").matches(":dir(rtl)")'), true);
    assert.equal(await page.evaluate('document.querySelector("#notice bdi").matches(":dir(rtl)")'), true);
    assert.equal(await page.evaluate('document.querySelector("#notice").matches(":dir(ltr)")'), true);
    await close();
  });

  for (const c of [
    { when: 'the name is only invisible characters', name: '\u200B\u2060\u200B' },
    { when: 'the name holds a right-to-left override', name: 'Invoice \u202Efdp.exe' },
    { when: 'the name holds a directional isolate', name: 'Tea \u2067mint\u2069' },
  ]) {
    it(`when ${c.when}, then the page refuses it with the server's message next to the field and keeps the input`, async () => {
      const { page, close } = await openPage(catalog());
      await page.goto('/');
      const product = buildProduct({ productName: c.name });
      assert.equal(await addProduct(page, product), 400);
      const refused = checkProductName(c.name);
      assert.ok(!refused.ok, 'the server refuses it');
      assert.equal(await page.locator('#product_name-error').textContent(), refused.error);
      assert.equal(await page.getByLabel('Product name').inputValue(), c.name);
      assert.equal(await catalog().fixture.store.get(product.productId), undefined);
      await close();
    });
  }

  it('when a name has more UTF-16 units than the limit but not more characters, then the browser lets it through, the counter agrees with the server and it is saved', async () => {
    const { page, close } = await openPage(catalog());
    await page.goto('/');
    const name = page.getByLabel('Product name');
    // 200 emoji: 400 UTF-16 units (a maxlength of 255 would cut it), 200 characters.
    await name.fill('🍵'.repeat(200));
    assert.equal(await page.locator('#product_name-count').textContent(), '55 characters left');
    assert.match((await name.getAttribute('aria-describedby')) ?? '', /\bproduct_name-count\b/);
    await name.fill('🍵'.repeat(256));
    assert.equal(await page.locator('#product_name-count').textContent(), '1 character too many');
    const product = buildProduct({ productName: '🍵'.repeat(200) });
    assert.equal(await addProduct(page, product), 200);
    assert.equal((await catalog().fixture.store.get(product.productId))?.productName, product.productName);
    await close();
  });

  it('when the window is 360 px wide, then the position and Older are on the first screen, above the add form', async () => {
    const { page, close } = await openPage(catalog(), { viewport: { width: 360, height: 640 } });
    await page.goto('/');
    const top = page.getByRole('navigation', { name: 'Pages (top)' });
    const older = top.getByRole('link', { name: 'Older →' });
    const box = (await older.boundingBox())!;
    assert.ok(box.y + box.height <= 640, `Older ends at ${box.y + box.height} px, below the first screen`);
    assert.ok(box.y < (await page.getByLabel('Product name').boundingBox())!.y, 'above the form');
    assert.match((await top.textContent()) ?? '', /1–20 of \d+/);
    assert.equal(await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'), 0);
    await navigate(page, () => older.click());
    assert.match((await top.locator('.position').textContent()) ?? '', /^21–40 of \d+$/);
    await close();
  });
});

describe('editing on the page with JavaScript disabled', await skipUnlessBrowser(), () => {
  const catalog = catalogForSuite();

  it('when JavaScript is off, then rename, delete, Undo, the trash and Restore all still work', async () => {
    const product = await catalog().fixture.store.create(buildProduct({ productName: 'Plain bowl' }), TEST_CONTEXT);
    const { page, close } = await openPage(catalog(), { javaScriptEnabled: false });
    await page.goto('/');
    await navigate(page, () => page.getByRole('link', { name: `Edit Plain bowl (${product.productId})` }).click());
    await page.getByLabel('New name').fill('Plain bowl, large');
    await navigate(page, () => page.getByRole('button', { name: 'Save' }).click());
    assert.equal(await statusText(page), `Renamed product ${product.productId} to “Plain bowl, large”.`);

    await navigate(page, () => page.getByRole('button', { name: `Delete Plain bowl, large (${product.productId})` }).click());
    await navigate(page, () => page.getByRole('button', { name: 'Undo' }).click());
    assert.equal(await statusText(page), `Restored product “Plain bowl, large” (${product.productId}).`);

    await navigate(page, () => page.getByRole('button', { name: `Delete Plain bowl, large (${product.productId})` }).click());
    await page.goto('/trash');
    await navigate(page, () => page.getByRole('button', { name: `Restore Plain bowl, large (${product.productId})` }).click());
    assert.equal(await statusText(page), `Restored product “Plain bowl, large” (${product.productId}).`);
    assert.equal((await catalog().fixture.store.get(product.productId))?.productName, 'Plain bowl, large');
    await close();
  });
});
