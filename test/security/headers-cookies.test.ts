import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import supertest from 'supertest';
import { memoryStores } from '../../web/stores.js';
import { StoreUnavailableError } from '../../web/storage-errors.js';
import { appWith } from '../support/app.js';
import { buildProduct } from '../support/factory.js';
import { createAccount, pageClient, TEST_CONTEXT } from '../support/auth.js';

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
  const api = supertest(appWith());

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
    const stores = memoryStores();
    stores.products.listPage = async () => {
      throw new StoreUnavailableError('connect ECONNREFUSED 10.0.0.7:3306');
    };
    const down = appWith(stores);
    const res = await supertest(down).get('/api/products').expect(503);
    assert.equal(res.headers['x-powered-by'], undefined);
    assert.match(res.headers['content-security-policy'] ?? '', /script-src 'self'/);
    assert.doesNotMatch(res.text, /ECONNREFUSED|10\.0\.0\.7|at .*\.ts/);
  });

  it('when the page is rendered, then it has no inline script, event handler or style attribute for the CSP to block', async () => {
    const stores = memoryStores();
    await stores.products.create(buildProduct({ productName: '<img src=x onerror=alert(1)>' }), TEST_CONTEXT);
    const page = (await supertest(appWith(stores)).get('/').expect(200)).text;
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

  /**
   * Every cookie the app sets: the client id and CSRF cookie on a page, the session and
   * trusted-device cookies at sign-in, the notice after a form post. Cookies are carried by hand,
   * as the browser behind a TLS proxy would (supertest's own jar keeps Secure cookies back on http).
   */
  async function allCookies(trustProxy: number, proto: string): Promise<string[]> {
    const stores = memoryStores();
    const app = appWith(stores, { trustProxy });
    const account = await createAccount(stores, 'editor');
    const jar = new Map<string, string>();
    const seen: string[] = [];
    const send = async (req: supertest.Test, status: number) => {
      const res = await req.set('X-Forwarded-Proto', proto).set('Cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; ')).expect(status);
      for (const c of cookies(res)) {
        seen.push(c);
        const [pair] = c.split(';');
        const [name, value] = [pair!.slice(0, pair!.indexOf('=')), pair!.slice(pair!.indexOf('=') + 1)];
        if (value) jar.set(name, value);
        else jar.delete(name);
      }
      return res;
    };
    const token = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1];
    await send(supertest(app).get('/'), 200);
    const login = await send(supertest(app).get('/login'), 200);
    await send(supertest(app).post('/login').type('form').send({ _csrf: token(login.text), username: account.username, password: account.password }), 303);
    const form = await send(supertest(app).get('/'), 200);
    const product = buildProduct();
    await send(supertest(app).post('/products').type('form').send({ _csrf: token(form.text), product_id: product.productId, product_name: product.productName }), 303);
    // Clearing a cookie (the notice once shown) sets nothing.
    return seen.filter((c) => !/Expires=Thu, 01 Jan 1970/.test(c));
  }

  const names = (set: string[]) => [...new Set(set.map((c) => c.split('=')[0]))].sort();

  it('when a visitor reads the list page, then it sets no cookie; a page with a form sets the client id and its token', async () => {
    const app = appWith();
    assert.equal((await supertest(app).get('/').expect(200)).headers['set-cookie'], undefined);
    const login = await supertest(app).get('/login').expect(200);
    assert.deepEqual(names(login.headers['set-cookie'] as unknown as string[]), ['pc_client', 'pc_csrf']);
    const token = /name="_csrf" value="([^"]+)"/.exec(login.text)![1];
    assert.equal(login.text.split(`value="${token}"`).length - 1, 1);
  });

  it("when an editor's page has a form per row, then every form carries the one token made for the page", async () => {
    const stores = memoryStores();
    for (let i = 0; i < 3; i++) await stores.products.create(buildProduct(), TEST_CONTEXT);
    const { agent } = await pageClient(appWith(stores), stores, 'editor');
    const page = await agent.get('/').expect(200);
    const tokens = [...page.text.matchAll(/name="_csrf" value="([^"]+)"/g)].map((m) => m[1]);
    // The add form, sign-out and one delete form per product.
    assert.equal(tokens.length, 5);
    assert.equal(new Set(tokens).size, 1);
    assert.equal((page.headers['set-cookie'] as unknown as string[]).filter((c) => c.startsWith('pc_csrf=')).length, 1);
  });

  it('when served over plain HTTP, then every cookie is HttpOnly and SameSite, and not Secure (it would never come back)', async () => {
    const set = await allCookies(0, 'http');
    assert.deepEqual(names(set), ['pc_client', 'pc_csrf', 'pc_device', 'pc_notice', 'pc_session']);
    for (const c of set) {
      assert.match(c, /; HttpOnly/, c);
      assert.match(c, /; SameSite=(Strict|Lax)/, c);
      assert.doesNotMatch(c, /; Secure/, c);
    }
  });

  it('when behind a TLS proxy (TRUST_PROXY=1, X-Forwarded-Proto: https), then every cookie is also Secure', async () => {
    const set = await allCookies(1, 'https');
    assert.deepEqual(names(set), ['__Host-pc_device', '__Host-pc_session', 'pc_client', 'pc_csrf', 'pc_notice']);
    for (const c of set) {
      assert.match(c, /; HttpOnly/, c);
      assert.match(c, /; SameSite=(Strict|Lax)/, c);
      assert.match(c, /; Secure/, c);
      if (c.startsWith('__Host-')) {
        assert.match(c, /; Path=\/(;|$)/, c);
        assert.doesNotMatch(c, /; Domain=/i, c);
      }
    }
  });

  it('when no proxy is trusted, then a forged X-Forwarded-Proto does not change anything', async () => {
    for (const c of await allCookies(0, 'https')) assert.doesNotMatch(c, /; Secure/, c);
  });
});
