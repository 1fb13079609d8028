import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import supertest from 'supertest';
import { checkNewProduct } from '../web/catalog/validation.js';
import { memoryStores } from '../web/stores.js';
import { StoreUnavailableError } from '../web/storage-errors.js';
import { appWith, csrfToken, type StoreFixture } from './support/app.js';
import { apiAs, apiClient, createAccount, createToken, signIn } from './support/auth.js';
import { buildProduct } from './support/factory.js';
import { storeFixtures } from './support/fixtures.js';
import { allProducts, asText, catalogState, exportFile, importFile } from './support/transfer.js';
import { waitFor } from './support/wait.js';

const PROBLEM = /^application\/problem\+json/;
const today = () => new Date().toISOString().slice(0, 10);
const csvFile = (rows: string[]) => Buffer.from(`product_id,product_name\r\n${rows.map((r) => `${r}\r\n`).join('')}`);
const csvOf = (rows: string[]) => `product_id,product_name\r\n${rows.map((r) => `${r}\r\n`).join('')}`;

for (const kind of await storeFixtures()) {
  describe(`export and import on the ${kind.name} store`, () => {
    let fx: StoreFixture;
    let api: Awaited<ReturnType<typeof apiClient>>;
    before(async () => {
      fx = await kind.open();
      api = await apiClient(fx.app, fx.stores, 'editor');
    });
    after(async () => fx?.close());

    describe('GET /api/products/export', () => {
      it('when exported as CSV, then RFC 4180 with the header, one CRLF record per product in the order added, as a dated attachment', async () => {
        const made = [buildProduct({ productName: 'Tea ☕ 茶' }), buildProduct({ productName: 'Comma, "quoted" name' })];
        for (const p of made) await api.post('/api/products').send(p).expect(201);
        const res = await exportFile(api, 'csv').expect(200);
        assert.equal(res.headers['content-type'], 'text/csv; charset=utf-8; header=present');
        assert.equal(res.headers['content-disposition'], `attachment; filename="products-${today()}.csv"`);
        assert.equal(res.headers['cache-control'], 'no-store');
        const lines = (res.body as string).split('\r\n');
        assert.equal(lines[0], 'product_id,product_name,created_at');
        assert.equal(lines.at(-1), '', 'every record ends with CRLF');
        const all = await allProducts(fx.store);
        assert.equal(lines.length, all.length + 2);
        const created = await Promise.all(made.map((p) => fx.store.get(p.productId)));
        assert.deepEqual(lines.slice(-3, -1), [
          `${made[0]!.productId},Tea ☕ 茶,${created[0]!.createdAt.toISOString()}`,
          `${made[1]!.productId},"Comma, ""quoted"" name",${created[1]!.createdAt.toISOString()}`,
        ]);
      });

      it('when a name starts with = + - @ or \', then the CSV cell starts with \' so spreadsheets show text, and NDJSON keeps the name as it is', async () => {
        const cells: Array<[string, string]> = [
          ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
          ['+1', "'+1"],
          ['-2+3', "'-2+3"],
          ['@SUM(A1)', "'@SUM(A1)"],
          ["'already quoted", "''already quoted"],
          ['plain', 'plain'],
        ];
        const made = cells.map(([productName]) => buildProduct({ productName }));
        for (const p of made) await api.post('/api/products').send(p).expect(201);
        const csv = (await exportFile(api, 'csv').expect(200)).body as string;
        const cellOf = (id: string) => csv.split('\r\n').find((line) => line.startsWith(`${id},`))?.slice(id.length + 1, -',2026-01-01T00:00:00.000Z'.length);
        assert.deepEqual(made.map((p) => cellOf(p.productId)), cells.map(([, cell]) => cell));
        const ndjson = await exportFile(api, 'ndjson').expect(200).expect('Content-Type', 'application/x-ndjson; charset=utf-8');
        assert.equal(ndjson.headers['content-disposition'], `attachment; filename="products-${today()}.ndjson"`);
        const lines = (ndjson.body as string).trimEnd().split('\n').map((l) => JSON.parse(l) as { productId: string; productName: string; createdAt: string });
        for (const p of made) assert.equal(lines.find((l) => l.productId === p.productId)?.productName, p.productName);
        assert.deepEqual(Object.keys(lines[0]!), ['productId', 'productName', 'createdAt']);
      });

      it('when format is not csv or ndjson, then 400 naming format; without format the path is the product with ID "export"', async () => {
        const res = await api.get('/api/products/export?format=xlsx').expect(400).expect('Content-Type', PROBLEM);
        assert.equal(res.body.errors[0].field, 'format');
        await api.get('/api/products/export').expect(404);
        await api.post('/api/products').send({ productId: 'export', productName: 'A product called export' }).expect(201);
        assert.equal((await api.get('/api/products/export').expect(200)).body.productName, 'A product called export');
        await api.delete('/api/products/export').expect(204);
      });

      it('when anonymous, then it may export (a read), and the import answers 401', async () => {
        const anonymous = apiAs(fx.app, undefined);
        await anonymous.get('/api/products/export?format=ndjson').expect(200);
        await importFile(anonymous, csvOf([`${buildProduct().productId},x`])).expect(401);
      });

      it('when the catalog is empty, then the CSV is the header alone and the NDJSON is empty', async () => {
        const empty = apiAs(appWith(memoryStores()), undefined);
        assert.equal((await exportFile(empty, 'csv').expect(200)).body, 'product_id,product_name,created_at\r\n');
        assert.equal((await exportFile(empty, 'ndjson').expect(200)).body, '');
      });
    });

    describe('POST /api/products/import', () => {
      it('when a CSV file is valid, then 200 with the counts, every row stored with its time, counted, and one audit event', async () => {
        const before = await catalogState(fx.stores);
        const ids = [buildProduct().productId, buildProduct().productId];
        const body = `product_id,product_name,created_at\n${ids[0]},  Mate 🧉  ,2020-02-29T12:34:56.789Z\n${ids[1]},Yerba,\n`;
        const res = await importFile(api, body).expect(200).expect('Content-Type', /json/);
        assert.deepEqual(res.body, { mode: 'all-or-nothing', format: 'csv', read: 2, created: 2, skipped: 0, rejected: 0, problems: [], complete: true });
        const [first, second] = await Promise.all(ids.map((id) => fx.store.get(id)));
        assert.deepEqual([first?.productName, first?.createdAt.toISOString()], ['Mate 🧉', '2020-02-29T12:34:56.789Z']);
        assert.ok(Math.abs(second!.createdAt.getTime() - Date.now()) < 60_000);
        assert.equal(await fx.store.count(), before.count + 2);
        const [event] = (await fx.stores.audit.list({ action: 'product.import', limit: 1 })).events;
        assert.equal((await catalogState(fx.stores)).imports, before.imports + 1);
        assert.deepEqual([event?.actor?.username, event?.after], [api.account.username, { format: 'csv', mode: 'all-or-nothing', read: 2, created: 2, skipped: 0 }]);
      });

      it('when an NDJSON file is valid, then its products are stored', async () => {
        const p = buildProduct();
        const body = `${JSON.stringify({ productId: p.productId, productName: p.productName })}\n\n`;
        const res = await importFile(api, body, 'application/x-ndjson').expect(200);
        assert.deepEqual([res.body.format, res.body.read, res.body.created], ['ndjson', 1, 1]);
        assert.equal((await fx.store.get(p.productId))?.productName, p.productName);
      });

      it('when an ID exists, then all-or-nothing answers 409 naming its line and changes nothing; skip-existing skips it and imports the rest', async () => {
        const existing = buildProduct();
        await api.post('/api/products').send(existing).expect(201);
        const fresh = buildProduct();
        const body = csvOf([`${fresh.productId},${fresh.productName}`, `${existing.productId},Other name`]);
        const before = await catalogState(fx.stores);
        const refused = await importFile(api, body).expect(409).expect('Content-Type', PROBLEM);
        assert.deepEqual(refused.body.problems, [{ line: 3, field: 'product_id', message: `A product with ID '${existing.productId}' exists already.` }]);
        assert.deepEqual([refused.body.read, refused.body.created, refused.body.rejected], [2, 0, 1]);
        assert.match(refused.body.detail, /nothing was imported.*skip-existing/);
        assert.deepEqual(await catalogState(fx.stores), before);

        const res = await importFile(api, body, 'text/csv', '?mode=skip-existing').expect(200);
        assert.deepEqual([res.body.read, res.body.created, res.body.skipped, res.body.rejected], [2, 1, 1, 0]);
        assert.equal((await fx.store.get(existing.productId))?.productName, existing.productName);
        assert.equal(await fx.store.count(), before.count + 1);
      });

      it('when rows break the rules of a single create or repeat an ID, then 400 lists each problem by line and field, and nothing changes', async () => {
        const repeated = buildProduct().productId;
        const body = csvOf([`${repeated},First`, 'has space,Name', `${buildProduct().productId},`, `${repeated},Second`, `${buildProduct().productId},${'x'.repeat(256)}`]);
        const before = await catalogState(fx.stores);
        const res = await importFile(api, body).expect(400).expect('Content-Type', PROBLEM);
        const single = (productId: string, productName: string) => {
          const checked = checkNewProduct({ productId, productName });
          return checked.ok ? [] : checked.errors.map((e) => e.message);
        };
        assert.deepEqual(res.body.problems, [
          { line: 3, field: 'product_id', message: single('has space', 'Name')[0] },
          { line: 4, field: 'product_name', message: single('ok', '')[0] },
          { line: 5, field: 'product_id', message: `Product ID '${repeated}' is on an earlier line too.` },
          { line: 6, field: 'product_name', message: single('ok', 'x'.repeat(256))[0] },
        ]);
        assert.deepEqual([res.body.read, res.body.created, res.body.rejected, res.body.complete], [5, 0, 4, true]);
        assert.deepEqual(await catalogState(fx.stores), before);
      });

      it('when a file has more than 100 bad rows, then the first 100 problems come back and reading stops there', async () => {
        const body = csvOf(Array.from({ length: 250 }, (_, i) => `bad id ${i},x`));
        const res = await importFile(api, body).expect(400);
        assert.equal(res.body.problems.length, 100);
        assert.deepEqual(res.body.problems.map((p: { line: number }) => p.line), Array.from({ length: 100 }, (_, i) => i + 2));
        assert.equal(res.body.complete, false);
        assert.ok(res.body.read < 250, `read ${res.body.read}`);
        assert.match(res.body.detail, /stopped after 100 problems/);
      });

      it('when 2,500 rows come in batches, then all are stored in file order and the count stays right', async () => {
        const before = await fx.store.count();
        const tag = buildProduct().productId;
        const body = csvOf(Array.from({ length: 2500 }, (_, i) => `${tag}-${i},Bulk ${i}`));
        const res = await importFile(api, body).expect(200);
        assert.equal(res.body.created, 2500);
        assert.equal(await fx.store.count(), before + 2500);
        const mine = (await allProducts(fx.store)).filter((p) => p.productId.startsWith(`${tag}-`));
        assert.deepEqual(mine.map((p) => p.productName), Array.from({ length: 2500 }, (_, i) => `Bulk ${i}`));
      });

      it('when the request is wrong, then 415 for the type or charset, 400 for the mode, 403 for a viewer', async () => {
        const body = csvOf([`${buildProduct().productId},x`]);
        const typed = await importFile(api, body, 'text/plain').expect(415).expect('Content-Type', PROBLEM);
        assert.match(typed.body.detail, /text\/csv or application\/x-ndjson/);
        assert.match((await importFile(api, body, 'text/csv; charset=iso-8859-1').expect(415)).body.detail, /UTF-8/);
        assert.equal((await importFile(api, body, 'text/csv', '?mode=merge').expect(400)).body.errors[0].field, 'mode');
        const viewer = await apiClient(fx.app, fx.stores, 'viewer');
        await importFile(viewer, body).expect(403);
      });
    });
  });
}

describe('import limits', () => {
  it('when an import is sent, then it costs one write of the rate limit, however many rows it has', async () => {
    const stores = memoryStores();
    const app = appWith(stores, { writeRateLimitPerMinute: 3 });
    const api = await apiClient(app, stores, 'editor');
    const tag = buildProduct().productId;
    await importFile(api, csvOf(Array.from({ length: 50 }, (_, i) => `${tag}-${i},x`))).expect(200);
    await api.post('/api/products').send(buildProduct()).expect(201);
    await api.post('/api/products').send(buildProduct()).expect(201);
    await importFile(api, csvOf([`${tag}-x,x`])).expect(429);
  });

  it('when a user starts a second import while one runs, then 429 for it, through the API or the page; another user may import meanwhile', async () => {
    const stores = memoryStores();
    const app = appWith(stores);
    const server: Server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      const firstAccount = await createAccount(stores, 'editor');
      const first = await createToken(stores, firstAccount.username);
      const second = await createToken(stores, (await createAccount(stores, 'editor')).username);
      const p = buildProduct();
      // The first import sends its header and then waits: it is running until its body ends.
      let answer: ((status: number) => void) | undefined;
      const answered = new Promise<number>((resolve) => (answer = resolve));
      const slow = request(`${url}/api/products/import`, { method: 'POST', headers: { 'content-type': 'text/csv', authorization: `Bearer ${first}` } }, (res) => {
        res.resume();
        answer!(res.statusCode!);
      });
      slow.write('product_id,product_name\n');
      const agent = supertest(url);
      await waitFor('the first import to be running', async () => (await agent.post('/api/products/import').set('Authorization', `Bearer ${first}`).type('text/csv').send('x')).status === 429);
      const busy = await agent.post('/api/products/import').set('Authorization', `Bearer ${first}`).type('text/csv').send(csvOf([`${buildProduct().productId},x`])).expect(429);
      assert.match(busy.body.detail, /still running/);
      // The same user's import through the page waits too: one limit for both ways in.
      const page = await signIn(app, firstAccount);
      const csrf = await csrfToken(page, '/import');
      await page.post('/import').field('_csrf', csrf).attach('file', csvFile([`${buildProduct().productId},x`]), 'a.csv').expect(429);
      await agent.post('/api/products/import').set('Authorization', `Bearer ${second}`).type('text/csv').send(csvOf([`${buildProduct().productId},x`])).expect(200);
      slow.end(`${p.productId},${p.productName}\n`);
      assert.equal(await answered, 200);
      await agent.post('/api/products/import').set('Authorization', `Bearer ${first}`).type('text/csv').send(csvOf([`${buildProduct().productId},x`])).expect(200);
    } finally {
      server.close();
    }
  });

  it('when the database is unavailable before the first batch, then the export is a 503 problem, not a broken file', async () => {
    const stores = memoryStores();
    Object.assign(stores.products, {
      exportBatch: async () => {
        throw new StoreUnavailableError('down');
      },
    });
    const res = await supertest(appWith(stores)).get('/api/products/export?format=csv').buffer(true).parse(asText).expect(503).expect('Content-Type', PROBLEM);
    assert.equal(res.headers['retry-after'], '5');
  });
});
