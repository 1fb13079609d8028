import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import supertest from 'supertest';
import { PROBLEM_SLUGS, PROBLEM_TYPES } from '../web/http/problems.js';
import { memoryFixture, type StoreFixture } from './support/app.js';
import { apiAs, apiClient, type ApiClient } from './support/auth.js';
import { buildProduct } from './support/factory.js';
import { storeFixtures } from './support/fixtures.js';

const PROBLEM = /^application\/problem\+json/;

/** Asserts a problem+json answer of the kind `slug`, with the registry's title and status. */
function assertProblem(res: supertest.Response, slug: keyof typeof PROBLEM_TYPES) {
  assert.match(res.headers['content-type'] ?? '', PROBLEM, `${res.status} ${res.text.slice(0, 200)}`);
  assert.equal(res.body.type, `/problems/${slug}`);
  assert.equal(res.body.title, PROBLEM_TYPES[slug].title);
  assert.equal(res.body.status, PROBLEM_TYPES[slug].status);
  assert.equal(res.status, PROBLEM_TYPES[slug].status);
}

for (const kind of await storeFixtures()) {
  describe(`HTTP methods, paths and problems on the ${kind.name} store`, () => {
    let fx: StoreFixture;
    let api: ApiClient;
    let viewer: ApiClient;
    let anonymous: ApiClient;
    before(async () => {
      fx = await kind.open();
      api = await apiClient(fx.app, fx.stores, 'editor');
      viewer = await apiClient(fx.app, fx.stores, 'viewer');
      anonymous = apiAs(fx.app, undefined);
    });
    after(async () => fx?.close());

    it('when a known API path gets a method it does not take, then 405 problem+json with Allow', async () => {
      const res = await api.post('/api/products/some-id').send({}).expect(405);
      assertProblem(res, 'method-not-allowed');
      assert.equal(res.headers.allow, 'GET, HEAD, PUT, PATCH, DELETE');
      const list = await api.delete('/api/products').expect(405);
      assert.equal(list.headers.allow, 'GET, HEAD, POST');
      assertProblem(await anonymous.put('/api/openapi.json').expect(405), 'method-not-allowed');
    });

    it('when a page path gets a wrong method, then 405 with Allow and the HTML error page', async () => {
      const res = await supertest(fx.app).get('/products/x/delete').set('Accept', 'text/html').expect(405).expect('Content-Type', /html/);
      assert.equal(res.headers.allow, 'POST');
      assert.match(res.text, /Method not allowed/);
      assert.match(res.text, /href="\/problems\/method-not-allowed"/);
    });

    it('when a path differs only in case, then 404: routing is case-sensitive', async () => {
      await api.get('/API/products').expect(404);
      await api.get('/api/Products').expect(404).expect('Content-Type', PROBLEM);
      await supertest(fx.app).get('/Login').expect(404);
      await supertest(fx.app).get('/Problems/not-found').expect(404);
    });

    it('when /api itself or an unknown API path is asked for, even by a browser, then 404 problem+json', async () => {
      for (const path of ['/api', '/api?x=1', '/api/', '/api/nothing']) {
        assertProblem(await supertest(fx.app).get(path).set('Accept', 'text/html').expect(404), 'not-found');
      }
    });

    it('when errors of each kind happen, then each has its own type and fixed title', async () => {
      const p = buildProduct();
      await api.post('/api/products').send(p).expect(201);
      assertProblem(await api.post('/api/products').send(p), 'duplicate-product-id');
      assertProblem(await api.post('/api/products').send({ productId: '' }), 'validation');
      assertProblem(await api.post('/api/products').type('json').send('{'), 'malformed-json');
      assertProblem(await api.post('/api/products').type('text').send('x'), 'unsupported-media-type');
      assertProblem(await api.post('/api/products').send({ productName: 'x'.repeat(20_000) }), 'body-too-large');
      assertProblem(await api.get('/api/products/nope-here'), 'not-found');
      assertProblem(await anonymous.post('/api/products').send(buildProduct()), 'unauthorized');
      assertProblem(await viewer.post('/api/products').send(buildProduct()), 'forbidden');
      assertProblem(await apiAs(fx.app, 'pc_nope').get('/api/products'), 'unauthorized');
      assertProblem(await supertest(fx.app).get('/api/products').set('Authorization', 'Basic x'), 'malformed-authorization');
      assertProblem(await api.get('/api/products/a%E0%A4%A'), 'bad-request');
    });

    it('when a body field is wrong, then its error has a JSON pointer; a query or path parameter gets a parameter name instead', async () => {
      const body = await api.post('/api/products').send({ productId: 'ok-1', productName: '' }).expect(400);
      assert.deepEqual(Object.keys(body.body.errors[0]).sort(), ['field', 'message', 'pointer']);
      assert.equal(body.body.errors[0].pointer, '/productName');
      const query = await api.get('/api/products?limit=0').expect(400);
      assert.deepEqual({ ...query.body.errors[0], message: '' }, { field: 'limit', in: 'query', parameter: 'limit', message: '' });
      const path = await api.get('/api/products/a%00b').expect(400);
      assert.deepEqual({ ...path.body.errors[0], message: '' }, { field: 'productId', in: 'path', parameter: 'productId', message: '' });
      const format = await api.get('/api/products/export?format=xlsx').expect(400);
      assert.equal(format.body.errors[0].parameter, 'format');
      assert.equal(format.body.errors[0].pointer, undefined);
    });
  });
}

describe('problem type pages', () => {
  const fx = memoryFixture({ writeRateLimitPerMinute: 1 });

  it('when each problem type URI is followed, then a short page explains it', async () => {
    for (const slug of PROBLEM_SLUGS) {
      const res = await supertest(fx.app).get(`/problems/${slug}`).expect(200).expect('Content-Type', /html/);
      assert.match(res.text, new RegExp(`<h1>${PROBLEM_TYPES[slug].title.replace(/'/g, '&#39;')}</h1>`));
      assert.match(res.text, new RegExp(`HTTP ${PROBLEM_TYPES[slug].status}`));
    }
    const index = await supertest(fx.app).get('/problems').expect(200);
    for (const slug of PROBLEM_SLUGS) assert.match(index.text, new RegExp(`href="/problems/${slug}"`));
  });

  it('when an unknown problem type is asked for, then 404', async () => {
    await supertest(fx.app).get('/problems/no-such-thing').expect(404);
  });

  it('when titles are read, then no two kinds share one', () => {
    const titles = PROBLEM_SLUGS.map((slug) => PROBLEM_TYPES[slug].title);
    assert.equal(new Set(titles).size, titles.length);
  });

  it('when writes pass the rate limit, then 429 rate-limited with Retry-After and RateLimit headers', async () => {
    const api = await apiClient(fx.app, fx.stores, 'editor');
    await api.post('/api/products').send(buildProduct()).expect(201);
    const res = await api.post('/api/products').send(buildProduct()).expect(429);
    assertProblem(res, 'rate-limited');
    assert.ok(res.headers['retry-after']);
    assert.ok(res.headers.ratelimit);
  });
});
