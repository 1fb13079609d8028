import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { buildProduct } from '../support/factory.js';
import type { AppProcess } from '../support/app-process.js';
import supertest from 'supertest';
import { postProduct } from './support/http.js';
import { faultSuite } from './support/suite.js';

const DATABASE = 'catalog_fault1';

describe('fault 1: the database is down when the app starts', () => {
  const suite = faultSuite({ started: false }); // installed, not started: nothing listens on its port yet
  let app: AppProcess;

  before(async () => {
    app = await suite.startApp(DATABASE);
  });

  it('when no database answers, then the API answers 503 problem+json with Retry-After and a clear message', async () => {
    const list = await fetch(`${app.url}/api/products`);
    assert.equal(list.status, 503);
    assert.match(list.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.equal(list.headers.get('retry-after'), '5');
    const problem = (await list.json()) as { title: string; detail: string };
    assert.equal(problem.title, 'Database unavailable');
    assert.match(problem.detail, /database is unavailable right now, so nothing was read or changed/);

    // A token cannot be checked without the database: 503, not 401 (the token may be fine).
    const created = await postProduct({ url: app.url, token: `pc_${'a'.repeat(43)}` }, buildProduct());
    assert.equal(created.status, 503);
    assert.match(created.body, /Database unavailable/);
    // Anonymous writes need no database to refuse.
    assert.equal((await postProduct({ url: app.url }, buildProduct())).status, 401);
  });

  it('when no database answers, then the page and sign-in answer 503 with the reason shown', async () => {
    const agent = supertest.agent(app.url);
    const page = await agent.get('/').set('Accept', 'text/html');
    assert.equal(page.status, 503);
    assert.match(page.text, /The database is unavailable right now/);

    const login = await agent.get('/login').expect(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(login.text)![1];
    const signIn = await agent.post('/login').type('form').set('Accept', 'text/html').send({ _csrf: csrf, username: 'admin', password: 'anything at all here' });
    assert.equal(signIn.status, 503);
    assert.match(signIn.text, /nothing was read or changed/);
  });

  it('when no database answers, then /readyz is 503 with the reason and /healthz is 200', async () => {
    const ready = await fetch(`${app.url}/readyz`);
    assert.equal(ready.status, 503);
    assert.match(((await ready.json()) as { reason: string }).reason, /Cannot reach the database: ECONNREFUSED/);
    assert.equal((await fetch(`${app.url}/healthz`)).status, 200);
    assert.ok(app.running, 'the app must not crash without its database');
  });

  it('when the database comes up, then the same process creates the database, migrates and serves', async () => {
    const pid = app.child.pid;
    await suite.db.start();
    await app.waitReady();

    const product = buildProduct({ productName: 'after the outage' });
    assert.equal((await postProduct({ url: app.url, token: await app.token() }, product)).status, 201);
    const got = await fetch(`${app.url}/api/products/${product.productId}`);
    assert.equal(got.status, 200);
    assert.equal(((await got.json()) as { productName: string }).productName, 'after the outage');
    const page = await fetch(`${app.url}/`, { headers: { accept: 'text/html' } });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /after the outage/);

    const versions = await suite.db.query<{ version: string }[]>('SELECT version FROM schema_migrations ORDER BY version', [], DATABASE);
    assert.ok(versions.length >= 2, 'every migration is recorded');
    assert.equal(app.child.pid, pid);
    assert.ok(app.running);
    assert.doesNotMatch(app.output, /unhandled|uncaught/i);
  });
});
