import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { AppProcess } from './support/app-process.js';
import { createTestDatabase, skipUnlessMysql, TEST_SERVER } from './support/mysql.js';
import { waitFor } from './support/wait.js';

const started: AppProcess[] = [];
after(() => Promise.all(started.map((p) => p.stop())));

/** The server from source, logging at info so start-up and shutdown lines show. */
async function start(env: Record<string, string>, { waitToServe = true } = {}) {
  const app = await (waitToServe ? AppProcess.start : AppProcess.launch)({ LOG_LEVEL: 'info', ...env });
  started.push(app);
  return app;
}

const mysqlOptions = await skipUnlessMysql();

const status = async (url: string) => (await fetch(url)).status;

describe('the server process', () => {
  it('when the configuration is invalid, then it exits 78 naming the variable', async () => {
    const app = await start({ PORT: 'not-a-port', MYSQL_POOL_SIZE: '0' }, { waitToServe: false });
    assert.equal((await app.exited).code, 78);
    assert.match(app.output, /PORT must be a whole number/);
    assert.match(app.output, /MYSQL_POOL_SIZE must be at least 1/);
    assert.doesNotMatch(app.output, /at .*\.ts:\d+/, 'no stack trace');
  });

  it('when no MYSQL_HOST is set, then it serves from memory with a warning, and SIGTERM exits 0', async () => {
    const app = await start({});
    assert.equal(await status(`${app.url}/healthz`), 200);
    assert.equal(await status(`${app.url}/readyz`), 200);
    assert.match(app.output, /products are kept in memory/);
    app.signal('SIGTERM');
    assert.equal((await app.exited).code, 0);
    assert.match(app.output, /"msg":"stopped"/);
  });

  describe('against MySQL', mysqlOptions, () => {
    it('when MySQL is configured, then it migrates on its own, becomes ready, and stores products', async () => {
      const db = await createTestDatabase('pc_server');
      try {
        const app = await start({
          MYSQL_HOST: TEST_SERVER.host,
          MYSQL_PORT: String(TEST_SERVER.port),
          MYSQL_USER: TEST_SERVER.user,
          MYSQL_PASSWORD: TEST_SERVER.password,
          MYSQL_DATABASE: db.name,
        });
        await waitFor('the app to be ready', async () => (await status(`${app.url}/readyz`)) === 200);
        const created = await fetch(`${app.url}/api/products`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ productId: 'srv-1', productName: 'From the process' }),
        });
        assert.equal(created.status, 201);
        assert.match(app.output, /applied migration/);
        app.signal('SIGTERM');
        assert.equal((await app.exited).code, 0);
      } finally {
        await db.drop();
      }
    });
  });
});
