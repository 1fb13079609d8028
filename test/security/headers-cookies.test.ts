import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import supertest from 'supertest';
import { MemoryProductStore } from '../../web/catalog/memory-store.js';
import { StoreUnavailableError } from '../../web/catalog/product-store.js';
import { appWith, csrfToken } from '../support/app.js';
import { buildProduct } from '../support/factory.js';

/** Each kind of answer the app gives: page, API, probe, static file, 4xx and 5xx problems. */
const RESPONSES: ReadonlyArray<readonly [string, (api: ReturnType<typeof supertest>) => supertest.Test]> = [
  ['the page', (api) => api.get('/')],
  ['an API list', (api) => api.get('/api/products')],
  ['a probe', (api) => api.get('/healthz')],
  ['a static file', (api) => api.get('/static/styles.css')],
  ['a 404 page', (api) => api.get('/nothing').set('Accept', 'text/html')],
  ['a 400 problem', (api) => api.get('/api/products?limit=0')],
  ['a 415 problem', (api) => api.post('/api/products').type('text').send('x')],
];

function directives(csp: string): Map<string, string> {
  return new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values.join(' ')]));
}

describe('security headers', () => {
  const api = supertest(appWith(new MemoryProductStore()));

  for (const [what, send] of RESPONSES) {
    it(`when the app answers with ${what}, then no X-Powered-By, nosniff, no framing, and a strict CSP`, async () => {
      const res = await send(api);
      assert.equal(res.headers['x-powered-by'], undefined);
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.equal(res.headers['referrer-policy'], 'no-referrer');
      const csp = directives(res.headers['content-security-policy'] ?? '');
      assert.equal(csp.get('default-src'), "'self'");
      assert.equal(csp.get('script-src'), "'self'", 'scripts from the app only: no inline, no eval');
      assert.equal(csp.get('script-src-attr'), "'none'", 'no inline event handlers');
      assert.equal(csp.get('style-src'), "'self'");
      assert.equal(csp.get('object-src'), "'none'");
      assert.equal(csp.get('frame-ancestors'), "'none'");
      assert.equal(csp.get('form-action'), "'self'");
    });
  }

  it('when the app answers 503, then the same headers and no internals in the body', async () => {
    const down = appWith({
      ...new MemoryProductStore(),
      listPage: async () => {
        throw new StoreUnavailableError('connect ECONNREFUSED 10.0.0.7:3306');
      },
    } as unknown as MemoryProductStore);
    const res = await supertest(down).get('/api/products').expect(503);
    assert.equal(res.headers['x-powered-by'], undefined);
    assert.match(res.headers['content-security-policy'] ?? '', /script-src 'self'/);
    assert.doesNotMatch(res.text, /ECONNREFUSED|10\.0\.0\.7|at .*\.ts/);
  });

  it('when the page is rendered, then it has no inline script, event handler or style attribute for the CSP to block', async () => {
    const store = new MemoryProductStore();
    await store.create(buildProduct({ productName: '<img src=x onerror=alert(1)>' }));
    const page = (await supertest(appWith(store)).get('/').expect(200)).text;
    for (const tag of page.match(/<script\b[^>]*>/g) ?? []) assert.match(tag, /\ssrc="\/static\//, `external script only: ${tag}`);
    assert.doesNotMatch(page, /<script\b[^>]*>[^<]+<\/script>/, 'no inline script body');
    // Attribute names only: the stored name appears escaped inside attribute values, which is harmless.
    const tags = (page.match(/<[a-z][^>]*>/gi) ?? []).map((tag) => tag.replace(/"[^"]*"/g, '""'));
    assert.deepEqual(tags.filter((t) => /\son[a-z]+=/i.test(t)), [], 'no on* attribute');
    assert.deepEqual(tags.filter((t) => /\sstyle=/i.test(t)), [], 'no style attribute');
  });
});

describe('cookies', () => {
  const cookies = (res: supertest.Response) => (res.headers['set-cookie'] as unknown as string[] | undefined) ?? [];

  /** Every cookie the app sets: the client id and CSRF cookie on a page, the notice after a form post. */
  async function allCookies(trustProxy: number, proto: string): Promise<string[]> {
    const app = appWith(new MemoryProductStore(), { trustProxy });
    const agent = supertest.agent(app);
    const page = await agent.get('/').set('X-Forwarded-Proto', proto).expect(200);
    const token = await csrfToken(agent);
    const product = buildProduct();
    const posted = await agent
      .post('/products')
      .set('X-Forwarded-Proto', proto)
      .type('form')
      .send({ _csrf: token, product_id: product.productId, product_name: product.productName })
      .expect(303);
    return [...cookies(page), ...cookies(posted)];
  }

  it('when served over plain HTTP, then every cookie is HttpOnly and SameSite, and not Secure (it would never come back)', async () => {
    const set = await allCookies(0, 'http');
    assert.deepEqual(set.map((c) => c.split('=')[0]).sort(), ['pc_client', 'pc_csrf', 'pc_notice']);
    for (const c of set) {
      assert.match(c, /; HttpOnly/, c);
      assert.match(c, /; SameSite=(Strict|Lax)/, c);
      assert.doesNotMatch(c, /; Secure/, c);
    }
  });

  it('when behind a TLS proxy (TRUST_PROXY=1, X-Forwarded-Proto: https), then every cookie is also Secure', async () => {
    const set = await allCookies(1, 'https');
    assert.equal(set.length, 3);
    for (const c of set) {
      assert.match(c, /; HttpOnly/, c);
      assert.match(c, /; SameSite=(Strict|Lax)/, c);
      assert.match(c, /; Secure/, c);
    }
  });

  it('when no proxy is trusted, then a forged X-Forwarded-Proto does not change anything', async () => {
    for (const c of await allCookies(0, 'https')) assert.doesNotMatch(c, /; Secure/, c);
  });
});
