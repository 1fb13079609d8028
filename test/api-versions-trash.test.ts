import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type supertest from 'supertest';
import { SEARCH_COUNT_CAP } from '../web/limits.js';
import type { StoreFixture } from './support/app.js';
import { apiClient, type ApiClient } from './support/auth.js';
import { buildProduct } from './support/factory.js';
import { storeFixtures } from './support/fixtures.js';

const PROBLEM = /^application\/problem\+json/;
const MERGE_PATCH = 'application/merge-patch+json';

/** Each Link relation's URL, by rel. */
function links(res: supertest.Response): Record<string, string> {
  const header = res.headers.link ?? '';
  return Object.fromEntries([...header.matchAll(/<([^>]+)>; rel="(\w+)"/g)].map((m) => [m[2]!, m[1]!]));
}

for (const kind of await storeFixtures()) {
  describe(`API versions, conditional requests and the trash on the ${kind.name} store`, () => {
    let fx: StoreFixture;
    let api: ApiClient & { account: { username: string } };
    let admin: ApiClient;
    before(async () => {
      fx = await kind.open();
      api = await apiClient(fx.app, fx.stores, 'editor');
      admin = await apiClient(fx.app, fx.stores, 'admin');
    });
    after(async () => fx?.close());

    const create = async (overrides: Partial<{ productId: string; productName: string }> = {}) =>
      (await api.post('/api/products').send(buildProduct(overrides)).expect(201)).body as { productId: string; productName: string; version: number };
    const item = (id: string) => `/api/products/${encodeURIComponent(id)}`;

    describe('versions and ETags', () => {
      it('when a product is created and read, then it has version 1, updatedAt and the strong ETag "v1"', async () => {
        const created = await api.post('/api/products').send(buildProduct()).expect(201);
        assert.equal(created.headers.etag, '"v1"');
        assert.equal(created.body.version, 1);
        assert.equal(created.body.updatedAt, created.body.createdAt);
        const res = await api.get(item(created.body.productId)).expect(200);
        assert.equal(res.headers.etag, '"v1"');
        assert.deepEqual(res.body, created.body);
      });

      it('when If-None-Match names the current ETag (strong, weak or *), then 304 without a body; otherwise 200', async () => {
        const p = await create();
        for (const tag of ['"v1"', 'W/"v1"', '"v9", "v1"', '*']) {
          const res = await api.get(item(p.productId)).set('If-None-Match', tag).expect(304);
          assert.equal(res.text ?? '', '');
          assert.equal(res.headers.etag, '"v1"');
        }
        await api.get(item(p.productId)).set('If-None-Match', '"v2"').expect(200);
      });

      it('when PUT carries the current If-Match, then it renames, the version goes up and the ETag follows', async () => {
        const p = await create();
        const res = await api.put(item(p.productId)).set('If-Match', '"v1"').send({ productName: 'Second' }).expect(200);
        assert.equal(res.body.version, 2);
        assert.equal(res.headers.etag, '"v2"');
        assert.ok(Date.parse(res.body.updatedAt) >= Date.parse(res.body.createdAt));
      });

      it('when PUT or PATCH or DELETE carries a stale If-Match, then 412 problem with the current ETag, and nothing changes', async () => {
        const p = await create();
        await api.put(item(p.productId)).send({ productName: 'Changed by someone else' }).expect(200);
        const attempts = [
          api.put(item(p.productId)).set('If-Match', '"v1"').send({ productName: 'Mine' }),
          api.patch(item(p.productId)).set('If-Match', '"v1"').type(MERGE_PATCH).send({ productName: 'Mine' }),
          api.delete(item(p.productId)).set('If-Match', '"v1"'),
          api.put(item(p.productId)).set('If-Match', 'W/"v2"').send({ productName: 'Weak tags never match' }),
          api.put(item(p.productId)).set('If-Match', 'garbage').send({ productName: 'Malformed' }),
        ];
        for (const attempt of attempts) {
          const res = await attempt.expect(412).expect('Content-Type', PROBLEM);
          assert.equal(res.body.type, '/problems/version-mismatch');
          assert.equal(res.headers.etag, '"v2"');
          assert.match(res.body.detail, /version 2/);
        }
        const now = await api.get(item(p.productId)).expect(200);
        assert.equal(now.body.productName, 'Changed by someone else');
        assert.equal(now.body.version, 2);
      });

      it('when If-Match is * or lists the current tag among others, then the change goes ahead', async () => {
        const p = await create();
        await api.put(item(p.productId)).set('If-Match', '*').send({ productName: 'Star' }).expect(200);
        await api.put(item(p.productId)).set('If-Match', '"v1", "v2"').send({ productName: 'Listed' }).expect(200);
      });

      it('when If-Match names a product that does not exist, then 404', async () => {
        await api.put(item('never-was')).set('If-Match', '"v1"').send({ productName: 'x' }).expect(404);
      });

      it('when PUT sends back exactly what GET returned, with a new name, then it is accepted; the read-only fields are ignored', async () => {
        const p = await create();
        const got = (await api.get(item(p.productId)).expect(200)).body;
        const res = await api.put(item(p.productId)).send({ ...got, productName: 'From GET', version: 99, createdAt: '2000-01-01T00:00:00.000Z' }).expect(200);
        assert.equal(res.body.version, 2);
        assert.equal(res.body.createdAt, got.createdAt);
        await api.put(item(p.productId)).send({ ...got, productId: 'another-id' }).expect(400);
      });

      it('when the name does not change, then neither does the version', async () => {
        const p = await create();
        const res = await api.put(item(p.productId)).send({ productName: p.productName }).expect(200);
        assert.equal(res.body.version, 1);
      });
    });

    describe('PATCH with application/merge-patch+json', () => {
      it('when productName is patched, then only it changes', async () => {
        const p = await create();
        const res = await api.patch(item(p.productId)).type(MERGE_PATCH).send(JSON.stringify({ productName: ' Patched ' })).expect(200);
        assert.equal(res.body.productName, 'Patched');
        assert.equal(res.body.productId, p.productId);
        assert.equal(res.headers.etag, '"v2"');
      });

      it('when the patch is empty, then 200 with the product unchanged', async () => {
        const p = await create();
        const res = await api.patch(item(p.productId)).type(MERGE_PATCH).send('{}').expect(200);
        assert.equal(res.body.version, 1);
      });

      it('when the patch removes the name, names another ID, an unknown field or a bad name, then 400 naming the field', async () => {
        const p = await create();
        for (const [patch, field] of [
          [{ productName: null }, 'productName'],
          [{ productId: 'other' }, 'productId'],
          [{ price: 1 }, 'price'],
          [{ productName: 'a\u202Eb' }, 'productName'],
        ] as const) {
          const res = await api.patch(item(p.productId)).type(MERGE_PATCH).send(JSON.stringify(patch)).expect(400).expect('Content-Type', PROBLEM);
          assert.equal(res.body.errors[0].field, field);
          assert.equal(res.body.errors[0].pointer, `/${field}`);
        }
        assert.equal((await api.get(item(p.productId))).body.version, 1);
      });

      it('when PATCH is sent as application/json or another type, then 415', async () => {
        const p = await create();
        for (const type of ['json', 'text']) {
          const res = await api.patch(item(p.productId)).type(type).send(type === 'json' ? { productName: 'x' } : 'x').expect(415).expect('Content-Type', PROBLEM);
          assert.equal(res.body.type, '/problems/unsupported-media-type');
          assert.match(res.body.detail, /merge-patch\+json/);
        }
      });

      it('when the product does not exist, then 404', async () => {
        await api.patch(item('not-there')).type(MERGE_PATCH).send('{"productName":"x"}').expect(404);
      });

      it('when a known product path is asked for its methods, then Allow lists PATCH', async () => {
        const res = await api.post(item('any')).expect(405);
        assert.equal(res.headers.allow, 'GET, HEAD, PUT, PATCH, DELETE');
      });
    });

    describe('the trash', () => {
      it('when a product is deleted, then it goes to the trash with who and when; its ID answers 409 in-trash; restore brings it back', async () => {
        const p = await create();
        await api.delete(item(p.productId)).set('If-Match', '"v1"').expect(204);
        await api.get(item(p.productId)).expect(404);
        const trash = await api.get('/api/trash?limit=100').expect(200);
        const trashed = trash.body.items.find((t: { productId: string }) => t.productId === p.productId);
        assert.equal(trashed.deletedBy, api.account.username);
        assert.ok(!Number.isNaN(Date.parse(trashed.deletedAt)));
        assert.equal(trash.body.items[0].productId, p.productId, 'newest deletion first');

        const again = await api.post('/api/products').send({ productId: p.productId, productName: 'Again' }).expect(409).expect('Content-Type', PROBLEM);
        assert.equal(again.body.type, '/problems/in-trash');
        assert.equal(again.body.title, 'Product in the trash');
        assert.match(again.body.detail, /in the trash/);
        assert.equal(again.body.errors[0].pointer, '/productId');

        const restored = await api.post(`/api/trash/${p.productId}/restore`).expect(200);
        assert.equal(restored.body.productName, p.productName);
        assert.equal(restored.headers.etag, `"v${restored.body.version}"`);
        assert.ok(restored.body.version > 1);
        await api.get(item(p.productId)).expect(200);
        await api.post(`/api/trash/${p.productId}/restore`).expect(404).expect('Content-Type', PROBLEM);
      });

      it('when a trashed product is deleted for good, then only an admin may, and its ID is free again', async () => {
        const p = await create();
        await api.delete(item(p.productId)).expect(204);
        const refused = await api.delete(`/api/trash/${p.productId}`).expect(403);
        assert.equal(refused.body.type, '/problems/forbidden');
        await admin.delete(`/api/trash/${p.productId}`).expect(204);
        await admin.delete(`/api/trash/${p.productId}`).expect(404);
        await api.post('/api/products').send({ productId: p.productId, productName: 'Fresh' }).expect(201);
      });

      it('when the trash changes, then the audit trail records the delete, restore and purge', async () => {
        const p = await create();
        await api.delete(item(p.productId)).expect(204);
        await api.post(`/api/trash/${p.productId}/restore`).expect(200);
        await api.delete(item(p.productId)).expect(204);
        await admin.delete(`/api/trash/${p.productId}`).expect(204);
        const audit = await admin.get(`/api/audit?productId=${p.productId}`).expect(200);
        assert.deepEqual(audit.body.items.map((e: { action: string }) => e.action), ['product.purge', 'product.delete', 'product.restore', 'product.delete', 'product.create']);
      });

      it('when the trash is paged, then nextCursor, prevCursor and Link walk it both ways', async () => {
        const tag = `trashpage${Date.now()}`;
        const ids: string[] = [];
        for (let i = 0; i < 3; i++) {
          const p = await create({ productName: `${tag} ${i}` });
          await api.delete(item(p.productId)).expect(204);
          ids.unshift(p.productId);
        }
        const first = await api.get('/api/trash?limit=2').expect(200);
        assert.deepEqual(first.body.items.map((t: { productId: string }) => t.productId), ids.slice(0, 2));
        assert.equal(first.body.prevCursor, null);
        const second = await api.get(links(first).next!).expect(200);
        assert.equal(second.body.items[0].productId, ids[2]);
        const back = await api.get(links(second).prev!).expect(200);
        assert.deepEqual(back.body.items.map((t: { productId: string }) => t.productId), ids.slice(0, 2));
        await api.get('/api/trash?cursor=nope').expect(400);
      });

      it('when a viewer asks for the trash, then 403', async () => {
        const viewer = await apiClient(fx.app, fx.stores, 'viewer');
        await viewer.get('/api/trash').expect(403);
        await viewer.post('/api/trash/x/restore').expect(403);
      });
    });

    describe('lists', () => {
      it('when q is an ID, then the product with that ID is found', async () => {
        const p = await create({ productName: 'Nothing like its ID' });
        const res = await api.get('/api/products').query({ q: p.productId }).expect(200);
        assert.deepEqual(res.body.items.map((i: { productId: string }) => i.productId), [p.productId]);
        assert.equal(res.body.total, 1);
        assert.equal(res.body.totalCapped, false);
      });

      it('when a search has several pages, then Link next and prev, nextCursor and prevCursor agree and the total is exact', async () => {
        const tag = `linkpage${Date.now()}`;
        const ids: string[] = [];
        for (let i = 0; i < 5; i++) ids.unshift((await create({ productName: `${tag} ${i}` })).productId);
        const first = await api.get('/api/products').query({ q: tag, limit: 2 }).expect(200);
        assert.equal(first.body.total, 5);
        assert.equal(first.body.prevCursor, null);
        assert.equal(links(first).prev, undefined);
        assert.match(links(first).next!, new RegExp(`^/api/products\\?q=${tag}&limit=2&cursor=`));
        assert.equal(new URL(links(first).next!, 'http://x').searchParams.get('cursor'), first.body.nextCursor);
        const second = await api.get(links(first).next!).expect(200);
        assert.deepEqual(second.body.items.map((i: { productId: string }) => i.productId), ids.slice(2, 4));
        assert.equal(second.body.total, 5);
        assert.ok(links(second).prev && links(second).next);
        const back = await api.get('/api/products').query({ q: tag, limit: 2, cursor: second.body.prevCursor }).expect(200);
        assert.deepEqual(back.body.items.map((i: { productId: string }) => i.productId), ids.slice(0, 2));
        const third = await api.get(links(second).next!).expect(200);
        assert.equal(third.body.nextCursor, null);
        assert.equal(links(third).next, undefined);
      });

      it('when a search matches more than the count cap, then total is null and totalCapped true', async () => {
        const tag = `capped${Date.now()}`;
        const rows = Array.from({ length: SEARCH_COUNT_CAP + 1 }, (_, i) => `${tag}-${i},${tag} ${i}`).join('\n');
        await api.post('/api/products/import').set('Content-Type', 'text/csv').send(`product_id,product_name\n${rows}\n`).expect(200);
        const res = await api.get('/api/products').query({ q: tag, limit: 1 }).expect(200);
        assert.equal(res.body.total, null);
        assert.equal(res.body.totalCapped, true);
        const all = await api.get('/api/products').query({ limit: 1 }).expect(200);
        assert.ok(all.body.total > SEARCH_COUNT_CAP);
        assert.equal(all.body.totalCapped, false);
      });

      it('when trashed products match a search, then the list leaves them out', async () => {
        const p = await create();
        await api.delete(item(p.productId)).expect(204);
        const res = await api.get('/api/products').query({ q: p.productId }).expect(200);
        assert.deepEqual(res.body.items, []);
        assert.equal(res.body.total, 0);
      });
    });
  });
}
