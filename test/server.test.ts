import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mintToken } from '../web/ops/admin-client.js';
import { serverStarter, TEST_ADMIN } from './support/app-process.js';
import { freePort } from './support/process.js';
import { createTestDatabase, skipUnlessMysql, TEST_SERVER } from './support/mysql.js';
import { waitFor } from './support/wait.js';

const start = serverStarter();

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

  it('when the single sign-on settings are wrong, then it exits 78 naming each variable, and never prints the client secret', async () => {
    const app = await start({ OIDC_ISSUER: 'http://sso.example.com/realms/main', OIDC_CLIENT_SECRET: 'a-client-secret-value' }, { waitToServe: false });
    assert.equal((await app.exited).code, 78);
    assert.match(app.output, /OIDC_ISSUER must use https/);
    assert.match(app.output, /OIDC_CLIENT_ID is required when OIDC_ISSUER is set/);
    assert.doesNotMatch(app.output, /a-client-secret-value/);
  });

  it('when the identity provider cannot be reached at start, then the app serves anyway, the sign-in button says so, and a missing break-glass admin is warned of', async () => {
    const closed = await freePort();
    const app = await start({ OIDC_ISSUER: `http://127.0.0.1:${closed}`, OIDC_CLIENT_ID: 'catalog', OIDC_CLIENT_SECRET: 'a-client-secret-value', LOCAL_LOGIN: 'false' });
    await app.waitReady();
    assert.equal(await status(`${app.url}/login`), 200);
    const button = await fetch(`${app.url}/auth/oidc/start`, { redirect: 'manual' });
    assert.equal(button.status, 503);
    assert.match(await button.text(), /The identity provider cannot be reached/);
    await waitFor('the discovery warning', () => app.output.includes('OpenID Provider discovery failed'));
    assert.match(app.output, /LOCAL_LOGIN=false and no usable break-glass admin/);
    assert.doesNotMatch(app.output, /a-client-secret-value/);
  });

  it('when no MYSQL_HOST is set, then it serves from memory with a warning, and SIGTERM exits 0', async () => {
    const app = await start({});
    assert.equal(await status(`${app.url}/healthz`), 200);
    await app.waitReady(); // ready once the first admin exists
    assert.equal(await status(`${app.url}/readyz`), 200);
    assert.match(app.output, /products and accounts are kept in memory/);
    app.signal('SIGTERM');
    assert.equal((await app.exited).code, 0);
    assert.match(app.output, /"msg":"stopped"/);
  });

  describe('the first admin', () => {
    it('when no admin exists and no password is configured, then one is generated, logged once at warn with the sign-in URL, and works', async () => {
      const app = await start({ ADMIN_PASSWORD: '' });
      const line = await waitFor('the first-admin log line', () => app.output.split('\n').find((l) => l.includes('Created the first admin')));
      const logged = JSON.parse(line) as { level: number; username: string; password: string; signInUrl: string };
      assert.equal(logged.level, 40);
      assert.equal(logged.username, 'admin');
      assert.match(logged.signInUrl, new RegExp(`^http://localhost:${app.port}/login$`));
      assert.ok(logged.password.length >= 20);
      const minted = await mintToken(app.url, { username: 'admin', password: logged.password }, { name: 'first' });
      const me = await fetch(`${app.url}/api/me`, { headers: { authorization: `Bearer ${minted.token}` } });
      assert.deepEqual(await me.json(), { username: 'admin', role: 'admin', via: 'token', tokenId: 1 });
      assert.equal(app.output.split(logged.password).length - 1, 2, 'the password appears in that one line only (message and field)');
    });

    it('when ADMIN_PASSWORD is configured, then that admin can sign in and no password is logged', async () => {
      const app = await start({ ADMIN_USERNAME: 'root-admin', ADMIN_PASSWORD: TEST_ADMIN.password });
      await app.waitReady();
      await mintToken(app.url, { username: 'root-admin', password: TEST_ADMIN.password }, { name: 'configured' });
      assert.doesNotMatch(app.output, new RegExp(TEST_ADMIN.password));
    });

    it('when ADMIN_PASSWORD breaks the password rules, then it exits 78 naming it, and never prints it', async () => {
      const app = await start({ ADMIN_PASSWORD: 'password1234' }, { waitToServe: false });
      assert.equal((await app.exited).code, 78);
      assert.match(app.output, /ADMIN_PASSWORD .*too easy to guess/);
      assert.doesNotMatch(app.output, /password1234/);
    });
  });

  describe('against MySQL', mysqlOptions, () => {
    it('when an admin exists already, then a restart with another ADMIN_PASSWORD changes nothing', async () => {
      const db = await createTestDatabase('pc_server');
      const env = { MYSQL_HOST: TEST_SERVER.host, MYSQL_PORT: String(TEST_SERVER.port), MYSQL_USER: TEST_SERVER.user, MYSQL_PASSWORD: TEST_SERVER.password, MYSQL_DATABASE: db.name };
      try {
        const first = await start(env);
        await first.waitReady();
        await first.token();
        first.signal('SIGTERM');
        await first.exited;
        const second = await start({ ...env, ADMIN_PASSWORD: 'a different admin password entirely' });
        await second.waitReady();
        await mintToken(second.url, TEST_ADMIN, { name: 'still the first password' });
        await assert.rejects(mintToken(second.url, { username: 'admin', password: 'a different admin password entirely' }, { name: 'x' }), /sign-in as admin failed: HTTP 401/);
        const admins = (await db.exec("SELECT COUNT(*) AS n FROM users WHERE role = 'admin'")) as Array<{ n: number }>;
        assert.equal(Number(admins[0]!.n), 1);
      } finally {
        await db.drop();
      }
    });

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
          headers: { 'content-type': 'application/json', authorization: `Bearer ${await app.token()}` },
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
