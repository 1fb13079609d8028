import assert from 'node:assert/strict';
import { once } from 'node:events';
import { get, type IncomingMessage, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { memoryStores } from '../web/stores.js';
import { TRANSFER_BATCH_ROWS } from '../web/limits.js';
import { appWith } from './support/app.js';
import { TEST_CONTEXT } from './support/auth.js';
import { waitFor } from './support/wait.js';

/** Enough that the file (about 14 MB) is far more than socket buffers hold. */
const PRODUCTS = 60_000;
const BATCHES = PRODUCTS / TRANSFER_BATCH_ROWS + 1; // the last one comes back empty

describe('the export stream: backpressure and a client that leaves', () => {
  const stores = memoryStores();
  let batches = 0;
  let server: Server;
  let url: string;

  before(async () => {
    await stores.products.importProducts(TEST_CONTEXT, async (importer) => {
      for (let i = 0; i < PRODUCTS; i += TRANSFER_BATCH_ROWS) {
        const rows = Array.from({ length: TRANSFER_BATCH_ROWS }, (_, j) => ({ line: i + j + 2, productId: `S-${i + j}`, productName: `${i + j} ${'long name '.repeat(20)}` }));
        await importer.add(rows);
      }
      return { commit: true, value: undefined, summary: {} };
    });
    // Counts the batches the export asks the (real, in-memory) store for.
    const exportBatch = stores.products.exportBatch.bind(stores.products);
    stores.products.exportBatch = (afterSeq, limit) => {
      batches++;
      return exportBatch(afterSeq, limit);
    };
    server = appWith(stores).listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/api/products/export?format=csv`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** Waits until no batch has been asked for during 500 ms, and returns how many there were. */
  async function settledBatches(): Promise<number> {
    let seen = -1;
    return waitFor('the export to stop asking for batches', async () => {
      const now = batches;
      if (now === seen) return now;
      seen = now;
      await sleep(500);
      return batches === now ? now : undefined;
    }, { timeoutMs: 30_000, intervalMs: 0 });
  }

  async function firstChunk(): Promise<IncomingMessage> {
    const res = await new Promise<IncomingMessage>((resolve) => get(url, resolve));
    assert.equal(res.statusCode, 200);
    await once(res, 'readable');
    res.pause();
    return res;
  }

  it('when the client stops reading, then the export stops asking the store for batches, and goes on when it reads again', async (t) => {
    batches = 0;
    const res = await firstChunk();
    const whilePaused = await settledBatches();
    t.diagnostic(`${whilePaused} of ${BATCHES} batches read while the client paused`);
    assert.ok(whilePaused < BATCHES / 2, `${whilePaused} of ${BATCHES} batches read while the client read nothing`);
    res.setEncoding('utf8');
    let lines = 0;
    res.on('data', (text: string) => (lines += text.split('\n').length - 1));
    res.resume();
    await once(res, 'end');
    assert.equal(lines, PRODUCTS + 1, 'every product, and the header');
    assert.equal(batches, BATCHES);
  });

  it('when the client disconnects part way, then the export asks for no more batches', async () => {
    batches = 0;
    const res = await firstChunk();
    await settledBatches();
    res.destroy();
    const afterLeaving = await settledBatches();
    assert.ok(afterLeaving < BATCHES / 2, `${afterLeaving} of ${BATCHES} batches`);
    await sleep(1000);
    assert.equal(batches, afterLeaving, 'nothing more after the client left');
  });
});
