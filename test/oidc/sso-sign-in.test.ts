import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import cookieParser from 'cookie-parser';
import express from 'express';
import supertest from 'supertest';
import { CALLBACK_PATH, START_PATH } from '../../web/auth/oidc/oidc-sign-in.js';
import { RelyingParty } from '../../web/auth/oidc/relying-party.js';
import { parseSignInEnv } from '../../web/auth/oidc/oidc-config.js';
import { createCsrf } from '../../web/http/csrf.js';
import { memoryFixture, TEST_CSRF_SECRET } from '../support/app.js';
import { createAccount, createToken, type TestAccount } from '../support/auth.js';
import { mysqlAvailable } from '../support/mysql.js';
import { signInEnvFor } from '../support/oidc-provider.js';
import { OTHER_CLIENT_CALLBACK, signedInAs, ssoSignIn, startSsoCatalog, throughProvider, type SsoCatalog } from '../support/sso-catalog.js';
import { signInAtProvider, UserAgent } from '../support/user-agent.js';

const STORES = ['memory', ...((await mysqlAvailable()) ? ['mysql' as const] : [])] as const;

const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
const alertOf = (html: string) => /role="alert"[^>]*>([^<]*)</.exec(html)?.[1];
const cookieNamed = (response: Response, name: string) => response.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));

/** Signs in through the password form; returns the POST's answer. */
async function passwordSignIn(catalog: SsoCatalog, agent: UserAgent, account: { username: string; password: string }, path = '/login') {
  const form = await (await agent.request(`${catalog.url}${path}`)).text();
  const csrf = csrfOf(form);
  assert.ok(csrf, `no form on ${path}`);
  const body = new URLSearchParams({ _csrf: csrf, username: account.username, password: account.password, next: '/' });
  return agent.request(`${catalog.url}/login`, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
}

/** The header's sign-out form, posted from the front page. */
async function signOut(catalog: SsoCatalog, agent: UserAgent) {
  const csrf = csrfOf(await (await agent.request(`${catalog.url}/`)).text());
  return agent.request(`${catalog.url}/logout`, { method: 'POST', body: new URLSearchParams({ _csrf: csrf! }), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
}

/** A form token and its cookies, as any replica sharing TEST_CSRF_SECRET hands an anonymous browser. */
async function anonymousCsrf(): Promise<{ token: string; cookie: string }> {
  const replica = express();
  const csrf = createCsrf(TEST_CSRF_SECRET);
  replica.get('/', cookieParser(), csrf.identifyClient, (_req, res) => {
    res.send(res.locals.csrfToken!());
  });
  const response = await supertest(replica).get('/').expect(200);
  const cookies = (response.headers['set-cookie'] as unknown as string[]).map((c) => c.split(';')[0]).join('; ');
  return { token: response.text, cookie: cookies };
}

const eventsOf = async (catalog: SsoCatalog, action: Parameters<SsoCatalog['fixture']['stores']['audit']['list']>[0]['action']) =>
  (await catalog.fixture.stores.audit.list({ action, limit: 100 })).events;

describe('single sign-on turned off', () => {
  it('when OIDC_ISSUER is not set, then /auth/oidc/start and the callback are 404 and the sign-in page has no button', async () => {
    const { app } = memoryFixture();
    await supertest(app).get(START_PATH).expect(404);
    await supertest(app).get(`${CALLBACK_PATH}?code=x&state=y`).expect(404);
    const page = (await supertest(app).get('/login').expect(200)).text;
    assert.doesNotMatch(page, /auth\/oidc/);
    assert.match(page, /name="password"/);
    assert.doesNotMatch((await supertest(app).get('/').expect(200)).headers['content-security-policy']!, /form-action 'self' http/);
  });
});

for (const store of STORES) {
  describe(`single sign-on through the app (${store} store)`, () => {
    let catalog: SsoCatalog;
    let localAdmin: TestAccount;
    before(async () => {
      catalog = await startSsoCatalog({ store });
      localAdmin = await createAccount(catalog.fixture.stores, 'admin');
    });
    after(async () => catalog?.close());

    it('when the sign-in page is shown, then the button is a link to /auth/oidc/start keeping next, beside the password form', async () => {
      const html = await (await new UserAgent().request(`${catalog.url}/login?next=%2Faccount`)).text();
      assert.match(html, /<a class="button-link primary" href="\/auth\/oidc\/start\?next=%2Faccount">Sign in with single sign-on<\/a>/);
      assert.match(html, /name="password"/);
    });

    it('when erin signs in for the first time, then she is sent to the provider without caching, and comes back provisioned with her mapped role', async () => {
      const agent = new UserAgent();
      const { start, authorization, callback } = await throughProvider(catalog, 'erin', agent, '/account?tab=tokens');
      assert.equal(start.headers.get('cache-control'), 'no-store');
      assert.equal(authorization.origin, catalog.op.issuer);
      assert.match(cookieNamed(start, 'pc_oidc')!, /; HttpOnly; SameSite=Lax$/i);
      const back = await agent.request(callback);
      assert.equal(back.status, 303);
      assert.equal(back.headers.get('location'), '/account?tab=tokens');
      assert.equal(back.headers.get('cache-control'), 'no-store');
      assert.match(cookieNamed(back, 'pc_oidc')!, /Expires=Thu, 01 Jan 1970/, 'the sign-in cookie is cleared');
      assert.ok(cookieNamed(back, 'pc_session'));
      assert.equal(await signedInAs(catalog, agent), 'erin.lindqvist (editor)');

      const erin = catalog.op.account('erin');
      const user = await catalog.fixture.stores.identities.findUser({ issuer: catalog.op.issuer, subject: erin.sub });
      assert.equal(user?.username, 'erin.lindqvist', 'named from her email: the provider sends no preferred_username');
      assert.equal((await catalog.fixture.stores.users.find('erin.lindqvist'))?.passwordHash, null);
      const created = (await eventsOf(catalog, 'user.create')).find((e) => e.target.id === 'erin.lindqvist');
      assert.deepEqual(created?.after, { role: 'editor', by: 'oidc', issuer: catalog.op.issuer, subject: erin.sub });
      const signIn = (await eventsOf(catalog, 'auth.sign_in')).find((e) => e.actor?.username === 'erin.lindqvist');
      assert.deepEqual(signIn?.after, { method: 'oidc', issuer: catalog.op.issuer, subject: erin.sub });
    });

    it('when a browser signed in with a password signs in through the provider, then it gets a new session id and the old one ends', async () => {
      const agent = new UserAgent();
      const password = await passwordSignIn(catalog, agent, localAdmin);
      const before = cookieNamed(password, 'pc_session')!.split(';')[0]!;
      const { response } = await ssoSignIn(catalog, 'alice', agent);
      const after = cookieNamed(response, 'pc_session')!.split(';')[0]!;
      assert.notEqual(after, before);
      assert.equal(await signedInAs(catalog, agent), 'alice (admin)');
      const replay = await fetch(`${catalog.url}/account`, { headers: { cookie: before }, redirect: 'manual' });
      assert.equal(replay.status, 303, 'the password session was ended by the new sign-in');
    });

    it("when bob's groups change, then his role follows at his next sign-in, and each change is recorded with the groups", async () => {
      const agent = new UserAgent(); // keeps bob's session at the provider: later sign-ins show no form
      try {
        await ssoSignIn(catalog, 'bob', agent);
        assert.equal(await signedInAs(catalog, agent), 'bob (editor)');
        catalog.op.setGroups('bob', ['catalog-editors', 'catalog-admins']);
        assert.equal(await signedInAs(catalog, agent), 'bob (editor)', 'nothing changes before he signs in again');
        await ssoSignIn(catalog, 'bob', agent);
        assert.equal(await signedInAs(catalog, agent), 'bob (admin)');
        catalog.op.setGroups('bob', ['staff']);
        await ssoSignIn(catalog, 'bob', agent);
        assert.equal(await signedInAs(catalog, agent), 'bob (viewer)', 'OIDC_DEFAULT_ROLE=viewer');
        const roles = (await eventsOf(catalog, 'user.role')).filter((e) => e.target.id === 'bob').reverse();
        assert.deepEqual(roles.map((e) => [e.before?.role, e.after?.role, e.after?.groups, e.after?.by]), [
          ['editor', 'admin', 'catalog-editors, catalog-admins', 'oidc'],
          ['admin', 'viewer', '', 'oidc'],
        ]);
      } finally {
        catalog.op.setGroups('bob', ['catalog-editors']);
        await ssoSignIn(catalog, 'bob', agent);
      }
    });

    it('when carol is in no mapped group and OIDC_DEFAULT_ROLE is viewer, then she signs in as a viewer', async () => {
      const agent = new UserAgent();
      await ssoSignIn(catalog, 'carol', agent);
      assert.equal(await signedInAs(catalog, agent), 'carol (viewer)');
    });

    it('when an admin pins bob to viewer, then his editor group no longer changes it; unpinned, his next sign-in makes him editor again', async () => {
      const admin = supertest(catalog.fixture.app);
      const token = await createToken(catalog.fixture.stores, localAdmin.username);
      const patch = (body: object) => admin.patch('/api/users/bob').set('Authorization', `Bearer ${token}`).send(body);
      await ssoSignIn(catalog, 'bob');
      const pinned = await patch({ role: 'viewer', rolePinned: true }).expect(200);
      assert.deepEqual([pinned.body.role, pinned.body.rolePinned], ['viewer', true]);
      const agent = new UserAgent();
      await ssoSignIn(catalog, 'bob', agent);
      assert.equal(await signedInAs(catalog, agent), 'bob (viewer)');
      await patch({ rolePinned: false }).expect(200);
      await ssoSignIn(catalog, 'bob', agent);
      assert.equal(await signedInAs(catalog, agent), 'bob (editor)');
      await patch({ rolePinned: 'yes' }).expect(400);
    });

    it('when an admin opens the accounts page, then single sign-on accounts can have their role pinned there', async () => {
      const agent = new UserAgent();
      await passwordSignIn(catalog, agent, localAdmin);
      const html = await (await agent.request(`${catalog.url}/admin/users`)).text();
      assert.match(html, /action="\/admin\/users\/bob\/pin"/);
      assert.match(html, /sets each account's role from the identity provider's groups/);
    });

    it('when the state in the callback is changed, then it is refused (400) and the sign-in is used up: the true callback fails too', async () => {
      const { agent, callback } = await throughProvider(catalog, 'alice');
      const tampered = new URL(callback);
      tampered.searchParams.set('state', `${tampered.searchParams.get('state')}x`);
      const refused = await agent.request(tampered);
      assert.equal(refused.status, 400);
      assert.match(alertOf(await refused.text())!, /does not belong to the sign-in this browser started/);
      assert.equal(await signedInAs(catalog, agent), undefined);
      const genuine = await agent.request(callback);
      assert.equal(genuine.status, 400);
      assert.match(alertOf(await genuine.text())!, /expired or was already used/);
    });

    it('when a callback is replayed, then the second use is refused and the first session is untouched', async () => {
      const { agent, response, callback } = await ssoSignIn(catalog, 'alice');
      assert.equal(response.status, 303);
      const again = await agent.request(callback);
      assert.equal(again.status, 400);
      assert.match(alertOf(await again.text())!, /expired or was already used/);
      const elsewhere = await new UserAgent().request(callback);
      assert.equal(elsewhere.status, 400, 'another browser, without the sign-in cookie, gets nothing either');
      assert.equal(await signedInAs(catalog, agent), 'alice (admin)');
    });

    it('when the callback arrives without the sign-in cookie, then it is refused', async () => {
      const { callback } = await throughProvider(catalog, 'alice');
      const response = await fetch(callback, { redirect: 'manual' });
      assert.equal(response.status, 400);
    });

    it('when the nonce sent to the provider was changed, then the ID token is rejected (502) and nobody is signed in', async () => {
      const agent = new UserAgent();
      const start = await agent.request(`${catalog.url}${START_PATH}`);
      const authorization = new URL(start.headers.get('location')!);
      authorization.searchParams.set('nonce', 'a-nonce-the-app-never-made');
      const callback = await signInAtProvider(agent, authorization, catalog.op.account('alice'));
      const response = await agent.request(callback);
      assert.equal(response.status, 502);
      assert.match(alertOf(await response.text())!, /could not be verified/);
      assert.equal(await signedInAs(catalog, agent), undefined);
    });

    it('when the token response carries an ID token issued to another client, then it is rejected and nobody is signed in', async () => {
      const { agent, authorization, callback } = await throughProvider(catalog, 'alice');
      const nonce = authorization.searchParams.get('nonce')!;
      // A genuine ID token of the same provider, user and nonce, for the provider's other client.
      const { config } = parseSignInEnv(signInEnvFor(catalog.op, {}, catalog.op.otherClient));
      const other = new RelyingParty(config.oidc!);
      try {
        const begun = await other.beginSignIn('/', OTHER_CLIENT_CALLBACK);
        begun.url.searchParams.set('nonce', nonce);
        const otherCallback = await signInAtProvider(new UserAgent(), begun.url, catalog.op.account('alice'));
        const foreign = await other.completeSignIn(otherCallback, { ...begun.pending, nonce });
        catalog.op.tamperNextTokenResponse((body) => ({ ...body, id_token: foreign.idToken }));
      } finally {
        other.close();
      }
      const response = await agent.request(callback);
      assert.equal(response.status, 502);
      assert.equal(await signedInAs(catalog, agent), undefined);
    });

    it('when next names another site, then the sign-in lands on the front page', async () => {
      const { response } = await ssoSignIn(catalog, 'alice', new UserAgent(), '//evil.example/x');
      assert.equal(response.headers.get('location'), '/');
    });

    it('when an SSO-only account tries the password form, then it gets the same answer as a wrong password', async () => {
      await ssoSignIn(catalog, 'erin');
      const response = await passwordSignIn(catalog, new UserAgent(), { username: 'erin.lindqvist', password: 'any password at all here' });
      assert.equal(response.status, 401);
      assert.equal(alertOf(await response.text()), 'Wrong username or password.');
      const failed = (await eventsOf(catalog, 'auth.sign_in_failed')).find((e) => e.target.id === 'erin.lindqvist');
      assert.equal(failed?.after?.reason, 'the account has no password (single sign-on only)');
    });

    it('when an SSO user who is an editor makes an API token on the account page, then the token works on the API', async () => {
      const { agent } = await ssoSignIn(catalog, 'bob');
      const page = await (await agent.request(`${catalog.url}/account`)).text();
      assert.match(page, /this account has no password here/);
      const body = new URLSearchParams({ _csrf: csrfOf(page)!, name: 'ci', role: 'editor', expires_in_days: '30' });
      const made = await agent.request(`${catalog.url}/account/tokens`, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      assert.equal(made.status, 201);
      const token = /id="new-token">(pc_[^<]+)</.exec(await made.text())![1];
      const me = await fetch(`${catalog.url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
      assert.deepEqual(await me.json(), { username: 'bob', role: 'editor', via: 'token', tokenId: (await catalog.fixture.stores.tokens.list()).find((t) => t.name === 'ci')!.id });
    });

    it('when an SSO user signs out, then the app session ends and the browser goes to the provider, which ends its own and comes back', async () => {
      const { agent } = await ssoSignIn(catalog, 'alice');
      const csp = (await agent.request(`${catalog.url}/`)).headers.get('content-security-policy')!;
      assert.match(csp, new RegExp(`form-action 'self' ${catalog.op.issuer}[;\\s]`), 'the browser may follow the sign-out form to the provider');

      const out = await signOut(catalog, agent);
      assert.equal(out.status, 303);
      const endSession = new URL(out.headers.get('location')!);
      assert.equal(endSession.origin, catalog.op.issuer);
      assert.equal(endSession.searchParams.get('post_logout_redirect_uri'), `${catalog.url}/`);
      assert.equal(endSession.searchParams.get('id_token_hint')?.split('.').length, 3);
      assert.equal((await agent.request(`${catalog.url}/account`)).status, 303, 'the app session ended at once');

      const confirm = await agent.follow(endSession);
      assert.equal(confirm.response.status, 200, 'the provider asks to confirm');
      const done = await agent.submitForm(confirm.url, await confirm.response.text(), { logout: 'yes' });
      assert.equal(done.url.href, `${catalog.url}/`);
      assert.match(await done.response.text(), /Signed out\./);

      const again = await agent.follow((await agent.request(`${catalog.url}${START_PATH}`)).headers.get('location')!);
      assert.match(await again.response.text(), /name="password"/, 'the provider asks for the password again');
      const event = (await eventsOf(catalog, 'auth.sign_out')).find((e) => e.actor?.username === 'alice');
      assert.deepEqual(event?.after, { method: 'oidc', providerSignOut: true });
    });

    it('when callbacks succeed and fail, then /metrics counts them by outcome', async () => {
      const metrics = await (await fetch(`${catalog.url}/metrics`)).text();
      const count = (outcome: string) => Number(new RegExp(`auth_oidc_sign_ins_total\\{outcome="${outcome}"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
      assert.ok(count('success') >= 5, metrics.split('\n').filter((l) => l.startsWith('auth_oidc')).join('\n'));
      assert.ok(count('invalid-callback') >= 1);
      assert.ok(count('invalid-pending') >= 2);
      assert.ok(count('id-token-rejected') >= 1);
    });

    it('when a password user signs out, then only the app session ends and the browser stays here', async () => {
      const agent = new UserAgent();
      await passwordSignIn(catalog, agent, localAdmin);
      const out = await signOut(catalog, agent);
      assert.equal(out.headers.get('location'), '/');
    });

    it('when the provider goes down after the app reached it, then a callback arriving meanwhile answers 503, and password sign-in still works', async () => {
      const { agent, callback } = await throughProvider(catalog, 'alice');
      await catalog.op.stop();
      try {
        const late = await agent.request(callback);
        assert.equal(late.status, 503);
        assert.ok(Number(late.headers.get('retry-after')) > 0);
        assert.equal(alertOf(await late.text()), 'The identity provider cannot be reached right now. Try again in a moment.');
        assert.equal(await signedInAs(catalog, agent), undefined);
        assert.equal((await passwordSignIn(catalog, new UserAgent(), localAdmin)).status, 303);
      } finally {
        await catalog.op.start();
      }
    });
  });

  describe(`single sign-on with OIDC_DEFAULT_ROLE=none (${store} store)`, () => {
    let catalog: SsoCatalog;
    before(async () => {
      catalog = await startSsoCatalog({ store, env: { OIDC_DEFAULT_ROLE: 'none' } });
    });
    after(async () => catalog?.close());

    it('when carol is in no mapped group, then she is refused (403) with a clear page, no account is made, and the refusal is recorded', async () => {
      const { response, agent } = await ssoSignIn(catalog, 'carol');
      assert.equal(response.status, 403);
      assert.match(alertOf(await response.text())!, /in no group that gives access/);
      assert.equal(await signedInAs(catalog, agent), undefined);
      assert.equal(await catalog.fixture.stores.users.find('carol'), undefined);
      const refused = (await eventsOf(catalog, 'auth.sign_in_failed')).find((e) => e.target.id === 'carol');
      assert.deepEqual(refused?.after, { reason: 'no mapped group', method: 'oidc', issuer: catalog.op.issuer, subject: catalog.op.account('carol').sub });
    });

    it('when bob is removed from every mapped group, then his next sign-in is refused, his other sessions end, his tokens stop; back in a group, all works again', async () => {
      const first = await ssoSignIn(catalog, 'bob');
      assert.equal(await signedInAs(catalog, first.agent), 'bob (editor)');
      const token = await createToken(catalog.fixture.stores, 'bob');
      const me = async () => (await fetch(`${catalog.url}/api/me`, { headers: { authorization: `Bearer ${token}` } })).status;
      assert.equal(await me(), 200);
      try {
        catalog.op.setGroups('bob', ['staff']);
        const refused = await ssoSignIn(catalog, 'bob');
        assert.equal(refused.response.status, 403);
        assert.equal(await signedInAs(catalog, first.agent), undefined, 'his session in another browser ended');
        assert.equal(await me(), 401, 'his API token stopped working');
        const bob = await catalog.fixture.stores.users.find('bob');
        assert.deepEqual([bob?.disabled, bob?.disabledByClaims], [true, true]);
        const disabled = (await eventsOf(catalog, 'user.disable')).find((e) => e.target.id === 'bob');
        assert.deepEqual([disabled?.actor, disabled?.after?.reason, disabled?.after?.by], [undefined, 'no mapped group', 'oidc']);
      } finally {
        catalog.op.setGroups('bob', ['catalog-editors']);
      }
      const back = await ssoSignIn(catalog, 'bob');
      assert.equal(await signedInAs(catalog, back.agent), 'bob (editor)');
      assert.equal(await me(), 200);
      assert.ok((await eventsOf(catalog, 'user.enable')).some((e) => e.target.id === 'bob' && e.after?.by === 'oidc'));
    });

    it('when an admin disabled a single sign-on account, then signing in is refused as disabled and does not enable it', async () => {
      await ssoSignIn(catalog, 'erin');
      await catalog.fixture.stores.users.update('erin.lindqvist', { disabled: true }, { clientIp: '127.0.0.1', requestId: 'test' });
      const { response } = await ssoSignIn(catalog, 'erin');
      assert.equal(response.status, 403);
      assert.match(alertOf(await response.text())!, /This account is disabled/);
      assert.equal((await catalog.fixture.stores.users.find('erin.lindqvist'))?.disabled, true);
    });
  });
}

describe('LOCAL_LOGIN=false', () => {
  describe('without a break-glass admin', () => {
    let catalog: SsoCatalog;
    let admin: TestAccount;
    before(async () => {
      catalog = await startSsoCatalog({ store: 'memory', env: { LOCAL_LOGIN: 'false' }, app: { publicRead: false } });
      admin = await createAccount(catalog.fixture.stores, 'admin');
    });
    after(async () => catalog?.close());

    it('when the sign-in page is shown, then it has the button and no password form, even when asked for one', async () => {
      for (const path of ['/login', '/login?method=password']) {
        const html = await (await new UserAgent().request(`${catalog.url}${path}`)).text();
        assert.match(html, /href="\/auth\/oidc\/start\?next=%2F"/);
        assert.doesNotMatch(html, /name="password"/, path);
      }
    });

    it('when an admin posts to /login anyway, then the right password gets the generic refusal', async () => {
      // No page here offers the form, so the token comes from another app with the same CSRF secret (a replica).
      const { token, cookie } = await anonymousCsrf();
      const body = new URLSearchParams({ _csrf: token, username: admin.username, password: admin.password });
      const agent = new UserAgent();
      const response = await agent.request(`${catalog.url}/login`, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded', cookie } });
      assert.equal(response.status, 401);
      assert.equal(alertOf(await response.text()), 'Wrong username or password.');
      assert.equal(await signedInAs(catalog, agent), undefined);
    });

    it('when PUBLIC_READ is false, then an anonymous visitor can still start single sign-on and is signed in', async () => {
      const { agent, response } = await ssoSignIn(catalog, 'alice', new UserAgent(), '/account');
      assert.equal(response.headers.get('location'), '/account');
      assert.equal((await agent.request(`${catalog.url}/account`)).status, 200);
    });
  });

  describe('with a break-glass admin', () => {
    let catalog: SsoCatalog;
    let breakGlass: TestAccount;
    let otherAdmin: TestAccount;
    before(async () => {
      catalog = await startSsoCatalog({ store: 'memory', env: { LOCAL_LOGIN: 'false', LOCAL_LOGIN_BREAK_GLASS_USER: 'Break-Glass' } });
      breakGlass = await createAccount(catalog.fixture.stores, 'admin', 'break-glass');
      otherAdmin = await createAccount(catalog.fixture.stores, 'admin');
    });
    after(async () => catalog?.close());

    it('when /login is opened, then the form is hidden; /login?method=password shows it, and the break-glass admin signs in', async () => {
      assert.doesNotMatch(await (await new UserAgent().request(`${catalog.url}/login`)).text(), /name="password"/);
      const agent = new UserAgent();
      const response = await passwordSignIn(catalog, agent, breakGlass, '/login?method=password');
      assert.equal(response.status, 303);
      assert.equal(await signedInAs(catalog, agent), 'break-glass (admin)');
    });

    it('when another admin, or the break-glass account once it is no longer an admin, uses the right password, then the generic refusal', async () => {
      const refusal = async (account: TestAccount) => {
        const response = await passwordSignIn(catalog, new UserAgent(), account, '/login?method=password');
        return [response.status, alertOf(await response.text())];
      };
      assert.deepEqual(await refusal(otherAdmin), [401, 'Wrong username or password.']);
      await catalog.fixture.stores.users.update('break-glass', { role: 'editor' }, { clientIp: '127.0.0.1', requestId: 'test' });
      try {
        assert.deepEqual(await refusal(breakGlass), [401, 'Wrong username or password.']);
      } finally {
        await catalog.fixture.stores.users.update('break-glass', { role: 'admin' }, { clientIp: '127.0.0.1', requestId: 'test' });
      }
    });
  });
});

describe('the provider down when the app starts', () => {
  let catalog: SsoCatalog;
  before(async () => {
    catalog = await startSsoCatalog({ store: 'memory', providerDownAtStart: true });
  });
  after(async () => catalog?.close());

  it('when the provider cannot be reached, then the app serves, the button answers 503 and password sign-in works; once it is back, single sign-on works', async () => {
    const page = await new UserAgent().request(`${catalog.url}/login`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /name="password"/);
    const start = await new UserAgent().request(`${catalog.url}${START_PATH}?next=%2Faccount`);
    assert.equal(start.status, 503);
    assert.ok(Number(start.headers.get('retry-after')) > 0);
    const html = await start.text();
    assert.equal(alertOf(html), 'The identity provider cannot be reached right now. Try again in a moment.');
    assert.match(html, /href="\/auth\/oidc\/start\?next=%2Faccount"/, 'the button stays, to try again');
    assert.match(html, /name="password"/, 'password sign-in stays on the page');
    const admin = await createAccount(catalog.fixture.stores, 'admin');
    assert.equal((await passwordSignIn(catalog, new UserAgent(), admin)).status, 303);

    await catalog.op.start();
    await catalog.relyingParty.whenReady();
    const { agent, response } = await ssoSignIn(catalog, 'alice');
    assert.equal(response.status, 303);
    assert.equal(await signedInAs(catalog, agent), 'alice (admin)');
  });
});
