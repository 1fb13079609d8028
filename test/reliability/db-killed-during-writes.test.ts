import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { AppProcess } from '../support/app-process.js';
import { faultSuite } from './support/suite.js';
import { waitFor } from '../support/wait.js';
import { WriteStream, type WriteOutcome } from './support/write-stream.js';

const DATABASE = 'catalog_fault2';
const CONNECT_TIMEOUT_MS = 1000;
const QUERY_TIMEOUT_MS = 1500;
/** The documented bound: a failing write is answered within connect + query timeout (+ 250 ms for late timers). */
const FAIL_BOUND_MS = CONNECT_TIMEOUT_MS + QUERY_TIMEOUT_MS + 250;
/** More writers than pooled connections, so requests also queue for connections during the outage. */
const WORKERS = 8;
const POOL_SIZE = 4;
const NOTHING_CHANGED = /nothing was read or changed/;

describe('fault 2a: the database is killed during a stream of writes', () => {
  const suite = faultSuite();
  let app: AppProcess;
  let stream: WriteStream | undefined;

  before(async () => {
    app = await suite.startApp(DATABASE, {
      MYSQL_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
      MYSQL_QUERY_TIMEOUT_MS: String(QUERY_TIMEOUT_MS),
      MYSQL_POOL_SIZE: String(POOL_SIZE),
    });
    await app.waitReady();
  });
  after(async () => stream?.stop());

  /** Runs writes through `outage`, then until `recovered` more succeed; returns every outcome. */
  async function writesThrough(outage: { begin: () => Promise<void>; end: () => Promise<void> }, recovered: number) {
    stream = new WriteStream({ url: app.url, token: await app.token() }, WORKERS);
    await waitFor('20 writes before the outage', () => stream!.count((o) => o.status === 201) >= 20);
    const beganAt = Date.now();
    await outage.begin();
    try {
      await waitFor('20 refused writes during the outage', () => stream!.count((o) => o.startedAt > beganAt && o.status === 503) >= 20, {
        timeoutMs: 30_000,
      });
      const ready = await fetch(`${app.url}/readyz`);
      assert.equal(ready.status, 503, 'not ready during the outage');
      assert.equal((await fetch(`${app.url}/healthz`)).status, 200, 'alive during the outage');
    } finally {
      await outage.end();
    }
    const endedAt = Date.now();
    await waitFor(`${recovered} writes after the outage`, () => stream!.count((o) => o.startedAt > endedAt && o.status === 201) >= recovered);
    const outcomes = await stream.stop();
    stream = undefined;
    return outcomes;
  }

  /** What must hold after any outage: only 201/503, bounded 503s, nothing acknowledged lost, the same process serving. */
  async function assertSurvived(t: TestContext, outcomes: readonly WriteOutcome[]) {
    const counts: Record<string, number> = {};
    for (const o of outcomes) counts[String(o.status)] = (counts[String(o.status)] ?? 0) + 1;
    assert.deepEqual(Object.keys(counts).sort(), ['201', '503'], `only 201 and 503 answers: ${JSON.stringify(counts)}`);

    const failures = outcomes.filter((o) => o.status === 503);
    const slow = failures.filter((o) => o.ms > FAIL_BOUND_MS).map((o) => Math.round(o.ms));
    assert.deepEqual(slow, [], `every 503 within ${FAIL_BOUND_MS} ms`);
    assert.ok(failures.every((o) => o.retryAfter === '5'), 'every 503 says when to retry');

    const rows = await suite.db.query<{ product_id: string }[]>('SELECT product_id FROM products', [], DATABASE);
    const stored = new Set(rows.map((r) => r.product_id));
    const acknowledged = outcomes.filter((o) => o.status === 201);
    const lost = acknowledged.filter((o) => !stored.has(o.productId)).map((o) => o.productId);
    assert.deepEqual(lost, [], `${lost.length} of ${acknowledged.length} acknowledged writes are missing`);
    // A 503 that was in flight may still have been written; it must not have claimed "nothing changed".
    const landed = failures.filter((o) => stored.has(o.productId));
    assert.deepEqual(landed.filter((o) => NOTHING_CHANGED.test(o.body)).map((o) => o.productId), [], 'no stored write was reported as unchanged');

    assert.equal((await fetch(`${app.url}/readyz`)).status, 200);
    assert.ok(app.running, 'the same process serves after the outage');
    assert.doesNotMatch(app.output, /unhandled|uncaught/i);
    const maxFail = Math.max(...failures.map((o) => o.ms));
    t.diagnostic(`${JSON.stringify(counts)}; ${acknowledged.length} acknowledged writes all stored; ${landed.length} answered 503 yet stored; slowest 503 ${Math.round(maxFail)} ms`);
  }

  it('when mariadbd is killed -9 mid-stream, then writes fail fast with 503, the app recovers on its own, and no acknowledged write is lost', async (t) => {
    const outcomes = await writesThrough({ begin: () => suite.db.kill('SIGKILL'), end: () => suite.db.start() }, 30);
    await assertSurvived(t, outcomes);
  });
});
