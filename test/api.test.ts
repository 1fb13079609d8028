import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import supertest from 'supertest';
import type { StoreFixture } from './support/app.js';
import { apiClient, type ApiClient } from './support/auth.js';
import { buildProduct } from './support/factory.js';
import { storeFixtures } from './support/fixtures.js';

const PROBLEM = /^application\/problem\+json/;

for (const kind of await storeFixtures()) {
  describe(`JSON API on the ${kind.name} store`, () => {
    let fx: StoreFixture;
    let api: ApiClient;
    before(async () => {
      fx = await kind.open();
      // Writes need an editor's API token; the client sends it with every request.
      api = await apiClient(fx.app, fx.stores, 'editor');
    });
    after(async () => fx?.close());

    const create = (body: unknown) => api.post('/api/products').send(body as object);

    describe('POST /api/products', () => {
      it('when the product is valid, then 201 with the product and its Location', async () => {
        const input = buildProduct({ productName: '  Mate 🧉 ñandú 茶  ' });
        const res = await create(input).expect(201).expect('Content-Type', /json/);
        assert.equal(res.headers.location, `/api/products/${input.productId}`);
        assert.deepEqual(
          { ...res.body, createdAt: typeof res.body.createdAt, updatedAt: typeof res.body.updatedAt },
          { productId: input.productId, productName: 'Mate 🧉 ñandú 茶', createdAt: 'string', updatedAt: 'string', version: 1 },
        );
        assert.ok(!Number.isNaN(Date.parse(res.body.createdAt)));
        const fetched = await api.get(res.headers.location!).expect(200);
        assert.deepEqual(fetched.body, res.body);
      });

      it('when the ID exists, then 409 problem naming productId, and the first product stays', async () => {
        const input = buildProduct();
        await create(input).expect(201);
        const res = await create({ ...input, productName: 'Impostor' }).expect(409).expect('Content-Type', PROBLEM);
        assert.equal(res.body.status, 409);
        assert.equal(res.body.errors[0].field, 'productId');
        assert.match(res.body.detail, new RegExp(input.productId));
        assert.equal((await api.get(`/api/products/${input.productId}`)).body.productName, input.productName);
      });

      const invalid: Array<[string, unknown, string[]]> = [
        ['both fields missing', {}, ['productId', 'productName']],
        ['an empty name', { productId: 'ok-1', productName: '   ' }, ['productName']],
        ['a name that is a number', { productId: 'ok-1', productName: 42 }, ['productName']],
        ['a name of 256 characters', { productId: 'ok-1', productName: 'x'.repeat(256) }, ['productName']],
        ['a name with a newline', { productId: 'ok-1', productName: 'a\nb' }, ['productName']],
        ['a name with a right-to-left override', { productId: 'ok-1', productName: 'cod\u202Etxt.exe' }, ['productName']],
        ['a name of only invisible characters', { productId: 'ok-1', productName: '\u200B\u2060' }, ['productName']],
        ['a name with a lone surrogate', { productId: 'ok-1', productName: 'a\ud800b' }, ['productName']],
        ['an ID with a space', { productId: 'has space', productName: 'ok' }, ['productId']],
        ['an ID starting with a dot', { productId: '.hidden', productName: 'ok' }, ['productId']],
        ['an ID of 65 characters', { productId: 'a'.repeat(65), productName: 'ok' }, ['productId']],
        ['an ID that is an object', { productId: { $gt: '' }, productName: 'ok' }, ['productId']],
        ['an unknown field', { ...buildProduct(), price: 3 }, ['price']],
      ];
      for (const [what, body, fields] of invalid) {
        it(`when the body has ${what}, then 400 naming ${fields.join(' and ')}`, async () => {
          const res = await create(body).expect(400).expect('Content-Type', PROBLEM);
          assert.deepEqual(res.body.errors.map((e: { field: string }) => e.field), fields);
          assert.equal(res.body.title, 'Invalid request');
          for (const e of res.body.errors) assert.ok(e.message.length > 10, e.message);
        });
      }

      it('when a name has exactly 255 characters of emoji, then it is accepted whole', async () => {
        const productName = '😀'.repeat(255);
        const res = await create(buildProduct({ productName })).expect(201);
        assert.equal(res.body.productName, productName);
      });

      it('when the body is not JSON, then 400 Malformed JSON', async () => {
        const res = await api.post('/api/products').type('json').send('{"productId": ').expect(400).expect('Content-Type', PROBLEM);
        assert.equal(res.body.title, 'Malformed JSON');
      });

      it('when the body is a JSON array, then 400 saying it must be an object', async () => {
        const res = await create([buildProduct()]).expect(400);
        assert.match(res.body.detail, /JSON object/);
      });

      it('when the content type is a form, then 415', async () => {
        const res = await api.post('/api/products').type('form').send(buildProduct()).expect(415).expect('Content-Type', PROBLEM);
        assert.match(res.body.detail, /application\/json/);
      });

      it('when the body is over 16 KiB, then 413', async () => {
        const res = await create({ productId: 'big', productName: 'x'.repeat(20_000) }).expect(413).expect('Content-Type', PROBLEM);
        assert.equal(res.body.status, 413);
      });
    });

    describe('GET /api/products', () => {
      it('when listing with a limit, then pages follow nextCursor newest first until null', async () => {
        const tag = `list${Date.now()}`;
        const ids = [];
        for (let i = 0; i < 5; i++) ids.push((await create(buildProduct({ productName: `${tag} ${i}` })).expect(201)).body.productId);
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const query: Record<string, string | number> = cursor ? { q: tag, limit: 2, cursor } : { q: tag, limit: 2 };
          const res: supertest.Response = await api.get('/api/products').query(query).expect(200);
          assert.ok(res.body.items.length <= 2);
          seen.push(...res.body.items.map((p: { productId: string }) => p.productId));
          cursor = res.body.nextCursor;
        } while (cursor);
        assert.deepEqual(seen, ids.reverse());
      });

      it('when no limit is given, then at most 20 items come back', async () => {
        for (let i = 0; i < 21; i++) await create(buildProduct()).expect(201);
        const res = await api.get('/api/products').expect(200);
        assert.equal(res.body.items.length, 20);
        assert.equal(typeof res.body.nextCursor, 'string');
      });

      for (const [query, field] of [
        [{ limit: 0 }, 'limit'],
        [{ limit: 101 }, 'limit'],
        [{ limit: 'ten' }, 'limit'],
        [{ cursor: 'not-a-cursor' }, 'cursor'],
        [{ cursor: Buffer.from('s-5').toString('base64url') }, 'cursor'],
        [{ q: 'x'.repeat(300) }, 'q'],
      ] as const) {
        it(`when the query has ${JSON.stringify(query).slice(0, 40)}, then 400 naming ${field}`, async () => {
          const res = await api.get('/api/products').query(query).expect(400).expect('Content-Type', PROBLEM);
          assert.equal(res.body.errors[0].field, field);
        });
      }

      it('when a parameter is repeated, then 400 rather than a crash', async () => {
        const res = await api.get('/api/products?q=a&q=b').expect(400);
        assert.equal(res.body.errors[0].field, 'q');
      });
    });

    describe('GET, PUT and DELETE /api/products/:productId', () => {
      it('when the product is absent, then each answers 404 problem', async () => {
        for (const req of [api.get('/api/products/nope-1'), api.put('/api/products/nope-1').send({ productName: 'x' }), api.delete('/api/products/nope-1')]) {
          const res = await req.expect(404).expect('Content-Type', PROBLEM);
          assert.match(res.body.detail, /nope-1/);
        }
      });

      it('when renamed, then 200 with the new name and the same ID', async () => {
        const { body } = await create(buildProduct()).expect(201);
        const res = await api.put(`/api/products/${body.productId}`).send({ productName: 'New name' }).expect(200);
        assert.deepEqual({ ...res.body, updatedAt: body.updatedAt }, { ...body, productName: 'New name', version: 2 });
      });

      it('when a rename tries to change the ID or sends a bad name, then 400 and nothing changes', async () => {
        const { body } = await create(buildProduct()).expect(201);
        const res = await api.put(`/api/products/${body.productId}`).send({ productId: 'other', productName: '' }).expect(400);
        assert.deepEqual(res.body.errors.map((e: { field: string }) => e.field), ['productId', 'productName']);
        assert.equal((await api.get(`/api/products/${body.productId}`)).body.productName, body.productName);
      });

      it('when a rename is not JSON, then 415', async () => {
        const { body } = await create(buildProduct()).expect(201);
        await api.put(`/api/products/${body.productId}`).type('text').send('name').expect(415);
      });

      it('when deleted, then 204 and later 404 (it is in the trash)', async () => {
        const { body } = await create(buildProduct()).expect(201);
        await api.delete(`/api/products/${body.productId}`).expect(204, '');
        await api.get(`/api/products/${body.productId}`).expect(404);
      });

      it('when the path ID has encoded control characters or is too long, then 400', async () => {
        await api.get('/api/products/a%00b').expect(400).expect('Content-Type', PROBLEM);
        await api.get(`/api/products/${'a'.repeat(65)}`).expect(400);
      });

      it('when the path ID is encoded traversal, then 404 and nothing else is served', async () => {
        const res = await api.get('/api/products/..%2F..%2Fetc%2Fpasswd').expect(404);
        assert.doesNotMatch(res.text, /root:/);
      });
    });

    it('when an unknown API path is asked for, then 404 problem+json', async () => {
      const res = await api.get('/api/nothing').expect(404).expect('Content-Type', PROBLEM);
      assert.equal(res.body.status, 404);
    });
  });
}
