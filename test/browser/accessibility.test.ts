import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import {
  addProduct,
  catalogForSuite,
  closeBrowser,
  openPage,
  seriousAxeViolations,
  signInWithForm,
  skipUnlessBrowser,
  statusText,
} from './harness.js';
import { TEST_CONTEXT } from '../support/auth.js';

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
          const product = { productId: 'SKU-1008', productName: 'Hand grinder, steel burrs' };
          await stocked().fixture.store.remove(product.productId, TEST_CONTEXT);
          await addProduct(page, product);
          assert.equal(await statusText(page), `Added product ${product.productId}.`);
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
