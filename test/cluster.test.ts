import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { connectionsWarning } from '../web/cluster.js';
import { serverStarter, type AppProcess } from './support/app-process.js';
import { createTestDatabase, skipUnlessMysql, TEST_SERVER, type TestDatabase } from './support/mysql.js';
import { processTree } from './support/process-tree.js';
import { waitFor } from './support/wait.js';

const start = serverStarter();

/** One request on a connection of its own, so the primary hands each to the next worker in turn. */
function get(url: string, timeoutMs = 10_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.end();
  });
}

const mysqlOptions = await skipUnlessMysql();

const workerPids = async (app: AppProcess) => (await processTree(app.child.pid!)).slice(1);

/** Worker ids of the request lines the app logged for `path`. */
const servedBy = (app: AppProcess, path: string) =>
  new Set(
    app.output
      .split('\n')
      .filter((line) => line.includes('"msg":"request completed"') && line.includes(`"url":"${path}"`))
      .map((line) => (JSON.parse(line) as { worker?: number }).worker),
  );

describe('WEB_CONCURRENCY: workers sharing the port', () => {
  it("when the workers' pools together exceed MySQL's default max_connections, then a warning names the total", () => {
    assert.equal(connectionsWarning(2, 75), undefined);
    assert.match(connectionsWarning(4, 40)!, /4 workers x MYSQL_POOL_SIZE 40 may open 160 database connections, more than .* \(151\)/);
  });

  it('when WEB_CONCURRENCY is above 1 without MYSQL_HOST, then the server refuses to start with exit 78, naming it', async () => {
    const app = await start({ WEB_CONCURRENCY: '2' }, { waitToServe: false });
    assert.equal((await app.exited).code, 78);
    assert.match(app.output, /WEB_CONCURRENCY must be 1 without MYSQL_HOST: the in-memory store lives in one process/);
    assert.doesNotMatch(app.output, /at .*\.ts:\d+/, 'no stack trace');
  });

  it('when WEB_CONCURRENCY is not a whole number or auto, then it exits 78 naming it', async () => {
    const app = await start({ WEB_CONCURRENCY: 'many', MYSQL_HOST: '127.0.0.1', MYSQL_USER: 'root' }, { waitToServe: false });
    assert.equal((await app.exited).code, 78);
    assert.match(app.output, /WEB_CONCURRENCY must be a whole number from 1 to 64, or auto \(got "many"\)/);
  });

  describe('against MySQL', mysqlOptions, () => {
    let db: TestDatabase;
    let app: AppProcess;
    before(async () => {
      db = await createTestDatabase('pc_cluster');
      app = await start({
        WEB_CONCURRENCY: '2',
        MYSQL_HOST: TEST_SERVER.host,
        MYSQL_PORT: String(TEST_SERVER.port),
        MYSQL_USER: TEST_SERVER.user,
        MYSQL_PASSWORD: TEST_SERVER.password,
        MYSQL_DATABASE: db.name,
        MYSQL_POOL_SIZE: '3',
      });
      await app.waitReady();
    });
    after(async () => {
      await app?.stop();
      await db?.drop();
    });

    it('when two workers run, then both serve the one port, and /metrics adds up the counts of both', async () => {
      assert.equal((await workerPids(app)).length, 2, 'the primary has two worker processes');
      const requests = 12;
      for (let i = 0; i < requests; i++) assert.equal((await get(`${app.url}/api/products?limit=5`)).status, 200);
      assert.deepEqual(servedBy(app, '/api/products?limit=5'), new Set([1, 2]), 'requests were answered by both workers');

      const metrics = await get(`${app.url}/metrics`);
      assert.equal(metrics.status, 200);
      assert.match(metrics.body, new RegExp(`http_requests_total\\{method="GET",route="/api/products",status="200"\\} ${requests}\\n`));
      assert.match(metrics.body, /db_pool_max_connections 6\n/, 'two pools of 3');
      // Every worker answers for the whole server, whichever gets the scrape.
      const again = await get(`${app.url}/metrics`);
      assert.match(again.body, new RegExp(`route="/api/products",status="200"\\} ${requests}\\n`));
    });

    it('when one worker stops answering, then /readyz answers 503 naming it, and 200 once it runs again', async () => {
      const [frozen] = await workerPids(app);
      process.kill(frozen!, 'SIGSTOP');
      try {
        // A connection handed to the frozen worker waits; the next ones go to the other worker.
        const notReady = await waitFor('/readyz to say a worker does not answer', async () => {
          const res = await get(`${app.url}/readyz`, 6000).catch(() => undefined);
          return res?.status === 503 ? res : undefined;
        });
        assert.match(JSON.parse(notReady.body).reason, /worker \d did not answer within 2000 ms/);
      } finally {
        process.kill(frozen!, 'SIGCONT');
      }
      await app.waitReady();
    });

    it('when a worker dies, then the primary starts another and the server becomes ready again', async () => {
      const before = await workerPids(app);
      process.kill(before[0]!, 'SIGKILL');
      await waitFor('a new worker', async () => {
        const now = await workerPids(app);
        return now.length === 2 && !now.includes(before[0]!);
      });
      await app.waitReady();
      assert.match(app.output, /a worker stopped unexpectedly: starting another/);
      assert.equal(app.running, true);
    });
  });
});
