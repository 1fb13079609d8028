import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { catalogForSuite, closeBrowser, navigate, openPage, seriousAxeViolations, skipUnlessBrowser, statusText } from './harness.js';
import { buildProduct } from '../support/factory.js';

after(closeBrowser);

describe('the import page in Chromium', await skipUnlessBrowser(), () => {
  const catalog = catalogForSuite();

  it('when an editor follows Import, chooses a CSV file and submits, then the report says what was imported, and the page has no serious axe violations', async () => {
    const { page, close } = await openPage(catalog());
    await page.goto('/');
    await navigate(page, () => page.getByRole('link', { name: 'Import a file…' }).click());
    assert.deepEqual(await seriousAxeViolations(page), [], 'the form');

    const products = [buildProduct({ productName: '=SUM(1,2) "quoted" ☕' }), buildProduct()];
    const csv = `product_id,product_name\r\n${products.map((p) => `${p.productId},"${p.productName.replace(/"/g, '""')}"`).join('\r\n')}\r\n`;
    await page.locator('input#file').setInputFiles({ name: 'products.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    assert.equal(await navigate(page, () => page.getByRole('button', { name: 'Import' }).click()), 200);
    assert.equal(await statusText(page), 'Imported 2 products.');
    assert.deepEqual(await seriousAxeViolations(page), [], 'the report');
    for (const p of products) assert.equal((await catalog().fixture.store.get(p.productId))?.productName, p.productName);

    // The same file again, all or nothing: refused, with each line named.
    assert.equal(await navigate(page, async () => {
      await page.locator('input#file').setInputFiles({ name: 'products.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
      await page.getByRole('button', { name: 'Import' }).click();
    }), 409);
    assert.match((await page.getByRole('alert').first().textContent()) ?? '', /2 product IDs in the file exist already; nothing was imported/);
    assert.deepEqual(await page.locator('table.problems tbody td:first-child').allTextContents(), ['2', '3'], 'each line named');
    assert.deepEqual(await seriousAxeViolations(page), [], 'the problems');
    await close();
  });

  it('when the catalog page is open, then the Export links download dated files', async () => {
    const { page, close } = await openPage(catalog(), {}, null);
    await page.goto('/');
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'CSV' }).click();
    assert.match((await download).suggestedFilename(), /^products-\d{4}-\d{2}-\d{2}\.csv$/);
    await close();
  });
});
