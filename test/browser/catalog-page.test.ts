import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createConnection } from 'mysql2/promise';
import type { Page } from 'playwright-core';
import { PRODUCT_ID_MAX, PRODUCT_NAME_MAX } from '../../web/limits.js';
import { buildProduct } from '../support/factory.js';
import {
  addProduct,
  catalogForSuite,
  closeBrowser,
  focusedId,
  listedNames,
  navigate,
  openPage,
  skipUnlessBrowser,
  statusText,
  waitForFocus,
} from './harness.js';
import { TEST_CONTEXT } from '../support/auth.js';

after(closeBrowser);

/** The total in the list heading: "(45)" or "(2 matching)". */
const count = async (page: Page) => Number(/\d+/.exec((await page.locator('#list-heading .count').textContent()) ?? '')?.[0]);

describe('the catalog page in Chromium', await skipUnlessBrowser(), () => {
  const catalog = catalogForSuite();

  it('when a product is added, then it is first in the list, the notice says so and the form is empty again', async () => {
    const { page, close } = await openPage(catalog());
    await page.goto('/');
    const before = await count(page);
    const product = buildProduct({ productName: 'Espresso beans 1 kg' });

    assert.equal(await addProduct(page, product), 200);

    assert.equal(await statusText(page), `Added product ${product.productId}.`);
    assert.equal(await page.title(), `Added product ${product.productId}. · Product catalog`);
    assert.equal((await listedNames(page))[0], product.productName);
    assert.equal(await page.locator('tbody tr').first().locator('td').nth(1).textContent(), product.productId);
    assert.equal(await count(page), before + 1);
    assert.deepEqual([await page.getByLabel('Product name').inputValue(), await page.getByLabel('Product ID').inputValue()], ['', '']);
    await close();
  });

  const invalid = [
    {
      when: 'both fields are empty',
      input: { productName: '', productId: '' },
      errors: { product_name: 'Product name is required.', product_id: 'Product ID is required.' },
    },
    {
      when: 'the name is only spaces',
      input: { productName: '   ', productId: 'KEEP-1' },
      errors: { product_name: 'Product name is required.' },
    },
    {
      when: 'the ID has a character that is not allowed',
      input: { productName: 'Keep me ☕', productId: 'bad id!' },
      errors: {
        product_id: "Product ID may use only letters A-Z, digits, '.', '_' and '-', and must start with a letter or digit (found a space).",
      },
    },
    {
      when: 'the ID starts with a dash',
      input: { productName: 'Dash', productId: '-x' },
      errors: {
        product_id: "Product ID may use only letters A-Z, digits, '.', '_' and '-', and must start with a letter or digit (found '-' at the start).",
      },
    },
    {
      when: 'a browser ignores maxlength and sends names and IDs that are too long',
      input: { productName: 'n'.repeat(PRODUCT_NAME_MAX + 1), productId: 'i'.repeat(PRODUCT_ID_MAX + 1) },
      ignoreMaxlength: true,
      errors: {
        product_name: `Product name must be at most ${PRODUCT_NAME_MAX} characters (it has ${PRODUCT_NAME_MAX + 1}).`,
        product_id: `Product ID must be at most ${PRODUCT_ID_MAX} characters (it has ${PRODUCT_ID_MAX + 1}).`,
      },
    },
  ];
  for (const c of invalid) {
    it(`when ${c.when}, then a 400 shows each message next to its field, focuses the first and keeps the input`, async () => {
      const { page, close } = await openPage(catalog());
      await page.goto('/');
      const before = await count(page);
      if (c.ignoreMaxlength) await page.evaluate('document.querySelectorAll("[maxlength]").forEach((e) => e.removeAttribute("maxlength"))');

      assert.equal(await addProduct(page, c.input), 400);

      for (const field of ['product_name', 'product_id'] as const) {
        const message = (c.errors as Partial<Record<typeof field, string>>)[field];
        const input = page.locator(`#${field}`);
        const shown = page.locator(`#${field}-error`);
        assert.equal((await shown.count()) ? await shown.textContent() : null, message ?? null, field);
        assert.equal(await input.getAttribute('aria-invalid'), message ? 'true' : null, field);
        if (message) assert.match((await input.getAttribute('aria-describedby')) ?? '', new RegExp(`\\b${field}-error\\b`));
      }
      assert.equal(await page.getByLabel('Product name').inputValue(), c.input.productName);
      assert.equal(await page.getByLabel('Product ID').inputValue(), c.input.productId);
      await waitForFocus(page, 'product_name' in c.errors ? 'product_name' : 'product_id');
      assert.equal(await page.title(), 'Error: Product catalog');
      assert.equal(await count(page), before, 'nothing was added');
      await close();
    });
  }

  it('when the ID is taken, then a 409 says so next to the ID, focuses it and keeps both inputs', async () => {
    const existing = await catalog().fixture.store.create(buildProduct({ productName: 'First' }), TEST_CONTEXT);
    const { page, close } = await openPage(catalog());
    await page.goto('/');

    assert.equal(await addProduct(page, { productName: 'Second', productId: existing.productId }), 409);

    assert.equal(await page.locator('#product_id-error').textContent(), `A product with ID '${existing.productId}' already exists.`);
    await waitForFocus(page, 'product_id');
    assert.equal(await page.getByLabel('Product name').inputValue(), 'Second');
    assert.equal(await page.getByLabel('Product ID').inputValue(), existing.productId);
    assert.equal((await catalog().fixture.store.get(existing.productId))?.productName, 'First');
    await close();
  });

  it('when Delete is pressed on a row, then that product is gone and the notice says so', async () => {
    const keep = await catalog().fixture.store.create(buildProduct({ productName: 'Keep me' }), TEST_CONTEXT);
    const gone = await catalog().fixture.store.create(buildProduct({ productName: 'Delete me' }), TEST_CONTEXT);
    const { page, close } = await openPage(catalog());
    await page.goto('/');

    const status = await navigate(page, () =>
      page.getByRole('button', { name: `Delete ${gone.productName} (${gone.productId})` }).click(),
    );

    assert.equal(status, 200);
    assert.equal(await statusText(page), `Deleted product ${gone.productId}.`);
    assert.equal(await page.getByRole('button', { name: `Delete ${gone.productName} (${gone.productId})` }).count(), 0);
    assert.equal(await page.getByRole('button', { name: `Delete ${keep.productName} (${keep.productId})` }).count(), 1);
    assert.equal(await catalog().fixture.store.get(gone.productId), undefined);
    await close();
  });

  it('when a name contains text, then searching shows only matching products and Clear shows all again', async () => {
    const tag = `Zebra${Date.now()}`;
    const hits = [`${tag} striped mug`, `Big ${tag.toLowerCase()} poster`];
    for (const productName of [...hits, 'Plain mug']) await catalog().fixture.store.create(buildProduct({ productName }), TEST_CONTEXT);
    const { page, close } = await openPage(catalog());
    await page.goto('/');

    await page.getByRole('searchbox', { name: 'Search by name' }).fill(tag.toUpperCase());
    await navigate(page, () => page.getByRole('button', { name: 'Search' }).click());

    assert.deepEqual(await listedNames(page), [...hits].reverse());
    assert.equal(await page.locator('#list-heading .count').textContent(), '(2 matching)');
    assert.equal(await page.getByRole('searchbox').inputValue(), tag.toUpperCase());

    await navigate(page, () => page.getByRole('link', { name: 'Clear' }).click());
    assert.ok((await listedNames(page)).includes('Plain mug'));

    await page.getByRole('searchbox').fill(`${tag} nothing like this`);
    await navigate(page, () => page.getByRole('searchbox').press('Enter'));
    assert.equal(await page.locator('.empty').textContent(), `No product name contains “${tag} nothing like this”.`);
    await close();
  });

  it('when a name has emoji and non-Latin letters, then it round-trips through MySQL unchanged and can be found', async () => {
    const product = buildProduct({ productName: 'Grüner Tee 🍵 緑茶 · чай · شاي · चाय 👩🏽‍🔬' });
    const { page, close } = await openPage(catalog());
    await page.goto('/');

    await addProduct(page, product);

    assert.equal((await listedNames(page))[0], product.productName);
    assert.equal((await catalog().fixture.store.get(product.productId))?.productName, product.productName);
    await page.getByRole('searchbox').fill('चाय 👩🏽‍🔬');
    await navigate(page, () => page.getByRole('button', { name: 'Search' }).click());
    assert.deepEqual(await listedNames(page), [product.productName]);
    await close();
  });

  it('when a name looks like HTML, then it is shown as text, no element is made and no dialog fires', async () => {
    const names = ['<img src=x onerror=alert(1)>', '"><script>alert(2)</script>', "' onmouseover='alert(3)"];
    const { page, dialogs, close } = await openPage(catalog());
    await page.goto('/');

    for (const productName of names) await addProduct(page, buildProduct({ productName }));
    await page.locator('tbody tr').first().hover();
    // Sent back in the form after an error, the name must stay inside the value attribute.
    assert.equal(await addProduct(page, { productName: names[1]!, productId: '' }), 400);
    assert.equal(await page.getByLabel('Product name').inputValue(), names[1]);

    assert.deepEqual((await listedNames(page)).slice(0, 3), [...names].reverse());
    assert.equal(await page.locator('main img, main script, [onerror], [onmouseover]').count(), 0);
    assert.deepEqual(dialogs, []);
    await close();
  });

  it('when Add is clicked again while the first add is still on its way, then only one request goes out and the product is added', async () => {
    const product = buildProduct();
    const { page, close } = await openPage(catalog());
    await page.goto('/');
    await page.getByLabel('Product name').fill(product.productName);
    await page.getByLabel('Product ID').fill(product.productId);
    const posts: string[] = [];
    page.on('request', (r) => void (r.method() === 'POST' && posts.push(r.url())));
    const { host, port, user, password, database } = catalog().fixture.db.config;
    const db = await createConnection({ host, port, user, password, database });
    try {
      // The app's INSERT waits for this lock, so the first add stays in flight while the user clicks again.
      await db.query('LOCK TABLES products WRITE');
      const button = page.getByRole('button', { name: 'Add product' });
      const box = (await button.boundingBox())!;
      const status = await navigate(page, async () => {
        const sent = page.waitForRequest((r) => r.method() === 'POST');
        // noWaitAfter: by default a click waits for the navigation it starts, which the lock holds back.
        await button.click({ noWaitAfter: true });
        await sent;
        // A raw mouse click: locator actions wait while that navigation is pending; a user does not.
        await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
        await db.query('UNLOCK TABLES');
      });

      assert.equal(posts.length, 1, 'requests sent');
      assert.equal(status, 200);
      assert.equal(await statusText(page), `Added product ${product.productId}.`);
    } finally {
      await db.end();
      await close();
    }
  });

  it("when JavaScript runs, then times show in the reader's time zone and the UTC time stays in the tooltip", async () => {
    const product = await catalog().fixture.store.create(buildProduct(), TEST_CONTEXT);
    const { page, close } = await openPage(catalog(), { timezoneId: 'Asia/Tokyo', locale: 'en-GB' });
    await page.goto('/');

    assert.equal((await listedNames(page))[0], product.productName);
    const time = page.locator('td.added time').first();
    const utc = `${product.createdAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
    // Compared by the clock time only: Node's and Chromium's ICU may word the date differently.
    const tokyo = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'Asia/Tokyo' });
    assert.equal(await time.getAttribute('title'), utc);
    const shown = (await time.textContent()) ?? '';
    assert.ok(shown.includes(tokyo.format(product.createdAt)) && !shown.includes('UTC'), `"${shown}" is not Tokyo time`);
    await close();
  });

  it('when the window is 360 px wide, then nothing scrolls sideways, even with the longest name and ID', async () => {
    const longest = { productName: 'W'.repeat(PRODUCT_NAME_MAX), productId: `L${'0'.repeat(PRODUCT_ID_MAX - 1)}` };
    const { page, close } = await openPage(catalog(), { viewport: { width: 360, height: 800 } });
    const overflow = () => page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    await page.goto('/');
    assert.equal(await addProduct(page, longest), 200);
    assert.equal(await overflow(), 0, 'list state');
    assert.equal(await addProduct(page, { ...longest, productName: 'Again' }), 409);
    assert.equal(await overflow(), 0, 'error state');
    await close();
  });

  it('when a notice or a field error appears, then the form does not move, at 1280 and 390 px', async () => {
    for (const width of [1280, 390]) {
      const { page, close } = await openPage(catalog(), { viewport: { width, height: 800 } });
      const formTop = async () => (await page.getByLabel('Product name').boundingBox())!.y;
      await page.goto('/');
      const plain = await formTop();
      await addProduct(page, buildProduct());
      assert.match(await statusText(page), /^Added product/);
      assert.equal(await formTop(), plain, `after a notice at ${width} px`);
      await addProduct(page, { productName: '', productId: 'X-1' });
      assert.equal(await formTop(), plain, `after a field error at ${width} px`);
      await close();
    }
  });
});

describe('the catalog page across pages', await skipUnlessBrowser(), () => {
  const TOTAL = 45;
  const name = (i: number) => `Item ${String(i).padStart(2, '0')}`;
  const range = (from: number, to: number) => Array.from({ length: from - to + 1 }, (_, k) => name(from - k));
  const catalog = catalogForSuite(async ({ fixture }) => {
    for (let i = 1; i <= TOTAL; i++) await fixture.store.create(buildProduct({ productName: name(i) }), TEST_CONTEXT);
  });

  it('when there are 45 products, then Older and Newer walk 3 pages of 20, 20 and 5 without gaps or repeats', async () => {
    const { page, close } = await openPage(catalog());
    const older = page.getByRole('link', { name: 'Older →' });
    const newer = page.getByRole('link', { name: '← Newer' });
    await page.goto('/');

    assert.deepEqual(await listedNames(page), range(45, 26));
    assert.equal(await count(page), TOTAL);
    assert.equal(await newer.count(), 0);

    await navigate(page, () => older.click());
    assert.deepEqual(await listedNames(page), range(25, 6));

    await navigate(page, () => older.click());
    assert.deepEqual(await listedNames(page), range(5, 1));
    assert.equal(await older.count(), 0);
    assert.equal(await count(page), TOTAL);

    await navigate(page, () => newer.click());
    assert.deepEqual(await listedNames(page), range(25, 6));
    await navigate(page, () => newer.click());
    assert.deepEqual(await listedNames(page), range(45, 26));
    assert.equal(await newer.count(), 0);
    await close();
  });

  it('when only the keyboard is used, then Tab reaches every control in order and Enter adds a product', async () => {
    const { page, close } = await openPage(catalog());
    await page.goto('/');
    // Every control a mouse could use, in document order; Tab must visit exactly these.
    const controls = (await page.evaluate(
      `[...document.querySelectorAll('a[href], button, input:not([type=hidden])')].map((e, i) => { e.dataset.order = i; return i; })`,
    )) as number[];
    const visited: string[] = [];
    for (let i = 0; i < controls.length; i++) {
      await page.keyboard.press('Tab');
      visited.push((await page.locator(':focus').getAttribute('data-order')) ?? 'none');
    }
    assert.deepEqual(visited, controls.map(String));

    const product = buildProduct({ productName: 'Typed, not clicked' });
    await page.goto('/');
    // Past the header's links and Sign out button to the first field, by Tab alone.
    for (let i = 0; i < 10 && (await focusedId(page)) !== 'product_name'; i++) await page.keyboard.press('Tab');
    await page.keyboard.type(product.productName);
    await page.keyboard.press('Tab');
    await page.keyboard.type(product.productId);
    assert.equal(await navigate(page, () => page.keyboard.press('Enter')), 200);
    assert.equal(await statusText(page), `Added product ${product.productId}.`);
    assert.equal((await listedNames(page))[0], product.productName);
    await close();
  });
});

describe('the catalog page with JavaScript disabled', await skipUnlessBrowser(), () => {
  const catalog = catalogForSuite();

  it('when JavaScript is off, then adding, errors, search, paging and delete all still work', async () => {
    const { page, close } = await openPage(catalog(), { javaScriptEnabled: false });
    await page.goto('/');
    assert.equal(await page.locator('.empty').textContent(), 'No products yet. Add the first one above.');

    const product = buildProduct({ productName: 'No-script tea 🍵' });
    assert.equal(await addProduct(page, product), 200);
    assert.equal(await statusText(page), `Added product ${product.productId}.`);
    // The enhancement script did not run: the time is still the server's UTC text.
    assert.match((await page.locator('td.added time').first().textContent()) ?? '', / UTC$/);

    assert.equal(await addProduct(page, { productName: 'Second', productId: product.productId }), 409);
    assert.equal(await page.locator('#product_id-error').textContent(), `A product with ID '${product.productId}' already exists.`);
    await waitForFocus(page, 'product_id');
    assert.equal(await page.getByLabel('Product name').inputValue(), 'Second');

    for (let i = 1; i <= 20; i++) await catalog().fixture.store.create(buildProduct({ productName: `Filler ${i}` }), TEST_CONTEXT);
    await page.goto('/');
    await navigate(page, () => page.getByRole('link', { name: 'Older →' }).click());
    assert.deepEqual(await listedNames(page), [product.productName]);

    await page.getByRole('searchbox').fill('no-script');
    await navigate(page, () => page.getByRole('button', { name: 'Search' }).click());
    assert.deepEqual(await listedNames(page), [product.productName]);

    await navigate(page, () => page.getByRole('button', { name: `Delete ${product.productName} (${product.productId})` }).click());
    assert.equal(await statusText(page), `Deleted product ${product.productId}.`);
    assert.equal(await catalog().fixture.store.get(product.productId), undefined);
    await close();
  });
});
