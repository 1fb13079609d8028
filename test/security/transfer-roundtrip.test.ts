import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { checkNewProduct } from '../../web/catalog/validation.js';
import { PRODUCT_ID_MAX } from '../../web/limits.js';
import type { StoreFixture } from '../support/app.js';
import { apiClient, type ApiClient } from '../support/auth.js';
import { storeFixtures } from '../support/fixtures.js';
import { exportFile, importFile } from '../support/transfer.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 60);

/** Every name a single create accepts, with the starts that spreadsheets and CSV care about mixed in. */
const acceptedName = fc
  .oneof(
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
    fc.tuple(fc.constantFrom('=', '+', '-', '@', "'", "''", "'=", '"', ',', '\t', ' '), fc.string({ unit: 'grapheme', maxLength: 30 })).map(([a, b]) => a + b),
  )
  .filter((name) => checkNewProduct({ productId: 'x', productName: name }).ok)
  .map((name) => name.trim());
const acceptedId = fc.stringMatching(new RegExp(`^[A-Za-z0-9][A-Za-z0-9._-]{0,${PRODUCT_ID_MAX - 12}}$`));

for (const kind of await storeFixtures()) {
  describe(`export → import round trip on the ${kind.name} store`, () => {
    let source: StoreFixture;
    let target: StoreFixture;
    let from: ApiClient;
    let to: ApiClient;
    before(async () => {
      [source, target] = await Promise.all([kind.open(), kind.open()]);
      [from, to] = await Promise.all([apiClient(source.app, source.stores, 'editor'), apiClient(target.app, target.stores, 'editor')]);
    });
    after(async () => Promise.all([source?.close(), target?.close()]));

    it('when any products the validation accepts are exported and imported, in either format, then every ID, name and time arrives unchanged', async () => {
      let run = 0;
      let total = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(acceptedId, acceptedName), { minLength: 1, maxLength: 4 }), fc.constantFrom('csv' as const, 'ndjson' as const), async (products, format) => {
          run++;
          const made = products.map(([id, productName], i) => ({ productId: `${id}-${run}-${i}`, productName }));
          for (const p of made) await from.post('/api/products').send(p).expect(201);
          const file = (await exportFile(from, format).expect(200)).body as string;
          // The target holds the earlier runs' products already: skip-existing brings in only the new ones.
          const res = await importFile(to, file, format === 'csv' ? 'text/csv' : 'application/x-ndjson', '?mode=skip-existing');
          assert.equal(res.status, 200, res.text);
          assert.deepEqual([res.body.created, res.body.skipped], [made.length, total]);
          total += made.length;
          for (const p of made) {
            const [a, b] = await Promise.all([source.store.get(p.productId), target.store.get(p.productId)]);
            assert.deepEqual([b?.productName, b?.createdAt.toISOString()], [a?.productName, a?.createdAt.toISOString()], JSON.stringify(p));
            assert.equal(b?.productName, p.productName);
          }
        }),
        { numRuns: RUNS },
      );
      for (const format of ['csv', 'ndjson'] as const) {
        const [a, b] = await Promise.all([exportFile(from, format), exportFile(to, format)]);
        assert.equal(b.body, a.body, `the ${format} exports of both catalogs are the same, byte for byte`);
      }
    });
  });
}
