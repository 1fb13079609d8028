import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createConnection, type Connection } from 'mysql2/promise';
import { Database } from '../../web/mysql/database.js';
import type { Express } from 'express';
import type supertest from 'supertest';
import { appWith, csrfToken, silentLogger } from '../support/app.js';
import { buildProduct } from '../support/factory.js';
import { createTestDatabase, skipUnlessMysql, TEST_SERVER, type TestDatabase } from '../support/mysql.js';
import { apiClient, pageClient, type ApiClient } from '../support/auth.js';

/** Unequal, so an answer that waited two query timeouts cannot pass for connect + query. */
const QUERY_TIMEOUT_MS = 1200;
const CONNECT_TIMEOUT_MS = 400;
/** The documented bound, connect + query timeout, plus at most 250 ms for late timers on a loaded machine. */
const BOUND_MS = CONNECT_TIMEOUT_MS + QUERY_TIMEOUT_MS + 250;

describe('a statement the database holds past the query timeout', await skipUnlessMysql(), () => {
  let db: TestDatabase;
  let database: Database;
  let app: Express;
  let api: ApiClient;
  let page: { agent: supertest.Agent; token: string };
  let locker: Connection | undefined;

  before(async () => {
    db = await createTestDatabase('pc_timeout');
    database = new Database({ ...db.config, poolSize: 2, queryTimeoutMs: QUERY_TIMEOUT_MS, connectTimeoutMs: CONNECT_TIMEOUT_MS }, silentLogger);
    await database.start();
    app = appWith(database.stores, { storage: 'mysql', readiness: () => database.readiness() });
    api = await apiClient(app, database.stores);
    const { agent } = await pageClient(app, database.stores);
    page = { agent, token: await csrfToken(agent) };
  });
  after(async () => {
    await locker?.end();
    await database?.close();
    await db?.drop();
  });

  /** Holds a write lock on products from another session, as a long migration or a stuck admin would. */
  async function lockProducts(): Promise<Connection> {
    locker = await createConnection({ ...TEST_SERVER, database: db.name });
    await locker.query('LOCK TABLES products WRITE');
    return locker;
  }

  async function unlock(conn: Connection) {
    await conn.query('UNLOCK TABLES');
    await conn.end();
    locker = undefined;
  }

  it('when an insert waits on a locked table, then 503 in bounded time says the change may or may not be saved', async () => {
    const conn = await lockProducts();
    const product = buildProduct();
    const started = Date.now();
    const res = await api.post('/api/products').send(product);
    const took = Date.now() - started;
    await unlock(conn);

    assert.equal(res.status, 503);
    assert.ok(took < BOUND_MS, `answered in ${took} ms`);
    // The statement reached the server; whether it runs once the lock goes is up to the server, so the
    // answer must not claim that nothing changed (fault 2's freeze shows such writes landing).
    assert.match(res.body.detail, /may or may not have been saved; check before sending it again/);
  });

  it('when an insert from the form waits on a locked table, then the 503 page comes within the same bound, without a second wait for the list', async () => {
    const conn = await lockProducts();
    const product = buildProduct();
    const started = Date.now();
    const res = await page.agent
      .post('/products')
      .type('form')
      .set('Accept', 'text/html')
      .send({ _csrf: page.token, product_id: product.productId, product_name: product.productName });
    const took = Date.now() - started;
    await unlock(conn);

    assert.equal(res.status, 503);
    assert.ok(took < BOUND_MS, `answered in ${took} ms`);
    assert.match(res.text, /may or may not have been saved/);
    // What was typed is kept, to send again once the database answers.
    assert.match(res.text, new RegExp(`value="${product.productId}"`));
  });

  it('when every pooled connection is held, then more requests get 503 in bounded time instead of queueing for ever', async () => {
    const conn = await lockProducts();
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 6 }, () => api.get('/api/products')));
    const took = Date.now() - started;
    await unlock(conn);

    assert.deepEqual(answers.map((r) => r.status), Array(6).fill(503));
    assert.ok(took < BOUND_MS, `all answered within ${took} ms (pool of 2, 6 requests)`);
  });

  it('when the lock is gone, then the pool serves again: timed-out connections were replaced, not leaked', async () => {
    for (let i = 0; i < 4; i++) await api.post('/api/products').send(buildProduct()).expect(201);
    assert.equal((await api.get('/readyz')).status, 200);
    const stats = database.poolStats();
    assert.ok(stats.total <= stats.limit, `pool within its limit: ${JSON.stringify(stats)}`);
  });
});
