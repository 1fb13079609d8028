import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { AppProcess } from '../support/app-process.js';
import { faultSuite } from './support/suite.js';
import { MixedLoad, type Kind, type Outcome } from './support/mixed-load.js';
import { waitFor } from '../support/wait.js';

const DATABASE = 'catalog_frozen';
const CONNECT_TIMEOUT_MS = 1000;
const QUERY_TIMEOUT_MS = 2000;
/** Timers and the test's own client run late on a loaded machine; this is all the slack allowed. */
const SCHEDULING_MARGIN_MS = 250;
/** The documented bound (README, docs/RELIABILITY.md): every 503 within connect + query timeout. */
const BOUND_MS = CONNECT_TIMEOUT_MS + QUERY_TIMEOUT_MS + SCHEDULING_MARGIN_MS;
const KINDS: readonly Kind[] = ['read', 'write', 'transaction'];
const ANSWERS: Record<Kind, readonly number[]> = { read: [200, 404, 503], write: [200, 503], transaction: [201, 204, 303, 503] };
/** 503s of each kind to see during the freeze before thawing, so each kind met it mid-flight. */
const REFUSED_PER_KIND = 6;

describe('fault 2b: the database freezes (SIGSTOP) while 4 writers and 4 readers run', () => {
  const suite = faultSuite();
  let app: AppProcess;

  before(async () => {
    app = await suite.startApp(DATABASE, {
      MYSQL_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
      MYSQL_QUERY_TIMEOUT_MS: String(QUERY_TIMEOUT_MS),
    });
    await app.waitReady();
  });

  it('when mariadbd freezes, then every read, single write and transaction answers 503 within connect + query timeout, and all work again once it thaws', async (t) => {
    const load = await MixedLoad.start({ url: app.url, token: await app.token() }, { writers: 4, formWriters: 1, readers: 4 });
    let outcomes: Outcome[];
    try {
      await waitFor('each kind to succeed before the freeze', () => KINDS.every((k) => load.count((o) => o.kind === k && o.status !== 503) >= 5));
      const frozenAt = Date.now();
      suite.db.pause(true);
      try {
        await waitFor(
          `${REFUSED_PER_KIND} refusals of each kind during the freeze`,
          () => KINDS.every((k) => load.count((o) => o.kind === k && o.startedAt > frozenAt && o.status === 503) >= REFUSED_PER_KIND),
          { timeoutMs: 60_000 },
        );
        assert.equal((await fetch(`${app.url}/readyz`)).status, 503, 'not ready while frozen');
        assert.equal((await fetch(`${app.url}/healthz`)).status, 200, 'alive while frozen');
      } finally {
        suite.db.pause(false);
      }
      const thawedAt = Date.now();
      await waitFor('each kind to succeed after the thaw', () =>
        KINDS.every((k) => load.count((o) => o.kind === k && o.startedAt > thawedAt && o.status !== 503) >= 5),
      );
    } finally {
      outcomes = await load.stop();
    }

    for (const what of new Set(outcomes.map((o) => `${o.kind}: ${o.what}`))) {
      const refused = outcomes.filter((o) => `${o.kind}: ${o.what}` === what && o.status === 503);
      if (refused.length) t.diagnostic(`${what}: ${refused.length} × 503, slowest ${Math.round(Math.max(...refused.map((o) => o.ms)))} ms`);
    }
    for (const kind of KINDS) {
      const mine = outcomes.filter((o) => o.kind === kind);
      const unexpected = mine.filter((o) => !ANSWERS[kind].includes(o.status as number)).map((o) => `${o.what}: ${o.status}`);
      assert.deepEqual(unexpected, [], `${kind}s answer only ${ANSWERS[kind].join(', ')}`);
      const refused = mine.filter((o) => o.status === 503);
      const late = refused.filter((o) => o.ms > BOUND_MS).map((o) => `${o.what}: ${Math.round(o.ms)} ms`);
      assert.deepEqual(late, [], `every ${kind} 503 within ${CONNECT_TIMEOUT_MS} + ${QUERY_TIMEOUT_MS} + ${SCHEDULING_MARGIN_MS} ms`);
      // The page says it in words (and carries no Retry-After, as test/pages.test.ts pins down).
      const api = refused.filter((o) => o.what !== '/' && o.what !== 'form create');
      assert.ok(api.every((o) => o.retryAfter === '5'), `every ${kind} 503 of the API says when to retry`);
    }

    const rows = await suite.db.query<{ product_id: string }[]>('SELECT product_id FROM products', [], DATABASE);
    const stored = new Set(rows.map((r) => r.product_id));
    const lost = [...load.kept].filter((id) => !stored.has(id));
    assert.deepEqual(lost, [], `${lost.length} of ${load.kept.size} acknowledged products are missing`);
    const [count] = await suite.db.query<{ n: string }[]>('SELECT SUM(n) AS n FROM product_counts', [], DATABASE);
    // The kept count leaves out the trash (deleted products stay in the table until purged).
    const [live] = await suite.db.query<{ n: string }[]>('SELECT COUNT(*) AS n FROM products WHERE deleted_at IS NULL', [], DATABASE);
    assert.equal(Number(count?.n), Number(live?.n), 'the kept count matches the table: no transaction half-applied');
    assert.equal((await fetch(`${app.url}/readyz`)).status, 200);
    assert.ok(app.running, 'the same process serves after the freeze');
    assert.doesNotMatch(app.output, /unhandled|uncaught/i);
  });
});
