import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import supertest from 'supertest';
import { hashSessionId } from '../../web/auth/session-cookies.js';
import { appWith, csrfToken, memoryFixture, type StoreFixture } from '../support/app.js';
import { createAccount, signIn, TEST_CONTEXT, type TestAccount } from '../support/auth.js';
import { buildProduct } from '../support/factory.js';
import { storeFixtures } from '../support/fixtures.js';

const sessionCookie = (res: supertest.Response) =>
  ((res.headers['set-cookie'] as unknown as string[] | undefined) ?? []).find((c) => c.startsWith('pc_session='))?.split(';')[0]?.slice('pc_session='.length);
const loginForm = async (agent: supertest.Agent, path = '/login') => /name="_csrf" value="([^"]+)"/.exec((await agent.get(path).expect(200)).text)![1]!;

for (const kind of await storeFixtures()) {
  describe(`pages by role on the ${kind.name} store`, () => {
    let fx: StoreFixture;
    const accounts = new Map<string, TestAccount>();
    before(async () => {
      fx = await kind.open();
      for (const role of ['viewer', 'editor', 'admin'] as const) accounts.set(role, await createAccount(fx.stores, role));
    });
    after(async () => fx?.close());
    const as = (role: string) => signIn(fx.app, accounts.get(role)!);

    it('when anonymous, then the catalog shows "Sign in to add products" in place of the form and no Delete buttons', async () => {
      await fx.store.create(buildProduct(), TEST_CONTEXT);
      const page = (await supertest(fx.app).get('/?q=Product').expect(200)).text;
      assert.match(page, /Sign in to add products/);
      assert.match(page, /href="\/login\?next=%2F%3Fq%3DProduct"/);
      assert.doesNotMatch(page, /name="product_id"/);
      assert.doesNotMatch(page, /Delete<\/button>/);
      assert.match(page, /<a href="\/login">Sign in<\/a>/);
    });

    it('when an anonymous form post reaches the server anyway, then it is sent to sign in and nothing changes', async () => {
      const agent = supertest.agent(fx.app);
      const token = await loginForm(agent);
      const product = buildProduct();
      const res = await agent.post('/products').type('form').send({ _csrf: token, product_id: product.productId, product_name: 'x' }).expect(303);
      assert.equal(res.headers.location, '/login?next=%2F');
      const existing = await fx.store.create(buildProduct(), TEST_CONTEXT);
      await agent.post(`/products/${existing.productId}/delete`).type('form').send({ _csrf: token }).expect(303);
      assert.equal(await fx.store.get(product.productId), undefined);
      assert.ok(await fx.store.get(existing.productId));
    });

    it('when a viewer signs in, then the header names them and their role, the form is replaced by a note, and writes get 403 changing nothing', async () => {
      const agent = await as('viewer');
      const page = (await agent.get('/').expect(200)).text;
      assert.match(page, new RegExp(`Signed in as <span class="who">${accounts.get('viewer')!.username}</span> <span class="role">\\(viewer\\)</span>`));
      assert.match(page, /can read the catalog but not change it/);
      assert.doesNotMatch(page, /name="product_id"/);
      assert.doesNotMatch(page, /href="\/admin\/users"/);
      const token = /name="_csrf" value="([^"]+)"/.exec(page)![1];
      const product = buildProduct();
      const res = await agent.post('/products').type('form').set('Accept', 'text/html').send({ _csrf: token, product_id: product.productId, product_name: 'x' }).expect(403);
      assert.match(res.text, /needs the editor role/);
      assert.equal(await fx.store.get(product.productId), undefined);
    });

    it('when an editor signs in, then they can add and delete, but the admin pages answer 403', async () => {
      const agent = await as('editor');
      const page = (await agent.get('/').expect(200)).text;
      assert.match(page, /name="product_id"/);
      assert.doesNotMatch(page, />History</);
      await agent.get('/admin/users').expect(403);
      await agent.get('/admin/audit').expect(403);
      await agent.get('/account').expect(200);
    });

    it('when an admin signs in, then the header links Users and Audit, and each product row links its history', async () => {
      const product = await fx.store.create(buildProduct(), TEST_CONTEXT);
      const agent = await as('admin');
      const page = (await agent.get('/').expect(200)).text;
      assert.match(page, /<a href="\/admin\/users">Users<\/a><a href="\/admin\/audit">Audit<\/a>/);
      assert.match(page, new RegExp(`href="/admin/audit\\?product=${encodeURIComponent(product.productId)}"`));
      const history = (await agent.get(`/admin/audit?product=${encodeURIComponent(product.productId)}`).expect(200)).text;
      assert.match(history, /product\.create/);
    });

    it('when an anonymous visitor asks for a protected page, then 303 to /login with the page to come back to', async () => {
      for (const path of ['/account', '/admin/users', '/admin/audit?action=auth.sign_in']) {
        const res = await supertest(fx.app).get(path).expect(303);
        assert.equal(res.headers.location, `/login?next=${encodeURIComponent(path)}`);
      }
    });

    it('when signing in with a next path, then it goes there; an off-site next goes to /', async () => {
      const account = accounts.get('admin')!;
      for (const [next, expected] of [['/admin/users', '/admin/users'], ['//evil.example/x', '/'], ['https://evil.example', '/'], ['/\\evil.example', '/'], ['/?q=tea', '/?q=tea']] as Array<[string, string]>) {
        const agent = supertest.agent(fx.app);
        const token = await loginForm(agent);
        const res = await agent.post('/login').type('form').send({ _csrf: token, username: account.username, password: account.password, next }).expect(303);
        assert.equal(res.headers.location, expected, next);
      }
    });

    it('when the username is unknown or the password wrong, then the same 401 page; a disabled account says so only after the right password', async () => {
      const agent = supertest.agent(fx.app);
      const account = await createAccount(fx.stores, 'editor');
      const form1 = await loginForm(agent);
      const wrongPassword = await agent.post('/login').type('form').send({ _csrf: form1, username: account.username, password: 'not the password at all' }).expect(401);
      const form2 = await loginForm(agent);
      const unknownUser = await agent.post('/login').type('form').send({ _csrf: form2, username: 'nobody-like-this', password: 'not the password at all' }).expect(401);
      const message = (html: string) => /<p class="problem" role="alert" id="signin-error">([^<]+)</.exec(html)?.[1];
      assert.equal(message(wrongPassword.text), 'Wrong username or password.');
      assert.equal(message(unknownUser.text), message(wrongPassword.text));
      assert.match(wrongPassword.text, new RegExp(`value="${account.username}"`), 'the name typed is kept');
      await fx.stores.users.update(account.username, { disabled: true }, TEST_CONTEXT);
      const form3 = await loginForm(agent);
      const disabled = await agent.post('/login').type('form').send({ _csrf: form3, ...account }).expect(401);
      assert.match(message(disabled.text) ?? '', /disabled/, disabled.text);
      const form4 = await loginForm(agent);
      const wrongForDisabled = await agent.post('/login').type('form').send({ _csrf: form4, username: account.username, password: 'still wrong password' }).expect(401);
      assert.equal(message(wrongForDisabled.text), 'Wrong username or password.');
    });

    it('when signing in, then the session id is new (no fixation): a planted cookie is replaced and stops working', async () => {
      const account = accounts.get('editor')!;
      const first = await signIn(fx.app, account);
      const planted = sessionCookie(await first.get('/account')) ?? '';
      const agent = supertest.agent(fx.app);
      const token = await loginForm(agent);
      const res = await agent.post('/login').type('form').send({ _csrf: token, ...account }).expect(303);
      const fresh = sessionCookie(res);
      assert.ok(fresh && fresh !== planted);
      // Signed in, /login sends the browser on; signing in again from it replaces its previous session.
      assert.equal((await agent.get('/login?next=/account').expect(303)).headers.location, '/account');
      const form5 = await csrfToken(agent);
      const again = await agent.post('/login').type('form').send({ _csrf: form5, ...account });
      assert.equal(again.status, 303);
      assert.notEqual(sessionCookie(again), fresh);
      assert.equal(await fx.stores.sessions.find(hashSessionId(fresh)), undefined);
    });

    it('when signed out, then the session ends, the cookie is cleared and the sign-out is audited', async () => {
      const account = accounts.get('editor')!;
      const agent = await signIn(fx.app, account);
      const token = await csrfToken(agent);
      await agent.post('/logout').type('form').send({ _csrf: token }).expect(303);
      assert.match((await agent.get('/').expect(200)).text, /Sign in to add products/);
      const events = await fx.stores.audit.list({ actor: account.username, action: 'auth.sign_out', limit: 5 });
      assert.ok(events.events.length >= 1);
    });

    it('when a role changes or the account is disabled, then the next page request reflects it', async () => {
      const account = await createAccount(fx.stores, 'editor');
      const agent = await signIn(fx.app, account);
      assert.match((await agent.get('/').expect(200)).text, /name="product_id"/);
      await fx.stores.users.update(account.username, { role: 'viewer' }, TEST_CONTEXT);
      assert.match((await agent.get('/').expect(200)).text, /\(viewer\)/);
      await fx.stores.users.update(account.username, { disabled: true }, TEST_CONTEXT);
      assert.match((await agent.get('/').expect(200)).text, /Sign in to add products/);
    });
  });
}

describe('sessions and their timeouts', () => {
  it('when a session sits idle past SESSION_IDLE_MINUTES or lives past SESSION_MAX_HOURS, then it ends at the next request', async () => {
    const fx = memoryFixture({ sessionTimeouts: { idleMs: 60 * 60_000, maxMs: 24 * 3_600_000 } });
    const account = await createAccount(fx.stores, 'editor');
    for (const expire of ['idle', 'absolute'] as const) {
      const agent = supertest.agent(fx.app);
      const token = await loginForm(agent);
      const res = await agent.post('/login').type('form').send({ _csrf: token, ...account }).expect(303);
      const idHash = hashSessionId(sessionCookie(res)!);
      const found = (await fx.stores.sessions.find(idHash))!;
      const past = new Date(Date.now() - 61 * 60_000);
      // Rewind the stored session, as time passing would.
      await fx.stores.sessions.delete(idHash);
      await fx.stores.sessions.create(
        expire === 'idle' ? { ...found.session, lastSeenAt: past } : { ...found.session, expiresAt: new Date(Date.now() - 1000) },
        TEST_CONTEXT,
      );
      const page = await agent.get('/').expect(200);
      assert.match(page.text, /Sign in to add products/, expire);
      assert.match(String(page.headers['set-cookie']), /pc_session=;/);
      assert.equal(await fx.stores.sessions.find(idHash), undefined);
    }
  });

  it('when a password is changed on the account page, then other sessions end and this one stays', async () => {
    const fx = memoryFixture();
    const account = await createAccount(fx.stores, 'viewer');
    const [here, elsewhere] = [await signIn(fx.app, account), await signIn(fx.app, account)];
    const token = await csrfToken(here, '/account');
    const wrong = await here.post('/account/password').type('form').send({ _csrf: token, current_password: 'wrong one here', new_password: 'a brand new passphrase' }).expect(400);
    assert.match(wrong.text, /current password is not right/);
    const weak = await here.post('/account/password').type('form').send({ _csrf: token, current_password: account.password, new_password: 'qwerty123456' }).expect(400);
    assert.match(weak.text, /too easy to guess/);
    await here.post('/account/password').type('form').send({ _csrf: token, current_password: account.password, new_password: 'a brand new passphrase' }).expect(303);
    assert.match((await here.get('/account').expect(200)).text, /Password changed/);
    await elsewhere.get('/account').expect(303);
    await signIn(fx.app, { username: account.username, password: 'a brand new passphrase' });
  });
});

describe('PUBLIC_READ=false on the pages', () => {
  const fx = memoryFixture({ publicRead: false });

  it('when anonymous, then every page redirects to sign in and back, but sign-in, probes and static files stay open', async () => {
    for (const path of ['/', '/?q=tea', '/nowhere', '/products/x/delete']) {
      const res = await supertest(fx.app).get(path).expect(303);
      assert.equal(res.headers.location, `/login?next=${encodeURIComponent(path)}`);
    }
    await supertest(fx.app).get('/login').expect(200);
    await supertest(fx.app).get('/static/styles.css').expect(200);
    await supertest(fx.app).get('/healthz').expect(200);
    const agent = await signIn(fx.app, await createAccount(fx.stores, 'viewer'));
    await agent.get('/').expect(200);
  });
});

describe('account and admin pages', () => {
  const fx = memoryFixture();
  const app = fx.app;

  it('when an editor creates a token on the account page, then it is shown once and works; revoking it stops it', async () => {
    const account = await createAccount(fx.stores, 'editor');
    const agent = await signIn(app, account);
    const token = await csrfToken(agent, '/account');
    const created = await agent.post('/account/tokens').type('form').send({ _csrf: token, name: 'laptop', role: 'viewer', expires_in_days: '30' }).expect(201);
    assert.equal(created.headers['cache-control'], 'no-store');
    const secret = /id="new-token">(pc_[^<]+)</.exec(created.text)![1]!;
    const me = await supertest(app).get('/api/me').set('Authorization', `Bearer ${secret}`).expect(200);
    assert.equal(me.body.role, 'viewer');
    const page = (await agent.get('/account').expect(200)).text;
    assert.ok(!page.includes(secret), 'never shown again');
    const id = /action="\/account\/tokens\/(\d+)\/revoke"/.exec(page)![1];
    await agent.post(`/account/tokens/${id}/revoke`).type('form').send({ _csrf: token }).expect(303);
    await supertest(app).get('/api/me').set('Authorization', `Bearer ${secret}`).expect(401);
  });

  it('when a viewer opens the account page, then there is no token section (viewers manage no tokens)', async () => {
    const agent = await signIn(app, await createAccount(fx.stores, 'viewer'));
    const page = (await agent.get('/account').expect(200)).text;
    assert.doesNotMatch(page, /API tokens/);
    const token = /name="_csrf" value="([^"]+)"/.exec(page)![1];
    await agent.post('/account/tokens').type('form').send({ _csrf: token, name: 'x' }).expect(403);
  });

  it('when an admin adds, promotes, disables, enables and resets an account on the users page, then each works and says so', async () => {
    const agent = await signIn(app, await createAccount(fx.stores, 'admin'));
    const token = await csrfToken(agent, '/admin/users');
    const bad = await agent.post('/admin/users').type('form').send({ _csrf: token, username: 'has space', role: 'viewer', password: 'short' }).expect(400);
    assert.match(bad.text, /id="new-username-error" class="field-error">Username may use only/);
    assert.match(bad.text, /id="new-password-error" class="field-error">Password must be at least 12/);
    assert.match(bad.text, /value="has space"/);
    await agent.post('/admin/users').type('form').send({ _csrf: token, username: 'carol.q', role: 'viewer', password: 'carols own long passphrase' }).expect(303);
    assert.match((await agent.get('/admin/users').expect(200)).text, /Added carol\.q \(viewer\)/);
    await agent.post('/admin/users/carol.q/role').type('form').send({ _csrf: token, role: 'editor' }).expect(303);
    const carol = await signIn(app, { username: 'carol.q', password: 'carols own long passphrase' });
    assert.match((await carol.get('/').expect(200)).text, /name="product_id"/);
    await agent.post('/admin/users/carol.q/disable').type('form').send({ _csrf: token }).expect(303);
    await carol.get('/account').expect(303);
    await agent.post('/admin/users/carol.q/enable').type('form').send({ _csrf: token }).expect(303);
    await agent.post('/admin/users/carol.q/password').type('form').send({ _csrf: token, password: 'a reset passphrase for carol' }).expect(303);
    await signIn(app, { username: 'carol.q', password: 'a reset passphrase for carol' });
    const events = await fx.stores.audit.list({ limit: 20 });
    const actions = events.events.filter((e) => e.target.id === 'carol.q').map((e) => e.action);
    for (const action of ['user.create', 'user.role', 'user.disable', 'user.enable', 'user.password']) assert.ok(actions.includes(action as never), action);
  });

  it('when the audit page is filtered and paged, then only matching events show, newest first, with an Older link', async () => {
    const admin = await createAccount(fx.stores, 'admin');
    const agent = await signIn(app, admin);
    for (let i = 0; i < 25; i++) await fx.store.create(buildProduct({ productName: `audited ${i}` }), { ...TEST_CONTEXT, actor: { userId: 1, username: 'bulk-loader', role: 'editor', via: 'token', tokenId: 9 } });
    const first = (await agent.get('/admin/audit?actor=bulk-loader&action=product.create').expect(200)).text;
    assert.equal((first.match(/<code>product\.create<\/code>/g) ?? []).length, 20);
    assert.match(first, /bulk-loader <span class="muted">\(token 9\)<\/span>/);
    const older = /<a href="([^"]+)" rel="next"/.exec(first)![1]!.replace(/&amp;/g, '&');
    const second = (await agent.get(older).expect(200)).text;
    assert.equal((second.match(/<code>product\.create<\/code>/g) ?? []).length, 5);
    assert.doesNotMatch(second, /rel="next"/);
    await agent.get('/admin/audit?action=bogus').expect(400);
  });

  it('when the CSRF token is missing on sign-out, then 403 and the session stays', async () => {
    const agent = await signIn(app, await createAccount(fx.stores, 'viewer'));
    await agent.post('/logout').type('form').send({}).expect(403);
    await agent.get('/account').expect(200);
  });

  it('when a different app instance shares the stores, then a session from one works on the other', async () => {
    const other = appWith(fx.stores);
    const account = await createAccount(fx.stores, 'editor');
    const agent = supertest.agent(app);
    const form = await loginForm(agent);
    const cookie = sessionCookie(await agent.post('/login').type('form').send({ _csrf: form, ...account }))!;
    const page = await supertest(other).get('/account').set('Cookie', `pc_session=${cookie}`).expect(200);
    assert.match(page.text, new RegExp(account.username));
  });
});
