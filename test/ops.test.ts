import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import supertest from 'supertest';
import { Database } from '../web/mysql/database.js';
import { Metrics } from '../web/ops/metrics.js';
import { memoryStores } from '../web/stores.js';
import { apiClient } from './support/auth.js';
import { appWith, mysqlFixture, silentLogger } from './support/app.js';
import { buildProduct } from './support/factory.js';
import { skipUnlessMysql, TEST_SERVER } from './support/mysql.js';
import { freePort } from './support/process.js';

describe('health, readiness and metrics', () => {
  it('when the app serves, then /healthz is 200', async () => {
    const res = await supertest(appWith()).get('/healthz').expect(200);
    assert.deepEqual(res.body, { status: 'ok' });
  });

  it('when requests were served, then /metrics counts them by route pattern and status', async () => {
    const stores = memoryStores();
    const metrics = new Metrics(() => ({ total: 3, idle: 2, waiting: 0, limit: 10 }));
    const app = appWith(stores, { metrics });
    const api = await apiClient(app, stores);
    const product = buildProduct();
    await api.post('/api/products').send(product).expect(201);
    await api.get(`/api/products/${product.productId}`).expect(200);
    await api.get('/api/products/missing').expect(404);
    const res = await supertest(app).get('/metrics').expect(200).expect('Content-Type', /text\/plain/);
    assert.match(res.text, /http_requests_total\{method="POST",route="\/api\/products",status="201"\} 1/);
    assert.match(res.text, /http_requests_total\{method="GET",route="\/api\/products\/:productId",status="404"\} 1/);
    assert.match(res.text, /http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/api\/products\/:productId",status="200"\}/);
    assert.match(res.text, /db_pool_connections 3/);
    assert.match(res.text, /process_resident_memory_bytes/);
  });
});

describe('readiness against MySQL', await skipUnlessMysql(), () => {
  it('when the database is migrated and answers, then /readyz is 200', async () => {
    const fx = await mysqlFixture();
    try {
      const res = await supertest(fx.app).get('/readyz').expect(200);
      assert.deepEqual(res.body, { status: 'ready' });
    } finally {
      await fx.close();
    }
  });

  describe('when no database answers', () => {
    let database: Database;
    let app: ReturnType<typeof appWith>;
    before(async () => {
      const port = await freePort(); // nothing listens there
      database = new Database({ ...TEST_SERVER, port, database: 'ProductDetails', poolSize: 2, connectTimeoutMs: 500, queryTimeoutMs: 500 }, silentLogger);
      void database.start();
      app = appWith(database.stores, { storage: 'mysql', readiness: () => database.readiness() });
    });
    after(async () => database?.close());

    it('then /healthz is 200 and /readyz is 503 with the reason', async () => {
      await supertest(app).get('/healthz').expect(200);
      const res = await supertest(app).get('/readyz').expect(503);
      assert.equal(res.body.status, 'not ready');
      assert.match(res.body.reason, /database/i);
    });

    it('then the API answers 503 problem+json with Retry-After, and the page says so', async () => {
      const api = await supertest(app).get('/api/products').expect(503).expect('Content-Type', /problem\+json/);
      assert.equal(api.headers['retry-after'], '5');
      assert.match(api.body.detail, /database is unavailable/);
      // Who may write is known without the database: anonymous is refused; a token needs the database to check.
      await supertest(app).post('/api/products').send(buildProduct()).expect(401);
      await supertest(app).post('/api/products').set('Authorization', `Bearer pc_${'x'.repeat(43)}`).send(buildProduct()).expect(503);
      const page = await supertest(app).get('/').expect(503);
      assert.match(page.text, /database is unavailable/);
    });
  });
});
