import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import supertest from 'supertest';
import { memoryStores } from '../web/stores.js';
import { appWith } from './support/app.js';

/** An app whose log lines land in `lines`, parsed. */
function loggedApp(stores = memoryStores()) {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { app: appWith(stores, { logger }), lines };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('request ids and request logs', () => {
  it('when a request ends, then one line carries its id, method, URL, status and time, and the id is sent back', async () => {
    const { app, lines } = loggedApp();
    const res = await supertest(app).get('/api/products?limit=1').expect(200);
    assert.match(res.headers['x-request-id']!, UUID);
    const [line] = lines.filter((l) => l.msg === 'request completed');
    assert.deepEqual(
      { ...line, time: undefined, pid: undefined, hostname: undefined, ms: typeof line?.ms },
      { level: 30, reqId: res.headers['x-request-id'], method: 'GET', url: '/api/products?limit=1', status: 200, ms: 'number', msg: 'request completed', time: undefined, pid: undefined, hostname: undefined },
    );
  });

  it("when the caller sends a plain X-Request-Id, then it is kept; when it sends junk, then a fresh one replaces it", async () => {
    const { app } = loggedApp();
    const kept = await supertest(app).get('/healthz').set('X-Request-Id', 'trace-42.a_b').expect(200);
    assert.equal(kept.headers['x-request-id'], 'trace-42.a_b');
    const replaced = await supertest(app).get('/healthz').set('X-Request-Id', 'x'.repeat(65)).expect(200);
    assert.match(replaced.headers['x-request-id']!, UUID);
  });

  it('when probes succeed, then they are not logged; when a client errs, then it is a warning', async () => {
    const { app, lines } = loggedApp();
    await supertest(app).get('/healthz').expect(200);
    await supertest(app).get('/readyz').expect(200);
    await supertest(app).get('/api/products/missing').expect(404);
    assert.deepEqual(lines.map((l) => [l.level, l.url]), [[40, '/api/products/missing']]);
  });

  it('when a request fails inside the app, then the error is logged with the request id and the client sees no detail', async () => {
    const stores = memoryStores();
    stores.products.get = async () => {
      throw new Error('secret internal detail');
    };
    const { app, lines } = loggedApp(stores);
    const res = await supertest(app).get('/api/products/p1').expect(500);
    assert.doesNotMatch(res.text, /secret internal detail|at .*\.ts/);
    const failed = lines.find((l) => l.msg === 'request failed');
    assert.equal(failed?.reqId, res.headers['x-request-id']);
    assert.match(String((failed?.err as { message?: string })?.message), /secret internal detail/);
    assert.equal(lines.find((l) => l.msg === 'request completed')?.level, 50);
  });
});
