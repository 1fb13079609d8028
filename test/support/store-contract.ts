import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  DuplicateProductIdError,
  ImportConflictError,
  type ImportBatchResult,
  type ImportRow,
  type ProductStore,
  type StoredProduct,
  VersionMismatchError,
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

      const p1 = await store.listPage({ limit: 3, search: tag });
      const p2 = await store.listPage({ limit: 3, search: tag, olderThan: p1.items.at(-1)!.seq });
      const p3 = await store.listPage({ limit: 3, search: tag, olderThan: p2.items.at(-1)!.seq });
      assert.deepEqual([...p1.items, ...p2.items, ...p3.items].map((p) => p.productId), newestFirst);
      assert.deepEqual([p1.hasNewer, p1.hasOlder, p2.hasOlder, p3.hasOlder], [false, true, true, false]);

      const back = await store.listPage({ limit: 3, search: tag, newerThan: p3.items[0]!.seq });
      assert.deepEqual(back.items.map((p) => p.productId), newestFirst.slice(3, 6));
      assert.deepEqual([back.hasNewer, back.hasOlder], [true, true]);
    });

    it('when searching, then only names containing the text match, ignoring case and treating % and _ literally', async () => {
      const tag = `srch${Date.now()}`;
      await store.create(buildProduct({ productName: `${tag} Green Apple` }), TEST_CONTEXT);
      await store.create(buildProduct({ productName: `${tag} apple pie 50%` }), TEST_CONTEXT);
      await store.create(buildProduct({ productName: `${tag} Banana_split` }), TEST_CONTEXT);
      const names = async (q: string) => (await store.listPage({ limit: 10, search: q })).items.map((p) => p.productName).sort();
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

    it('when a product is created and changed, then its version starts at 1 and grows by one per change, with updatedAt', async () => {
      const created = await store.create(buildProduct(), TEST_CONTEXT);
      assert.deepEqual([created.version, created.updatedAt.getTime()], [1, created.createdAt.getTime()]);
      const renamed = await store.rename(created.productId, 'Second name', TEST_CONTEXT);
      assert.equal(renamed?.version, 2);
      assert.ok(renamed!.updatedAt.getTime() >= created.createdAt.getTime());
      const same = await store.rename(created.productId, 'Second name', TEST_CONTEXT);
      assert.equal(same?.version, 2, 'the same name again is no change');
      const stored = await store.get(created.productId);
      assert.deepEqual([stored?.version, stored?.updatedAt.getTime()], [2, renamed!.updatedAt.getTime()]);
    });

    it('when a rename or remove names another version, then it throws VersionMismatchError with the current product and changes nothing', async () => {
      const created = await store.create(buildProduct({ productName: 'Kept' }), TEST_CONTEXT);
      await store.rename(created.productId, 'Moved on', TEST_CONTEXT);
      for (const change of [() => store.rename(created.productId, 'Stale', TEST_CONTEXT, 1), () => store.remove(created.productId, TEST_CONTEXT, 1)]) {
        await assert.rejects(change(), (error: unknown) => {
          assert.ok(error instanceof VersionMismatchError);
          assert.deepEqual([error.current.productName, error.current.version], ['Moved on', 2]);
          return true;
        });
      }
      assert.deepEqual([(await store.get(created.productId))?.productName, (await store.get(created.productId))?.version], ['Moved on', 2]);
      assert.equal((await store.rename(created.productId, 'Current', TEST_CONTEXT, 2))?.version, 3);
      assert.equal((await store.remove(created.productId, TEST_CONTEXT, 3))?.version, 4);
    });

    it('when 10 renames race with the same version, then exactly one wins and the rest see the new version', async () => {
      const { productId } = await store.create(buildProduct(), TEST_CONTEXT);
      const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => store.rename(productId, `racer ${i}`, TEST_CONTEXT, 1)));
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as VersionMismatchError).current.version, 2);
    });

    it('when removed, then the product is in the trash: out of get, the list, the count and search, with who and when', async () => {
      const tag = `trash${Date.now()}`;
      const created = await store.create(buildProduct({ productName: `${tag} bin` }), TEST_CONTEXT);
      const countBefore = await store.count();
      const startedAt = Date.now();
      const trashed = await store.remove(created.productId, context);
      assert.deepEqual([trashed?.productName, trashed?.deletedBy, trashed?.version], [`${tag} bin`, 'auditor', 2]);
      assert.ok(trashed!.deletedAt.getTime() >= startedAt - 1000);
      assert.equal(await store.get(created.productId), undefined);
      assert.equal(await store.count(), countBefore - 1);
      assert.equal(await store.count(tag), 0);
      assert.deepEqual((await store.listPage({ limit: 10, search: tag })).items, []);
      const inTrash = await store.getTrashed(created.productId);
      assert.deepEqual(
        [inTrash?.productName, inTrash?.deletedBy, inTrash?.deletedAt.getTime(), inTrash?.seq],
        [`${tag} bin`, 'auditor', trashed!.deletedAt.getTime(), created.seq],
      );
      assert.equal(await store.rename(created.productId, 'x', TEST_CONTEXT), undefined, 'a trashed product cannot be renamed');
      assert.equal(await store.getTrashed((await store.create(buildProduct(), TEST_CONTEXT)).productId), undefined, 'a live product is not in the trash');
    });

    it('when an ID is in the trash, then create says so (inTrash) and an import counts it as existing', async () => {
      const created = await store.create(buildProduct(), TEST_CONTEXT);
      await store.remove(created.productId, TEST_CONTEXT);
      await assert.rejects(store.create({ productId: created.productId, productName: 'Again' }, TEST_CONTEXT), (error: unknown) => {
        assert.ok(error instanceof DuplicateProductIdError);
        assert.equal(error.inTrash, true);
        assert.match(error.message, /in the trash/);
        return true;
      });
      const live = await store.create(buildProduct(), TEST_CONTEXT);
      await assert.rejects(store.create({ productId: live.productId, productName: 'Again' }, TEST_CONTEXT), (error: unknown) => (error as DuplicateProductIdError).inTrash === false);
      const result = await store.importProducts(context, async (importer) => ({
        commit: false,
        value: await importer.add([{ line: 2, productId: created.productId, productName: 'Imported' }]),
      }));
      assert.deepEqual(result.existing.map((r) => r.line), [2]);
    });

    it('when restored, then the product is back at its old place with a new version, counted, and restoring again says undefined', async () => {
      const tag = `restore${Date.now()}`;
      const created = await store.create(buildProduct({ productName: `${tag} back` }), TEST_CONTEXT);
      await store.create(buildProduct({ productName: `${tag} newer` }), TEST_CONTEXT);
      await store.remove(created.productId, TEST_CONTEXT);
      const countBefore = await store.count();
      const restored = await store.restore(created.productId, context);
      assert.deepEqual([restored?.productName, restored?.version, restored?.seq], [`${tag} back`, 3, created.seq]);
      assert.equal((await store.get(created.productId))?.version, 3);
      assert.equal(await store.getTrashed(created.productId), undefined);
      assert.equal(await store.count(), countBefore + 1);
      assert.deepEqual((await store.listPage({ limit: 10, search: tag })).items.map((p) => p.productName), [`${tag} newer`, `${tag} back`]);
      assert.equal(await store.restore(created.productId, context), undefined);
      assert.equal(await store.restore('missing-product', context), undefined);
      const { events } = await stores.audit.list({ productId: created.productId, limit: 10 });
      assert.deepEqual(events.map((e) => e.action), ['product.restore', 'product.delete', 'product.create']);
      assert.deepEqual([events[0]?.after, events[0]?.actor?.username], [{ productName: `${tag} back` }, 'auditor']);
    });

    it('when paging the trash, then the most recently deleted come first, without gaps or repeats, in both directions', async () => {
      const made: StoredProduct[] = [];
      for (let i = 0; i < 5; i++) made.push(await store.create(buildProduct(), TEST_CONTEXT));
      for (const p of made) await store.remove(p.productId, TEST_CONTEXT);
      const mine = new Set(made.map((p) => p.productId));
      const pages = [await store.listTrash({ limit: 2 })];
      while (pages.at(-1)!.hasOlder) {
        const last = pages.at(-1)!.items.at(-1)!;
        pages.push(await store.listTrash({ limit: 2, olderThan: last }));
      }
      const walked = pages.flatMap((p) => p.items);
      assert.equal(new Set(walked.map((p) => p.productId)).size, walked.length, 'none twice');
      assert.deepEqual(walked.filter((p) => mine.has(p.productId)).map((p) => p.productId), made.map((p) => p.productId).reverse());
      for (let i = 1; i < walked.length; i++) assert.ok(walked[i - 1]!.deletedAt >= walked[i]!.deletedAt, 'newest deletion first');
      assert.deepEqual([pages[0]!.hasNewer, pages.at(-1)!.hasOlder], [false, false]);
      if (pages.length > 2) {
        const back = await store.listTrash({ limit: 2, newerThan: pages[2]!.items[0]! });
        assert.deepEqual(back.items.map((p) => p.productId), pages[1]!.items.map((p) => p.productId));
        assert.deepEqual([back.hasNewer, back.hasOlder], [true, true]);
      }
    });

    it('when purged, then a trashed product is gone for good and its ID is free; a live one cannot be purged', async () => {
      const created = await store.create(buildProduct(), TEST_CONTEXT);
      assert.equal(await store.purge(created.productId, context), undefined, 'not in the trash');
      assert.ok(await store.get(created.productId));
      await store.remove(created.productId, TEST_CONTEXT);
      const countInTrash = await store.count();
      assert.equal((await store.purge(created.productId, context))?.productName, created.productName);
      assert.equal(await store.getTrashed(created.productId), undefined);
      assert.equal(await store.count(), countInTrash, 'the trash was not counted');
      assert.equal((await store.create({ productId: created.productId, productName: 'Reborn' }, TEST_CONTEXT)).version, 1);
      const { events } = await stores.audit.list({ productId: created.productId, limit: 10 });
      assert.deepEqual(events.map((e) => e.action).slice(0, 2), ['product.create', 'product.purge']);
    });

    it('when the trash is swept, then only products deleted before the cutoff are purged, at most the limit, each recorded', async () => {
      const older = await store.create(buildProduct(), TEST_CONTEXT);
      await store.remove(older.productId, TEST_CONTEXT);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const newer = await store.create(buildProduct(), TEST_CONTEXT);
      const { deletedAt: cutoff } = (await store.remove(newer.productId, TEST_CONTEXT))!;
      assert.equal(await store.sweepTrash(cutoff, 0 + 1) <= 1, true);
      while ((await store.sweepTrash(cutoff, 100)) > 0);
      assert.equal(await store.getTrashed(older.productId), undefined);
      assert.ok(await store.getTrashed(newer.productId), 'deleted at the cutoff: kept');
      const { events } = await stores.audit.list({ productId: older.productId, limit: 10 });
      assert.deepEqual([events[0]?.action, events[0]?.actor, events[0]?.before], ['product.purge', undefined, { productName: older.productName }]);
    });

    it('when searching, then the text matches IDs as well as names, ignoring case', async () => {
      const tag = `ID${Date.now()}`;
      const byId = await store.create({ productId: `${tag}-X1`, productName: 'Plain name' }, TEST_CONTEXT);
      await store.create(buildProduct({ productName: `named ${tag.toLowerCase()}` }), TEST_CONTEXT);
      const found = (await store.listPage({ limit: 10, search: tag.toLowerCase() })).items;
      assert.equal(found.length, 2);
      assert.ok(found.some((p) => p.productId === byId.productId));
      assert.equal(await store.count(`${tag}-x1`), 1);
      assert.equal(await store.count(tag, 1), 1);
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
