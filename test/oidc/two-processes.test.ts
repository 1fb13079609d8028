import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CALLBACK_PATH, START_PATH } from '../../web/auth/oidc/oidc-sign-in.js';
import { AppProcess } from '../support/app-process.js';
import { createTestDatabase, skipUnlessMysql, TEST_SERVER, type TestDatabase } from '../support/mysql.js';
import { signInEnvFor, startOpenIdProvider, type TestOpenIdProvider } from '../support/oidc-provider.js';
import { freePort } from '../support/process.js';
import { signInAtProvider, UserAgent } from '../support/user-agent.js';

const signedInAs = async (agent: UserAgent, url: string) =>
  /Signed in as <span class="who">([^<]+)<\/span> <span class="role">\(([a-z]+)\)/.exec(await (await agent.request(`${url}/`)).text())?.slice(1).join(' ');

/** Two real server processes on one MySQL, as two replicas behind one Service, with single sign-on. */
describe('single sign-on across two app processes on one MySQL', await skipUnlessMysql(), () => {
  let db: TestDatabase;
  let op: TestOpenIdProvider;
  let a: AppProcess;
  let b: AppProcess;
  before(async () => {
    db = await createTestDatabase('pc_sso_two');
    const [portA, portB] = [await freePort(), await freePort()];
    const origins = [portA, portB].map((port) => `http://127.0.0.1:${port}`);
    op = await startOpenIdProvider({ redirectUris: origins.map((o) => `${o}${CALLBACK_PATH}`), postLogoutRedirectUris: origins.map((o) => `${o}/`) });
    const env = {
      MYSQL_HOST: TEST_SERVER.host,
      MYSQL_PORT: String(TEST_SERVER.port),
      MYSQL_USER: TEST_SERVER.user,
      MYSQL_PASSWORD: TEST_SERVER.password,
      MYSQL_DATABASE: db.name,
      ...signInEnvFor(op),
    };
    [a, b] = await Promise.all([AppProcess.start(env, portA), AppProcess.start(env, portB)]);
    await Promise.all([a.waitReady(), b.waitReady()]);
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await op?.close();
    await db?.drop();
  });

  it('when a sign-in starts on one process and the provider sends the browser back to the other, then it completes there, once, and the session works on both', async () => {
    const agent = new UserAgent();
    const start = await agent.request(`${a.url}${START_PATH}?next=%2Faccount`);
    assert.equal(start.status, 303);
    const signInCookie = start.headers.getSetCookie().find((c) => c.startsWith('pc_oidc='))!.split(';')[0]!;
    const callbackOnA = await signInAtProvider(agent, new URL(start.headers.get('location')!), op.account('alice'));
    const callbackOnB = new URL(`${callbackOnA.pathname}${callbackOnA.search}`, b.url);

    const done = await agent.request(callbackOnB);
    assert.equal(done.status, 303, (await done.text()).slice(0, 500));
    assert.equal(done.headers.get('location'), '/account');
    assert.equal(await signedInAs(agent, a.url), 'alice admin');
    assert.equal(await signedInAs(agent, b.url), 'alice admin');

    // The same callback with the same sign-in cookie, on the first process: the database row is gone.
    const replayOnA = await fetch(callbackOnA, { headers: { cookie: signInCookie }, redirect: 'manual' });
    assert.equal(replayOnA.status, 400, 'the sign-in under way was used up on the other process');
  });
});
