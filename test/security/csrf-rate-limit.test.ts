import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import supertest from 'supertest';
import { loadConfig } from '../../web/config.js';
import { memoryStores } from '../../web/stores.js';
import { appWith, csrfToken } from '../support/app.js';
import { buildProduct } from '../support/factory.js';
import { apiAs, apiClient, createAccount, createToken, pageClient, signIn, TEST_CONTEXT } from '../support/auth.js';

describe('CSRF on the forms', () => {
  const stores = memoryStores();
  const store = stores.products;
  const app = appWith(stores);
  const editor = async () => (await pageClient(app, stores, 'editor')).agent;

  it('when a delete is posted without a valid token, then 403 and the product stays', async () => {
    const product = await store.create(buildProduct(), TEST_CONTEXT);
    const victim = await editor();
    const token = await csrfToken(victim);
    const attacker = await editor();
    const attackerToken = await csrfToken(attacker);
    const path = `/products/${product.productId}/delete`;
    for (const body of [{}, { _csrf: '' }, { _csrf: 'x'.repeat(100) }, { _csrf: attackerToken }, { _csrf: [token, token] }]) {
      const res = await victim.post(path).type('form').set('Accept', 'text/html').send(body);
      assert.equal(res.status, 403, JSON.stringify(body));
      assert.match(res.text, /Form expired/);
    }
    // A cross-site page can make the browser send the cookies, but cannot read the token.
    await victim.post(path).type('form').set('Origin', 'https://evil.example').send({}).expect(403);
    assert.ok(await store.get(product.productId), 'still there');
    await victim.post(path).type('form').send({ _csrf: token }).expect(303);
    assert.equal(await store.get(product.productId), undefined);
  });

  it('when the token is sent in a header or the query instead of the form body, then 403', async () => {
    const agent = await editor();
    const token = await csrfToken(agent);
    const product = buildProduct();
    const fields = { product_id: product.productId, product_name: product.productName };
    await agent.post(`/products?_csrf=${encodeURIComponent(token)}`).type('form').send(fields).expect(403);
    await agent.post('/products').set('X-CSRF-Token', token).type('form').send(fields).expect(403);
    assert.equal(await store.get(product.productId), undefined);
  });

  it('when a token is sent in another signed-in session (with its own cookie), then 403: tokens are bound to the session', async () => {
    const account = await createAccount(stores, 'editor');
    const first = await signIn(app, account);
    const token = await csrfToken(first);
    const second = await signIn(app, account);
    const product = buildProduct();
    await second.post('/products').type('form').send({ _csrf: token, product_id: product.productId, product_name: product.productName }).expect(403);
    assert.equal(await store.get(product.productId), undefined);
  });

  it('when the sign-in form is posted without its token, then 403 and nobody is signed in', async () => {
    const account = await createAccount(stores, 'editor');
    const agent = supertest.agent(app);
    await agent.get('/login').expect(200);
    await agent.post('/login').type('form').send({ username: account.username, password: account.password }).expect(403);
    assert.match((await agent.get('/').expect(200)).text, /Sign in to add products/);
  });
});

describe('write rate limit', () => {
  it('when WRITE_RATE_LIMIT_PER_MINUTE is unset, then the server limits writes to 120 a minute; 0 turns it off', () => {
    assert.equal(loadConfig({}).writeRateLimitPerMinute, 120);
    assert.equal(loadConfig({ WRITE_RATE_LIMIT_PER_MINUTE: '0' }).writeRateLimitPerMinute, 0);
  });

  it('when a client exceeds its writes per minute, then 429 problem+json with RateLimit headers, reads still work, and nothing more is stored', async () => {
    const stores = memoryStores();
    const store = stores.products;
    const api = await apiClient(appWith(stores, { writeRateLimitPerMinute: 3 }), stores);
    for (let i = 0; i < 3; i++) await api.post('/api/products').send(buildProduct()).expect(201);
    const refused = await api.post('/api/products').send(buildProduct()).expect(429);
    assert.match(refused.headers['content-type']!, /^application\/problem\+json/);
    assert.match(refused.body.detail, /At most 3 changes a minute/);
    assert.match(refused.headers['ratelimit'] ?? '', /r=0/);
    assert.ok(Number(refused.headers['retry-after']) > 0);
    await api.put('/api/products/whatever').send({ productName: 'x' }).expect(429);
    await api.delete('/api/products/whatever').expect(429);
    await api.get('/api/products').expect(200);
    assert.equal(await store.count(), 3);
  });

  it('when the form is used past the limit, then 429 page, and the limit counts sign-in, API and form writes together', async () => {
    const stores = memoryStores();
    const store = stores.products;
    const app = appWith(stores, { writeRateLimitPerMinute: 3 });
    const { agent, account } = await pageClient(app, stores, 'editor'); // the sign-in is the first write
    const token = await csrfToken(agent);
    await apiAs(app, await createToken(stores, account.username)).post('/api/products').send(buildProduct()).expect(201);
    const p = buildProduct();
    await agent.post('/products').type('form').send({ _csrf: token, product_id: p.productId, product_name: p.productName }).expect(303);
    const q = buildProduct();
    const res = await agent.post('/products').type('form').set('Accept', 'text/html').send({ _csrf: token, product_id: q.productId, product_name: q.productName });
    assert.equal(res.status, 429);
    assert.match(res.text, /Too many requests/);
    assert.equal(await store.count(), 2);
  });

  it('when clients behind the trusted proxy differ, then each has its own budget; an untrusted X-Forwarded-For changes nothing', async () => {
    const proxied = memoryStores();
    const behindProxy = await apiClient(appWith(proxied, { writeRateLimitPerMinute: 1, trustProxy: 1 }), proxied);
    await behindProxy.post('/api/products').set('X-Forwarded-For', '203.0.113.1').send(buildProduct()).expect(201);
    await behindProxy.post('/api/products').set('X-Forwarded-For', '203.0.113.1').send(buildProduct()).expect(429);
    await behindProxy.post('/api/products').set('X-Forwarded-For', '203.0.113.2').send(buildProduct()).expect(201);

    const plain = memoryStores();
    const direct = await apiClient(appWith(plain, { writeRateLimitPerMinute: 1 }), plain);
    await direct.post('/api/products').set('X-Forwarded-For', '203.0.113.1').send(buildProduct()).expect(201);
    await direct.post('/api/products').set('X-Forwarded-For', '203.0.113.9').send(buildProduct()).expect(429);
  });
});
