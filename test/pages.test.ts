import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import supertest from 'supertest';
import { appWith, csrfToken, type StoreFixture } from './support/app.js';
import { buildProduct } from './support/factory.js';
import { storeFixtures } from './support/fixtures.js';
import { UNAVAILABLE_RETRY_SECONDS } from '../web/http/error-handler.js';
import { StoreUnavailableError } from '../web/storage-errors.js';
import { memoryStores } from '../web/stores.js';
import { pageClient, TEST_CONTEXT } from './support/auth.js';

const form = (p: { productId: string; productName: string }, token: string) => ({
  product_id: p.productId,
  product_name: p.productName,
  _csrf: token,
});

for (const kind of await storeFixtures()) {
  describe(`HTML pages on the ${kind.name} store`, () => {
    let fx: StoreFixture;
    /** A new editor, signed in through the form (the agent keeps its session). */
    let editor: () => Promise<supertest.Agent>;
    before(async () => {
      fx = await kind.open();
      editor = async () => (await pageClient(fx.app, fx.stores, 'editor')).agent;
    });
    after(async () => fx?.close());

    it('when an editor loads the page, then it has the labelled form, a CSRF token and strict headers', async () => {
      const res = await (await editor()).get('/').expect(200).expect('Content-Type', /html/);
      assert.match(res.text, /<label for="product_name">/);
      assert.match(res.text, /<input id="product_id" name="product_id"/);
      assert.match(res.text, /name="_csrf" value="[^"]+"/);
      assert.match(res.headers['content-security-policy']!, /script-src 'self'/);
      assert.equal(res.headers['x-powered-by'], undefined);
    });

    it('when a product is submitted, then 303 to / and the page shows it first with a message', async () => {
      const agent = await editor();
      const product = buildProduct({ productName: 'Página <b>bold</b> 🚀' });
      const token = await csrfToken(agent);
      await agent.post('/products').type('form').send(form(product, token)).expect(303).expect('Location', '/');
      const page = await agent.get('/').expect(200);
      assert.ok(page.text.includes(`Added product “<bdi>Página &lt;b&gt;bold&lt;/b&gt; 🚀</bdi>” (${product.productId}).`), 'the notice names the product');
      assert.ok(page.text.includes('Página &lt;b&gt;bold&lt;/b&gt; 🚀'), 'name is shown escaped');
      assert.ok(!page.text.includes('<b>bold</b>'));
      const firstRow = /<tbody>[\s\S]*?<tr[^>]*>([\s\S]*?)<\/tr>/.exec(page.text)?.[1] ?? '';
      assert.match(firstRow, new RegExp(product.productId));
      const again = await agent.get('/').expect(200);
      assert.doesNotMatch(again.text, /Added product/, 'the message shows once');
    });

    it('when fields are invalid, then 400 with each message next to its field and the input kept', async () => {
      const agent = await editor();
      const token = await csrfToken(agent);
      const res = await agent
        .post('/products')
        .type('form')
        .send({ product_id: 'bad id!', product_name: '"quoted" & <kept>', _csrf: token })
        .expect(400);
      assert.match(res.text, /id="product_id-error" class="field-error">Product ID may use only/);
      assert.match(res.text, /value="bad id!"/);
      assert.match(res.text, /value="&#34;quoted&#34; &amp; &lt;kept&gt;"/);
      assert.match(res.text, /aria-invalid="true" autofocus/);
    });

    it('when the name is missing, then 400 says it is required', async () => {
      const agent = await editor();
      const token = await csrfToken(agent);
      const res = await agent.post('/products').type('form').send({ product_id: 'ok-2', _csrf: token }).expect(400);
      assert.match(res.text, /id="product_name-error" class="field-error">Product name is required/);
    });

    it('when the ID exists, then 409 with the message at the ID field and nothing replaced', async () => {
      const agent = await editor();
      const product = buildProduct();
      await fx.store.create(product, TEST_CONTEXT);
      const token = await csrfToken(agent);
      const res = await agent.post('/products').type('form').send(form({ ...product, productName: 'Second' }, token)).expect(409);
      assert.match(res.text, /id="product_id-error" class="field-error">A product with ID/);
      assert.match(res.text, /value="Second"/);
      assert.equal((await fx.store.get(product.productId))?.productName, product.productName);
    });

    it('when the CSRF token is missing, forged or another session\'s, then 403 and nothing is stored', async () => {
      const agent = await editor();
      await csrfToken(agent);
      const product = buildProduct();
      await agent.post('/products').type('form').send({ product_id: product.productId, product_name: 'x' }).expect(403);
      await agent.post('/products').type('form').send(form(product, 'forged')).expect(403);
      const stranger = await editor();
      await stranger.post('/products').type('form').send(form(product, await csrfToken(await editor()))).expect(403);
      assert.equal(await fx.store.get(product.productId), undefined);
    });

    it('when a product is deleted from its row, then 303 and it is in the trash with a message', async () => {
      const agent = await editor();
      const product = buildProduct({ productId: `del.${Date.now()}` });
      await fx.store.create(product, TEST_CONTEXT);
      const token = await csrfToken(agent);
      await agent.post(`/products/${encodeURIComponent(product.productId)}/delete`).type('form').send({ _csrf: token }).expect(303);
      assert.equal(await fx.store.get(product.productId), undefined);
      assert.ok((await agent.get('/')).text.includes(`Moved product “<bdi>${product.productName}</bdi>” (${product.productId}) to the trash.`));
      assert.equal((await fx.store.getTrashed(product.productId))?.productId, product.productId);
      const again = await csrfToken(agent);
      await agent.post(`/products/${encodeURIComponent(product.productId)}/delete`).type('form').send({ _csrf: again }).expect(303);
      assert.match((await agent.get('/')).text, /was already deleted/);
    });

    it('when there are more than 20 matches, then Older and Newer links page through all of them', async () => {
      const tag = `pg${Date.now()}`;
      for (let i = 0; i < 45; i++) await fx.store.create(buildProduct({ productName: `${tag} item ${i}` }), TEST_CONTEXT);
      const agent = supertest(fx.app);
      const names = (html: string) => [...html.matchAll(/<td class="name" dir="auto">([^<]*)<\/td>/g)].map((m) => m[1]);
      const link = (html: string, rel: string) => new RegExp(`<a href="([^"]+)" rel="${rel}"`).exec(html)?.[1]?.replace(/&amp;/g, '&');

      const p1 = await agent.get('/').query({ q: tag }).expect(200);
      assert.match(p1.text, new RegExp(`45 products whose name or ID contains “<bdi>${tag}</bdi>”`));
      assert.match(p1.text, /id="list-position">1–20 of 45</);
      assert.equal(link(p1.text, 'prev'), undefined);
      const p2 = await agent.get(link(p1.text, 'next')!).expect(200);
      const p3 = await agent.get(link(p2.text, 'next')!).expect(200);
      assert.equal(link(p3.text, 'next'), undefined);
      const all = [...names(p1.text), ...names(p2.text), ...names(p3.text)];
      assert.deepEqual(all, Array.from({ length: 45 }, (_, i) => `${tag} item ${44 - i}`));
      assert.match(p2.text, /id="list-position">21–40 of 45</);
      assert.match(p3.text, /id="list-position">41–45 of 45</);
      const back = await agent.get(link(p3.text, 'prev')!).expect(200);
      assert.match(back.text, /id="list-position">21–40 of 45</);
      assert.deepEqual(names(back.text), names(p2.text));
    });

    it('when the search matches nothing, then the empty state says so', async () => {
      const res = await supertest(fx.app).get('/').query({ q: 'zzz-no-such-name' }).expect(200);
      assert.match(res.text, /No product name or ID contains “<bdi>zzz-no-such-name<\/bdi>”/);
    });

    it('when a page link is corrupted, then 400 page, not a crash', async () => {
      const res = await supertest(fx.app).get('/?before=%%%').set('Accept', 'text/html').expect(400);
      assert.match(res.text, /page link is not valid/);
    });

    it('when a page does not exist, then 404 page for browsers and problem+json for JSON clients', async () => {
      const html = await supertest(fx.app).get('/nowhere').set('Accept', 'text/html').expect(404);
      assert.match(html.text, /<h1>Not found<\/h1>/);
      const json = await supertest(fx.app).get('/nowhere').set('Accept', 'application/json').expect(404);
      assert.equal(json.body.status, 404);
    });
  });
}

describe('HTML pages when the database is unavailable', () => {
  const stores = memoryStores();
  const fail = async () => {
    throw new StoreUnavailableError('down');
  };
  Object.assign(stores.products, { listPage: fail, count: fail, create: fail, remove: fail });
  const app = appWith(stores);

  it('when the page loads, then 503 with Retry-After, and it says the database is unavailable', async () => {
    const res = await supertest(app).get('/').expect(503);
    assert.match(res.text, /database is unavailable/);
    assert.equal(res.headers['retry-after'], String(UNAVAILABLE_RETRY_SECONDS));
  });

  it('when a product is submitted, then 503 with the input kept', async () => {
    const { agent } = await pageClient(app, stores, 'editor');
    const token = /name="_csrf" value="([^"]+)"/.exec((await agent.get('/')).text)![1]!;
    const res = await agent.post('/products').type('form').send({ product_id: 'kept-1', product_name: 'Kept', _csrf: token }).expect(503);
    assert.match(res.text, /value="kept-1"/);
    assert.match(res.text, /unavailable/);
    assert.equal(res.headers['retry-after'], String(UNAVAILABLE_RETRY_SECONDS));
  });
});
