import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import supertest from 'supertest';
import { BODY_LIMIT_BYTES } from '../../web/limits.js';
import { memoryStores } from '../../web/stores.js';
import { appWith, csrfToken } from '../support/app.js';
import { apiClient, pageClient, type ApiClient } from '../support/auth.js';
import { buildProduct } from '../support/factory.js';

const PROBLEM = /^application\/problem\+json/;

/** A 4xx problem with a message, and nothing of the app's insides. */
function assertRefused(res: supertest.Response, status: number, detail?: RegExp) {
  assert.equal(res.status, status, `${res.status} ${res.text}`);
  assert.doesNotMatch(res.text, /\bat .*\.(ts|js):\d+|node_modules|SyntaxError/, 'no stack trace');
  if (/json/.test(res.headers['content-type'] ?? '')) {
    assert.match(res.headers['content-type']!, PROBLEM);
    assert.ok(res.body.detail, 'says what is wrong');
    if (detail) assert.match(res.body.detail, detail);
  }
}

describe('bad input the validators never see', () => {
  const stores = memoryStores();
  const store = stores.products;
  const app = appWith(stores);
  // An editor's token, so every request gets past access control to the parsers and validators.
  let api: ApiClient;
  before(async () => (api = await apiClient(app, stores, 'editor')));

  it('when path IDs carry broken or double encoding, then 400 or 404 problem+json, never a file or a 500', async () => {
    for (const path of ['%E0%A4%A', '%', '%zz', '%C0%AE%C0%AE%2F', '%252e%252e%252fetc%252fpasswd', '..%5c..%5cwindows', '%ED%A0%80', '%EF%BF%BF']) {
      const res = await api.get(`/api/products/${path}`);
      assert.ok(res.status === 400 || res.status === 404, `${path}: ${res.status}`);
      assertRefused(res, res.status);
    }
    assertRefused(await api.get('/api/products/%E0%A4%A'), 400, /% must be followed by two hex digits/);
  });

  it('when a form path carries broken encoding, then a 400 page, not a 500', async () => {
    const { agent } = await pageClient(app, stores, 'editor');
    const res = await agent.post('/products/%E0%A4%A/delete').set('Accept', 'text/html');
    assertRefused(res, 400);
    assert.match(res.text, /The URL is not valid/);
  });

  it('when the JSON names an unsupported charset, encoding or media type, then 415 saying so', async () => {
    const body = JSON.stringify(buildProduct());
    assertRefused(await api.post('/api/products').set('Content-Type', 'application/json; charset=latin1').send(body), 415, /UTF-8/);
    assertRefused(await api.post('/api/products').set('Content-Type', 'application/json').set('Content-Encoding', 'x-custom').send(body), 415, /UTF-8/);
    // gzip, deflate and br are decoded (body-parser's default); a body that only claims to be gzip is a 400.
    assertRefused(await api.post('/api/products').set('Content-Type', 'application/json').set('Content-Encoding', 'gzip').send(body), 400);
    assertRefused(await api.post('/api/products').set('Content-Type', 'application/x-www-form-urlencoded').send('productId=a&productName=b'), 415, /application\/json/);
    assertRefused(await api.post('/api/products').set('Content-Type', 'text/plain').send(body), 415);
  });

  it('when the JSON is deeply nested, truncated, or not an object, then 400 problem+json', async () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    for (const body of [deep, '{"productId": "a", ', '"just a string"', '42', 'null', '\uFEFF{}', '{"productId":"a","productName":"b"}garbage']) {
      const res = await api.post('/api/products').set('Content-Type', 'application/json').send(body);
      assertRefused(res, 400);
    }
  });

  it('when the JSON carries __proto__ or constructor keys, then 400 naming them and no prototype is polluted', async () => {
    const res = await api
      .post('/api/products')
      .set('Content-Type', 'application/json')
      .send('{"productId":"proto-1","productName":"x","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}');
    assertRefused(res, 400);
    assert.deepEqual(res.body.errors.map((e: { field: string }) => e.field).sort(), ['__proto__', 'constructor']);
    assert.equal(({} as { polluted?: boolean }).polluted, undefined);
    assert.equal(await store.get('proto-1'), undefined);
  });

  it('when a form body is over the limit or has too many fields, then 413, and repeated fields 400', async () => {
    const { agent } = await pageClient(app, stores, 'editor');
    const token = await csrfToken(agent);
    const big = await agent.post('/products').type('form').set('Accept', 'text/html').send({ _csrf: token, product_id: 'a', product_name: 'x'.repeat(BODY_LIMIT_BYTES) });
    assertRefused(big, 413);
    assert.match(big.text, /Body too large/);
    const many = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`f${i}`, 'x']));
    assertRefused(await agent.post('/products').type('form').set('Accept', 'text/html').send({ _csrf: token, ...many }), 413);
    const repeated = await agent.post('/products').type('form').set('Accept', 'text/html').send(`_csrf=${encodeURIComponent(token)}&product_id=a&product_id=b&product_name=x`);
    assertRefused(repeated, 400);
    assert.match(repeated.text, /Product ID must be a string/);
  });

  it('when a request uses an unexpected method, then 405 with Allow, or for OPTIONS the allowed methods, never a 500', async () => {
    for (const method of ['post', 'trace'] as const) {
      const res = await api[method]('/api/products/x');
      assertRefused(res, 405);
      assert.ok(res.headers.allow?.includes('GET'));
    }
    const options = await api.options('/api/products/x').expect(200);
    assert.deepEqual(options.headers.allow?.split(', ').sort(), ['DELETE', 'GET', 'HEAD', 'PATCH', 'PUT']);
  });
});
