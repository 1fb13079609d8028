import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mintToken } from '../../web/ops/admin-client.js';
import { AppProcess, TEST_ADMIN } from '../support/app-process.js';
import { createTestDatabase, skipUnlessMysql, TEST_SERVER, type TestDatabase } from '../support/mysql.js';

/** A browser's cookies, kept by hand across two servers (the same host, as behind one Service). */
class Browser {
  readonly #cookies = new Map<string, string>();

  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as object), cookie: [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const name = pair!.slice(0, pair!.indexOf('='));
      const value = pair!.slice(pair!.indexOf('=') + 1);
      if (value) this.#cookies.set(name, value);
      else this.#cookies.delete(name);
    }
    return res;
  }

  async formToken(url: string): Promise<string> {
    return /name="_csrf" value="([^"]+)"/.exec(await (await this.request(url)).text())![1]!;
  }

  async post(url: string, fields: Record<string, string>): Promise<Response> {
    return this.request(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
  }

  async signIn(base: string, account: { username: string; password: string }): Promise<number> {
    return (await this.post(`${base}/login`, { _csrf: await this.formToken(`${base}/login`), ...account })).status;
  }
}

describe('two app processes on one MySQL', await skipUnlessMysql(), () => {
  let db: TestDatabase;
  let a: AppProcess;
  let b: AppProcess;
  before(async () => {
    db = await createTestDatabase('pc_two');
    const env = { MYSQL_HOST: TEST_SERVER.host, MYSQL_PORT: String(TEST_SERVER.port), MYSQL_USER: TEST_SERVER.user, MYSQL_PASSWORD: TEST_SERVER.password, MYSQL_DATABASE: db.name };
    [a, b] = await Promise.all([AppProcess.start(env), AppProcess.start(env)]);
    await Promise.all([a.waitReady(), b.waitReady()]);
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.drop();
  });

  it('when signed in on one, then the session works on the other; signing out on the other ends it on both', async () => {
    const browser = new Browser();
    assert.equal(await browser.signIn(a.url, TEST_ADMIN), 303);
    assert.equal((await browser.request(`${b.url}/admin/users`)).status, 200);
    const res = await browser.post(`${b.url}/logout`, { _csrf: await browser.formToken(`${b.url}/account`) });
    assert.equal(res.status, 303);
    // The same session id, replayed after sign-out, is refused by both.
    assert.equal((await browser.request(`${a.url}/account`)).status, 303);
    assert.equal((await browser.request(`${b.url}/account`)).status, 303);
  });

  it('when a token is revoked on one, then the other refuses it at the next request', async () => {
    const minted = await mintToken(a.url, TEST_ADMIN, { name: 'shared' });
    const me = (url: string) => fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${minted.token}` } });
    assert.equal((await me(b.url)).status, 200);
    await minted.dispose();
    assert.equal((await me(a.url)).status, 401);
    assert.equal((await me(b.url)).status, 401);
  });

  it('when failures are spread over both, then the throttle counts them together', async () => {
    const browser = new Browser();
    for (let i = 0; i < 5; i++) assert.equal(await browser.signIn(i % 2 ? a.url : b.url, { username: 'admin', password: `wrong guess ${i} here` }), 401);
    const locked = await browser.post(`${a.url}/login`, { _csrf: await browser.formToken(`${a.url}/login`), ...TEST_ADMIN });
    assert.equal(locked.status, 429);
    assert.ok(Number(locked.headers.get('retry-after')) > 0);
  });
});
