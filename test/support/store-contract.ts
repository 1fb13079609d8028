import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  DuplicateProductIdError,
  ImportConflictError,
  type ImportBatchResult,
  type ImportRow,
  type ProductStore,
  type StoredProduct,
} from '../../web/catalog/product-store.js';
import type { Stores } from '../../web/stores.js';
import { buildProduct } from './factory.js';
import { TEST_CONTEXT } from './auth.js';

/** The behaviour every ProductStore must have; run by each store's test file. */
export function describeStoreContract(
  name: string,
  open: () => Promise<{ stores: Stores; close: () => Promise<void> }>,
  options: { skip: string | false } = { skip: false },
) {
  describe(`${name} store contract`, options, () => {
    let stores: Stores;
    let store: ProductStore;
    let close: () => Promise<void>;
    before(async () => {
      ({ stores, close } = await open());
      store = stores.products;
    });
    after(async () => close?.());

    const actor = { userId: 7, username: 'auditor', role: 'editor' as const, via: 'token' as const, tokenId: 3 };
    const context = { actor, clientIp: '192.0.2.1', requestId: 'req-contract' };

    it('when a product is created, renamed and removed, then each change is in the audit trail with who, what and from where', async () => {
      const { productId } = await store.create(buildProduct({ productName: 'Before' }), context);
      await store.rename(productId, 'After', context);
      await store.rename(productId, 'After', context); // no change, no event
      await store.remove(productId, context);
      const { events } = await stores.audit.list({ productId, limit: 10 });
      assert.deepEqual(
        events.map((e) => [e.action, e.before ?? null, e.after ?? null]),
        [
          ['product.delete', { productName: 'After' }, null],
          ['product.rename', { productName: 'Before' }, { productName: 'After' }],
          ['product.create', null, { productName: 'Before' }],
        ],
      );
      for (const e of events) {
        assert.deepEqual(e.actor, { userId: 7, username: 'auditor', tokenId: 3 });
        assert.deepEqual([e.target, e.clientIp, e.requestId], [{ type: 'product', id: productId }, '192.0.2.1', 'req-contract']);
        assert.ok(e.at instanceof Date && Math.abs(e.at.getTime() - Date.now()) < 60_000);
      }
    });

    it('when a create fails on a duplicate ID, then nothing is recorded for it', async () => {
      const first = await store.create(buildProduct(), context);
      await assert.rejects(store.create({ productId: first.productId, productName: 'Again' }, context), DuplicateProductIdError);
      const { events } = await stores.audit.list({ productId: first.productId, limit: 10 });
      assert.deepEqual(events.map((e) => e.action), ['product.create']);
    });

    it('when a product is created, then get returns it with its creation time', async () => {
      const input = buildProduct({ productName: 'Tea ☕ чай 茶' });
      const created = await store.create(input, TEST_CONTEXT);
      assert.equal(created.productId, input.productId);
      assert.ok(created.createdAt instanceof Date);
      const found = await store.get(input.productId);
      assert.deepEqual(
        { id: found?.productId, name: found?.productName, at: found?.createdAt.getTime(), seq: found?.seq },
        { id: input.productId, name: 'Tea ☕ чай 茶', at: created.createdAt.getTime(), seq: created.seq },
      );
    });

    it('when an ID is taken, then create throws DuplicateProductIdError and keeps the first', async () => {
      const first = await store.create(buildProduct(), TEST_CONTEXT);
      await assert.rejects(store.create({ productId: first.productId, productName: 'Other' }, TEST_CONTEXT), DuplicateProductIdError);
      assert.equal((await store.get(first.productId))?.productName, first.productName);
    });

    it('when IDs differ only in case, then both are kept', async () => {
      const base = buildProduct().productId;
      await store.create({ productId: `${base}-abc`, productName: 'lower' }, TEST_CONTEXT);
      await store.create({ productId: `${base}-ABC`, productName: 'upper' }, TEST_CONTEXT);
      assert.equal((await store.get(`${base}-abc`))?.productName, 'lower');
      assert.equal((await store.get(`${base}-ABC`))?.productName, 'upper');
    });

    it('when a product is absent, then get, rename and remove say so', async () => {
      assert.equal(await store.get('missing-product'), undefined);
      assert.equal(await store.rename('missing-product', 'x', TEST_CONTEXT), undefined);
      assert.equal(await store.remove('missing-product', TEST_CONTEXT), undefined);
    });

    it('when renamed, then the new name is stored and the ID and time stay', async () => {
      const created = await store.create(buildProduct(), TEST_CONTEXT);
      const renamed = await store.rename(created.productId, 'Renamed', TEST_CONTEXT);
      assert.equal(renamed?.productName, 'Renamed');
      assert.equal(renamed?.createdAt.getTime(), created.createdAt.getTime());
      assert.equal((await store.get(created.productId))?.productName, 'Renamed');
    });

    it('when removed, then it is gone, remove returned it, and removing again returns undefined', async () => {
      const created = await store.create(buildProduct(), TEST_CONTEXT);
      assert.equal((await store.remove(created.productId, TEST_CONTEXT))?.productName, created.productName);
      assert.equal(await store.get(created.productId), undefined);
      assert.equal(await store.remove(created.productId, TEST_CONTEXT), undefined);
    });

    it('when paging, then pages run newest first without gaps or repeats, in both directions', async () => {
      const tag = `pagetest${Date.now()}`;
      const made = [];
      for (let i = 0; i < 7; i++) made.push(await store.create(buildProduct({ productName: `${tag} ${i}` }), TEST_CONTEXT));
      const newestFirst = made.map((p) => p.productId).reverse();

      const p1 = await store.listPage({ limit: 3, nameContains: tag });
      const p2 = await store.listPage({ limit: 3, nameContains: tag, olderThan: p1.items.at(-1)!.seq });
      const p3 = await store.listPage({ limit: 3, nameContains: tag, olderThan: p2.items.at(-1)!.seq });
      assert.deepEqual([...p1.items, ...p2.items, ...p3.items].map((p) => p.productId), newestFirst);
      assert.deepEqual([p1.hasNewer, p1.hasOlder, p2.hasOlder, p3.hasOlder], [false, true, true, false]);

      const back = await store.listPage({ limit: 3, nameContains: tag, newerThan: p3.items[0]!.seq });
      assert.deepEqual(back.items.map((p) => p.productId), newestFirst.slice(3, 6));
      assert.deepEqual([back.hasNewer, back.hasOlder], [true, true]);
    });

    it('when searching, then only names containing the text match, ignoring case and treating % and _ literally', async () => {
      const tag = `srch${Date.now()}`;
      await store.create(buildProduct({ productName: `${tag} Green Apple` }), TEST_CONTEXT);
      await store.create(buildProduct({ productName: `${tag} apple pie 50%` }), TEST_CONTEXT);
      await store.create(buildProduct({ productName: `${tag} Banana_split` }), TEST_CONTEXT);
      const names = async (q: string) => (await store.listPage({ limit: 10, nameContains: q })).items.map((p) => p.productName).sort();
      assert.deepEqual(await names(`${tag} green`), [`${tag} Green Apple`]);
      assert.equal((await names('APPLE')).filter((n) => n.startsWith(tag)).length, 2);
      assert.deepEqual(await names(`${tag} apple pie 50%`), [`${tag} apple pie 50%`]);
      assert.deepEqual(await names(`${tag} %`), []);
      assert.deepEqual(await names(`a_split`), [`${tag} Banana_split`]);
      assert.equal(await store.count(`${tag} `), 3);
    });

    it('when counting, then every product is counted once', async () => {
      const before = await store.count();
      await store.create(buildProduct(), TEST_CONTEXT);
      assert.equal(await store.count(), before + 1);
    });

    it('when the list page reads its page with the total, then they match listPage and count, also past either end', async () => {
      await store.create(buildProduct(), TEST_CONTEXT);
      const newest = await store.listPage({ limit: 2 });
      assert.deepEqual(await store.listPageWithTotal({ limit: 2 }), [newest, await store.count()]);
      const older = { limit: 2, olderThan: newest.items.at(-1)!.seq };
      assert.deepEqual(await store.listPageWithTotal(older), [await store.listPage(older), await store.count()]);
      for (const beyond of [{ limit: 2, olderThan: 1 }, { limit: 2, newerThan: newest.items[0]!.seq }]) {
        const [page, total] = await store.listPageWithTotal(beyond);
        assert.deepEqual([page.items, total], [[], await store.count()]);
      }
    });

    /** Every product, walking the export's keyset batches `size` at a time. */
    async function exportAll(size: number): Promise<StoredProduct[]> {
      const all: StoredProduct[] = [];
      for (let batch = await store.exportBatch(0, size); batch.length; batch = await store.exportBatch(batch.at(-1)!.seq, size)) {
        assert.ok(batch.length <= size);
        all.push(...batch);
      }
      return all;
    }
    const importRows = (n: number, tag = buildProduct().productId): ImportRow[] =>
      Array.from({ length: n }, (_, i) => ({ line: i + 2, productId: `${tag}-${i}`, productName: `Imported ${i}` }));
    const importEvents = async () => (await stores.audit.list({ action: 'product.import', limit: 100 })).events;

    it('when exporting in keyset batches, then every product comes once, in the order added, and a removed one is gone', async () => {
      const made: StoredProduct[] = [];
      for (let i = 0; i < 5; i++) made.push(await store.create(buildProduct(), TEST_CONTEXT));
      await store.remove(made[2]!.productId, TEST_CONTEXT);
      const all = await exportAll(2);
      const seqs = all.map((p) => p.seq);
      assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'in the order added');
      assert.equal(new Set(all.map((p) => p.productId)).size, all.length, 'none twice');
      assert.equal(all.length, await store.count());
      const mine = all.filter((p) => made.some((m) => m.productId === p.productId));
      assert.deepEqual(mine.map((p) => p.productId), [made[0], made[1], made[3], made[4]].map((p) => p!.productId));
      assert.deepEqual(mine.map((p) => [p.productName, p.createdAt.getTime()]), [made[0], made[1], made[3], made[4]].map((p) => [p!.productName, p!.createdAt.getTime()]));
      assert.deepEqual(await store.exportBatch(all.at(-1)!.seq, 10), []);
    });

    it('when an import commits, then its rows are stored in file order with their times, counted, and recorded as one audit event', async () => {
      const countBefore = await store.count();
      const eventsBefore = (await importEvents()).length;
      const rows = importRows(3);
      const given = new Date('2001-02-03T04:05:06.789Z');
      const withTime = { ...rows[2]!, createdAt: given };
      const startedAt = Date.now();
      const results = await store.importProducts(context, async (importer) => {
        const found = [await importer.add(rows.slice(0, 2)), await importer.add([withTime])];
        return { commit: true, value: found, summary: { created: 3, format: 'csv' } };
      });
      assert.deepEqual(results.map((r) => r.accepted), [2, 1]);
      assert.equal(await store.count(), countBefore + 3);
      const stored = await Promise.all(rows.map((r) => store.get(r.productId)));
      assert.deepEqual(stored.map((p) => p?.productName), rows.map((r) => r.productName));
      assert.equal(stored[2]?.createdAt.toISOString(), given.toISOString());
      assert.ok(stored[0]!.createdAt.getTime() >= startedAt - 1000, 'a row without a time gets the time of the import');
      const tail = (await exportAll(1000)).slice(-3);
      assert.deepEqual(tail.map((p) => p.productId), rows.map((r) => r.productId), 'in file order');
      const events = await importEvents();
      assert.equal(events.length, eventsBefore + 1);
      assert.deepEqual([events[0]?.target, events[0]?.after, events[0]?.actor?.username], [{ type: 'catalog', id: 'products' }, { created: 3, format: 'csv' }, 'auditor']);
    });

    it('when rows name an existing ID or repeat one of the file, then the importer reports their lines and takes the others', async () => {
      const existing = await store.create(buildProduct(), TEST_CONTEXT);
      // More rows than a statement takes, so a repeat meets an inserted row as well as a pending one.
      const rows = importRows(1200);
      const results: ImportBatchResult[] = [];
      await store.importProducts(context, async (importer) => {
        results.push(await importer.add([...rows.slice(0, 1100), { line: 1102, productId: existing.productId, productName: 'x' }]));
        results.push(await importer.add([...rows.slice(1100), { ...rows[0]!, line: 1203 }, { ...rows[1150]!, line: 1204 }, { line: 1205, productId: existing.productId, productName: 'y' }]));
        return { commit: false, value: undefined };
      });
      assert.deepEqual(results.map((r) => r.accepted), [1100, 100]);
      assert.deepEqual(results.map((r) => r.existing.map((e) => e.line)), [[1102], [1205]]);
      assert.deepEqual(results.map((r) => r.repeated.map((e) => e.line)), [[], [1203, 1204]]);
    });

    it('when an import does not commit, or its feed throws, then nothing of it is stored, counted or recorded', async () => {
      const countBefore = await store.count();
      const eventsBefore = (await importEvents()).length;
      const kept = importRows(1500);
      const value = await store.importProducts(context, async (importer) => {
        await importer.add(kept);
        return { commit: false, value: 'rolled back' };
      });
      assert.equal(value, 'rolled back');
      const thrown = importRows(3);
      await assert.rejects(
        store.importProducts(context, async (importer) => {
          await importer.add(thrown);
          throw new Error('the upload broke off');
        }),
        /broke off/,
      );
      assert.equal(await store.count(), countBefore);
      assert.equal((await importEvents()).length, eventsBefore);
      for (const r of [kept[0]!, kept[1499]!, thrown[0]!]) assert.equal(await store.get(r.productId), undefined);
    });

    it('when someone else creates one of its IDs before it commits, then the import fails with ImportConflictError and stores nothing', async () => {
      const countBefore = await store.count();
      const rows = importRows(3);
      await assert.rejects(
        store.importProducts(context, async (importer) => {
          await importer.add(rows);
          await store.create({ productId: rows[1]!.productId, productName: 'first' }, TEST_CONTEXT);
          return { commit: true, value: undefined, summary: {} };
        }),
        ImportConflictError,
      );
      assert.equal(await store.count(), countBefore + 1);
      assert.equal((await store.get(rows[1]!.productId))?.productName, 'first');
      assert.equal(await store.get(rows[0]!.productId), undefined);
    });

    it('when 20 creates of one ID race, then exactly one wins', async () => {
      const { productId } = buildProduct();
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => store.create({ productId, productName: `racer ${i}` }, TEST_CONTEXT)),
      );
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      for (const r of results) if (r.status === 'rejected') assert.ok(r.reason instanceof DuplicateProductIdError);
    });
  });
}
