import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import supertest from 'supertest';
import { memoryStores } from '../web/stores.js';
import { appWith, csrfToken, type StoreFixture } from './support/app.js';
import { pageClient } from './support/auth.js';
import { buildProduct } from './support/factory.js';
import { storeFixtures } from './support/fixtures.js';
import { asText, catalogState } from './support/transfer.js';

const csvFile = (rows: string[]) => Buffer.from(`product_id,product_name\r\n${rows.map((r) => `${r}\r\n`).join('')}`);

for (const kind of await storeFixtures()) {
  describe(`the import page and the Export links on the ${kind.name} store`, () => {
    let fx: StoreFixture;
    let editor: supertest.Agent;
    let token: string;
    before(async () => {
      fx = await kind.open();
      editor = (await pageClient(fx.app, fx.stores, 'editor')).agent;
      token = await csrfToken(editor, '/import');
    });
    after(async () => fx?.close());

    /** Submits the import form as a browser does: the token and the mode first, then the file. */
    const submit = (file: Buffer | undefined, filename = 'products.csv', fields: Record<string, string> = {}) => {
      let req = editor.post('/import').field('_csrf', token).field('mode', 'all-or-nothing');
      for (const [name, value] of Object.entries(fields)) req = req.field(name, value);
      return file ? req.attach('file', file, filename) : req;
    };

    it('when the catalog page is loaded, then it links both exports for everyone and the import page for editors only', async () => {
      const anonymous = await supertest(fx.app).get('/').expect(200);
      assert.match(anonymous.text, /href="\/products\/export\?format=csv" download>CSV</);
      assert.match(anonymous.text, /href="\/products\/export\?format=ndjson" download>NDJSON</);
      assert.doesNotMatch(anonymous.text, /href="\/import"/);
      const viewer = (await pageClient(fx.app, fx.stores, 'viewer')).agent;
      assert.doesNotMatch((await viewer.get('/').expect(200)).text, /href="\/import"/);
      assert.match((await editor.get('/').expect(200)).text, /href="\/import">Import a file/);
    });

    it('when an Export link is followed, then the file comes as an attachment', async () => {
      const res = await supertest(fx.app).get('/products/export?format=csv').buffer(true).parse(asText).expect(200);
      assert.match(res.headers['content-disposition']!, /^attachment; filename="products-\d{4}-\d{2}-\d{2}\.csv"$/);
      assert.match(res.body as string, /^product_id,product_name,created_at\r\n/);
    });

    it('when an editor opens the import page, then the form sends the token and the mode before the file, and works without JavaScript', async () => {
      const page = (await editor.get('/import').expect(200)).text;
      const form = /<form method="post" action="\/import" enctype="multipart\/form-data"[\s\S]*?<\/form>/.exec(page)?.[0] ?? '';
      const order = ['name="_csrf"', 'name="mode" value="all-or-nothing" checked', 'name="mode" value="skip-existing"', 'name="file" type="file" required'].map((s) => form.indexOf(s));
      assert.ok(order.every((at, i) => at > (order[i - 1] ?? -1)), `fields in order: ${order.join(', ')}`);
      await (await pageClient(fx.app, fx.stores, 'viewer')).agent.get('/import').expect(403);
      const anonymous = await supertest(fx.app).get('/import').expect(303);
      assert.equal(anonymous.headers.location, '/login?next=%2Fimport');
    });

    it('when a valid file is chosen, then the page reports what was imported and the products are there', async () => {
      const products = [buildProduct(), buildProduct()];
      const res = await submit(csvFile(products.map((p) => `${p.productId},${p.productName}`))).expect(200);
      assert.match(res.text, /<p class="notice">Imported 2 products\.<\/p>/);
      assert.match(res.text, /<th scope="row">Created<\/th><td>2<\/td>/);
      for (const p of products) assert.equal((await fx.store.get(p.productId))?.productName, p.productName);
    });

    it('when the file is malformed, then the page says why, lists the problem and nothing changes', async () => {
      const before = await catalogState(fx.stores);
      const res = await submit(Buffer.from('id,name\r\nP-1,Tea\r\n')).expect(400);
      assert.match(res.text, /<p class="problem" role="alert">The first line must be the header product_id,product_name,created_at/);
      assert.match(res.text, /<title>Error: Import/);
      const rows = await submit(csvFile([`${buildProduct().productId},=ok`, 'bad id,Tea']), 'rows.csv').expect(400);
      assert.match(rows.text, /<td>3<\/td><td><code>product_id<\/code><\/td><td>Product ID may use only/);
      assert.deepEqual(await catalogState(fx.stores), before);
    });

    it('when the form comes without a file, with an unknown mode or without its token, then no import runs', async () => {
      const before = await catalogState(fx.stores);
      assert.match((await submit(undefined).expect(400)).text, /Choose a file to import/);
      const file = csvFile([`${buildProduct().productId},Tea`]);
      const badMode = await editor.post('/import').field('_csrf', token).field('mode', 'merge').attach('file', file, 'a.csv').expect(400);
      assert.match(badMode.text, /mode must be all-or-nothing or skip-existing/);
      await editor.post('/import').field('_csrf', 'forged').attach('file', file, 'a.csv').expect(403);
      await editor.post('/import').attach('file', file, 'a.csv').expect(403);
      assert.deepEqual(await catalogState(fx.stores), before);
    });

    it('when an NDJSON file is chosen, then its name tells the format', async () => {
      const p = buildProduct();
      const res = await submit(Buffer.from(`${JSON.stringify(p)}\n`), 'products.ndjson').expect(200);
      assert.match(res.text, /Imported 1 product\./);
      assert.equal((await fx.store.get(p.productId))?.productName, p.productName);
    });
  });
}

describe('the Export links when reading needs an account', () => {
  it('when PUBLIC_READ is false, then an anonymous export goes to sign in, and a signed-in viewer gets the file', async () => {
    const stores = memoryStores();
    const app = appWith(stores, { publicRead: false });
    const res = await supertest(app).get('/products/export?format=ndjson').expect(303);
    assert.equal(res.headers.location, '/login?next=%2Fproducts%2Fexport%3Fformat%3Dndjson');
    await supertest(app).get('/api/products/export?format=ndjson').expect(401);
    const viewer = (await pageClient(app, stores, 'viewer')).agent;
    await viewer.get('/products/export?format=ndjson').expect(200).expect('Content-Type', /x-ndjson/);
  });
});
