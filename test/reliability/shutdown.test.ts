import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, it } from 'node:test';
import { buildProduct } from '../support/factory.js';
import type { AppProcess } from '../support/app-process.js';
import { heldPost, type HeldOutcome } from './support/held-request.js';
import { faultSuite } from './support/suite.js';
import { waitFor } from '../support/wait.js';

const DATABASE = 'catalog_fault3';
const GRACE_SECONDS = 5;
/** Exit must follow the signal within the grace period; the slack covers a loaded machine. */
const EXIT_SLACK_MS = 2000;
const WORKERS = 6;

describe('fault 3: SIGTERM while requests are in flight', () => {
  const suite = faultSuite();

  async function startApp(graceSeconds: number, extraEnv: Record<string, string> = {}): Promise<AppProcess> {
    const app = await suite.startApp(DATABASE, { SHUTDOWN_GRACE_SECONDS: String(graceSeconds), LOG_LEVEL: 'info', ...extraEnv });
    await app.waitReady();
    return app;
  }

  const abortedClients = async () =>
    Number((await suite.db.query<{ Value: string }[]>("SHOW GLOBAL STATUS LIKE 'Aborted_clients'"))[0]!.Value);

  for (const [processes, env, servers] of [
    ['one process', {}, 1],
    ['the primary of two workers (WEB_CONCURRENCY=2)', { WEB_CONCURRENCY: '2' }, 2],
  ] as const) {
    it(`when SIGTERM reaches ${processes} mid-stream, then every accepted request completes, the pools close cleanly and the exit code is 0 within the grace period`, async (t) => {
      const app = await startApp(GRACE_SECONDS, env);
      const target = { url: app.url, token: await app.token() };
      const abortedBefore = await abortedClients();
      const outcomes: HeldOutcome[] = [];
      const inFlight = new Set<string>();
      let refused = false;
      // Each worker posts with a random pause between the server's 100 Continue and the body, until the server refuses it.
      const workers = Array.from({ length: WORKERS }, async () => {
        while (!refused) {
          const product = buildProduct();
          inFlight.add(product.productId);
          const outcome = await heldPost(target, product, Math.random() * 800);
          inFlight.delete(product.productId);
          outcomes.push(outcome);
          if (outcome.error) refused = true;
        }
      });

      await waitFor('20 answered writes', () => outcomes.filter((o) => o.status === 201).length >= 20);
      await waitFor('writes in flight', () => inFlight.size >= 3);
      const signalledAt = Date.now();
      app.signal('SIGTERM');
      const exit = await app.exited;
      const tookMs = Date.now() - signalledAt;
      refused = true;
      await Promise.all(workers);

      assert.deepEqual(exit, { code: 0, signal: null });
      assert.ok(tookMs < GRACE_SECONDS * 1000 + EXIT_SLACK_MS, `exited ${tookMs} ms after SIGTERM`);
      const accepted = outcomes.filter((o) => o.accepted);
      const acceptedAtSignal = accepted.filter((o) => o.acceptedAt! <= signalledAt);
      const broken = accepted.filter((o) => o.status !== 201);
      assert.deepEqual(broken, [], 'every request the server accepted was answered 201');
      assert.ok(acceptedAtSignal.length > 20, 'the stream ran through the signal');
      assert.ok(outcomes.every((o) => o.accepted || o.error), 'a request is either accepted and answered or refused');

      const rows = await suite.db.query<{ product_id: string }[]>('SELECT product_id FROM products', [], DATABASE);
      const stored = new Set(rows.map((r) => r.product_id));
      assert.deepEqual(accepted.filter((o) => !stored.has(o.productId)).map((o) => o.productId), [], 'every 201 is stored');
      // The pool said goodbye (COM_QUIT) on each connection rather than dropping it at exit.
      assert.equal(await abortedClients(), abortedBefore, 'no connection aborted');
      assert.equal(app.output.match(/"msg":"stopped"/g)?.length, servers, 'every serving process stopped by itself');
      assert.doesNotMatch(app.output, /grace period over/);
      t.diagnostic(`${accepted.length} accepted writes, all 201 and stored; exit ${tookMs} ms after SIGTERM`);
    });
  }

  it('when a client stalls past the grace period, then its connection is closed and the process still exits 0 soon after', async () => {
    const app = await startApp(1);
    let accepted = false;
    const stalled = heldPost({ url: app.url, token: await app.token() }, buildProduct(), Infinity, () => (accepted = true));
    await waitFor('the stalled request to be accepted', () => accepted);
    const signalledAt = Date.now();
    app.signal('SIGTERM');
    const exit = await app.exited;
    const tookMs = Date.now() - signalledAt;

    assert.deepEqual(exit, { code: 0, signal: null });
    assert.ok(tookMs >= 1000 && tookMs < 1000 + EXIT_SLACK_MS, `exited ${tookMs} ms after SIGTERM, grace 1 s`);
    assert.match(app.output, /grace period over/);
    const outcome = await stalled;
    assert.ok(outcome.accepted && outcome.error, `the stalled client was cut off: ${JSON.stringify(outcome)}`);
  });

  it('when a keep-alive connection sits idle, then it does not delay the exit', async () => {
    const app = await startApp(GRACE_SECONDS);
    await new Promise<void>((resolve, reject) => {
      const req = request(`${app.url}/api/products`, { headers: { connection: 'keep-alive' } }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end();
    });
    const signalledAt = Date.now();
    app.signal('SIGTERM');
    const exit = await app.exited;
    assert.deepEqual(exit, { code: 0, signal: null });
    assert.ok(Date.now() - signalledAt < EXIT_SLACK_MS, 'exited at once, not after the grace period');
  });
});
