import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { PROBLEM_TYPES } from '../../web/http/problems.js';
import { catalogForSuite, closeBrowser, openPage, seriousAxeViolations, skipUnlessBrowser } from './harness.js';

after(closeBrowser);

describe('the problem type pages and the 405 page in Chromium', await skipUnlessBrowser(), () => {
  const catalog = catalogForSuite();

  for (const colorScheme of ['light', 'dark'] as const) {
    for (const width of [1280, 360]) {
      it(`when seen ${width} px wide in the ${colorScheme} scheme, then the problem pages and a 405 have no serious axe violations and nothing scrolls sideways`, async () => {
        const { page, close } = await openPage(catalog(), { colorScheme, viewport: { width, height: 800 } }, null);
        const noSideways = async () => assert.equal(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth'), true);

        assert.equal((await page.goto('/problems/version-mismatch'))?.status(), 200);
        assert.equal(await page.locator('h1').textContent(), PROBLEM_TYPES['version-mismatch'].title);
        assert.deepEqual(await seriousAxeViolations(page), [], 'a problem type');
        await noSideways();

        assert.equal((await page.goto('/problems'))?.status(), 200);
        assert.deepEqual(await seriousAxeViolations(page), [], 'the list of problem types');
        await page.getByRole('link', { name: PROBLEM_TYPES['in-trash'].title }).click();
        await page.waitForURL('**/problems/in-trash');

        const wrongMethod = await page.goto('/products/x/delete');
        assert.equal(wrongMethod?.status(), 405);
        assert.equal(await wrongMethod?.headerValue('allow'), 'POST');
        assert.deepEqual(await seriousAxeViolations(page), [], 'the 405 page');
        await page.getByRole('link', { name: 'What this error means' }).click();
        await page.waitForURL('**/problems/method-not-allowed');
        await noSideways();
        await close();
      });
    }
  }
});
