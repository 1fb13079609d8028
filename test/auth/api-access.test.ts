import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import supertest from 'supertest';
import { newToken } from '../../web/auth/api-tokens.js';
import type { Role } from '../../web/auth/roles.js';
import { appWith, memoryFixture, type StoreFixture } from '../support/app.js';
import { apiAs, createAccount, createToken, TEST_CONTEXT, type ApiClient } from '../support/auth.js';
import { buildProduct } from '../support/factory.js';
import { storeFixtures } from '../support/fixtures.js';

const PROBLEM = /^application\/problem\+json/;
type Who = 'anonymous' | Role;
const WHO: Who[] = ['anonymous', 'viewer', 'editor', 'admin'];

/** Every API route, the least role it needs, and a request that should succeed for that role. */
const ROUTES: Array<{ name: string; needs: Who; ok: number; send: (api: ApiClient, ctx: { productId: string; username: string; tokenId: () => Promise<number> }) => Promise<supertest.Response> }> = [
  { name: 'GET /api/products', needs: 'anonymous', ok: 200, send: (api) => api.get('/api/products') },
  { name: 'GET /api/products/{id}', needs: 'anonymous', ok: 200, send: (api, c) => api.get(`/api/products/${c.productId}`) },
  { name: 'GET /api/openapi.json', needs: 'anonymous', ok: 200, send: (api) => api.get('/api/openapi.json') },
  { name: 'POST /api/products', needs: 'editor', ok: 201, send: (api) => api.post('/api/products').send(buildProduct()) },
  { name: 'PUT /api/products/{id}', needs: 'editor', ok: 200, send: (api, c) => api.put(`/api/products/${c.productId}`).send({ productName: 'Renamed' }) },
  { name: 'DELETE /api/products/{id}', needs: 'editor', ok: 404, send: (api) => api.delete('/api/products/gone-already') },
  { name: 'PATCH /api/products/{id}', needs: 'editor', ok: 200, send: (api, c) => api.patch(`/api/products/${c.productId}`).type('application/merge-patch+json').send('{"productName":"Patched"}') },
  { name: 'GET /api/trash', needs: 'editor', ok: 200, send: (api) => api.get('/api/trash') },
  { name: 'POST /api/trash/{id}/restore', needs: 'editor', ok: 404, send: (api) => api.post('/api/trash/not-in-trash/restore') },
  { name: 'DELETE /api/trash/{id}', needs: 'admin', ok: 404, send: (api) => api.delete('/api/trash/not-in-trash') },
  { name: 'GET /api/me', needs: 'viewer', ok: 200, send: (api) => api.get('/api/me') },
  { name: 'GET /api/tokens', needs: 'editor', ok: 200, send: (api) => api.get('/api/tokens') },
  { name: 'POST /api/tokens', needs: 'editor', ok: 201, send: (api) => api.post('/api/tokens').send({ name: 'matrix' }) },
  { name: 'DELETE /api/tokens/{id}', needs: 'editor', ok: 404, send: (api) => api.delete('/api/tokens/999999') },
  { name: 'GET /api/users', needs: 'admin', ok: 200, send: (api) => api.get('/api/users') },
  { name: 'POST /api/users', needs: 'admin', ok: 400, send: (api) => api.post('/api/users').send({ username: 'x', role: 'viewer', password: 'short' }) },
  { name: 'PATCH /api/users/{name}', needs: 'admin', ok: 200, send: (api, c) => api.patch(`/api/users/${c.username}`).send({ role: 'viewer' }) },
  { name: 'GET /api/audit', needs: 'admin', ok: 200, send: (api) => api.get('/api/audit') },
];

const rank = (w: Who) => WHO.indexOf(w);

for (const kind of await storeFixtures()) {
  describe(`API access by role on the ${kind.name} store`, () => {
    let fx: StoreFixture;
    const clients = new Map<Who, ApiClient>();
    let productId: string;
    let target: string;
    before(async () => {
      fx = await kind.open();
      clients.set('anonymous', apiAs(fx.app, undefined));
      for (const role of ['viewer', 'editor', 'admin'] as const) {
        const account = await createAccount(fx.stores, role);
        clients.set(role, apiAs(fx.app, await createToken(fx.stores, account.username)));
      }
      productId = (await fx.store.create(buildProduct(), TEST_CONTEXT)).productId;
      target = (await createAccount(fx.stores, 'viewer')).username;
    });
    after(async () => fx?.close());

    for (const route of ROUTES) {
      for (const who of WHO) {
        const allowed = rank(who) >= rank(route.needs);
        const expected = allowed ? route.ok : who === 'anonymous' ? 401 : 403;
        it(`when ${who} calls ${route.name}, then ${expected}`, async () => {
          const res = await route.send(clients.get(who)!, { productId, username: target, tokenId: async () => 0 });
          assert.equal(res.status, expected, res.text);
          if (expected === 401) {
            assert.match(res.headers['content-type'] ?? '', PROBLEM);
            assert.equal(res.headers['www-authenticate'], 'Bearer realm="product-catalog"');
          }
          if (expected === 403) {
            assert.match(res.headers['content-type'] ?? '', PROBLEM);
            assert.match(res.body.detail, new RegExp(`needs the ${route.needs} role`));
          }
        });
      }
    }

    it('when anonymous or a viewer tries to write, then nothing changes', async () => {
      const before = await fx.store.count();
      for (const who of ['anonymous', 'viewer'] as const) {
        await clients.get(who)!.post('/api/products').send(buildProduct()).expect(who === 'anonymous' ? 401 : 403);
        await clients.get(who)!.delete(`/api/products/${productId}`).expect(who === 'anonymous' ? 401 : 403);
        await clients.get(who)!.put(`/api/products/${productId}`).send({ productName: 'Hijacked' }).expect(who === 'anonymous' ? 401 : 403);
      }
      assert.equal(await fx.store.count(), before);
      assert.notEqual((await fx.store.get(productId))?.productName, 'Hijacked');
    });
  });

  describe(`API tokens that must not work, on the ${kind.name} store`, () => {
    let fx: StoreFixture;
    before(async () => (fx = await kind.open()));
    after(async () => fx?.close());

    const refused = async (token: string, why: RegExp) => {
      const res = await apiAs(fx.app, token).get('/api/me').expect(401);
      assert.match(res.headers['www-authenticate'] ?? '', /^Bearer realm="product-catalog", error="invalid_token"/);
      assert.match(res.body.detail, why);
      await apiAs(fx.app, token).get('/api/products').expect(401);
    };

    it('when a token is unknown, malformed or sent with another scheme, then 401 (400 for a malformed header)', async () => {
      await refused(`pc_${'A'.repeat(43)}`, /not known/);
      await refused('not-a-token', /not known/);
      const basic = await supertest(fx.app).get('/api/me').set('Authorization', 'Basic YWRtaW46YWRtaW4=').expect(400);
      assert.match(basic.headers['www-authenticate'] ?? '', /error="invalid_request"/);
    });

    it('when a token is revoked, then the next request is refused', async () => {
      const { username } = await createAccount(fx.stores, 'editor');
      const token = await createToken(fx.stores, username);
      const api = apiAs(fx.app, token);
      const { body } = await api.get('/api/tokens').expect(200);
      await api.delete(`/api/tokens/${body.items[0].id}`).expect(204);
      await refused(token, /revoked/);
    });

    it('when a token has expired, then it is refused', async () => {
      const { username } = await createAccount(fx.stores, 'editor');
      const user = (await fx.stores.users.find(username))!;
      const { token, hash } = newToken();
      await fx.stores.tokens.create({ userId: user.id, username, name: 'old', role: 'editor', hash, expiresAt: new Date(Date.now() - 1000) }, TEST_CONTEXT);
      await refused(token, /expired/);
    });

    it('when the owner is disabled, then the token stops working, and works again once enabled', async () => {
      const { username } = await createAccount(fx.stores, 'editor');
      const token = await createToken(fx.stores, username);
      await fx.stores.users.update(username, { disabled: true }, TEST_CONTEXT);
      await refused(token, /disabled/);
      await fx.stores.users.update(username, { disabled: false }, TEST_CONTEXT);
      await apiAs(fx.app, token).get('/api/me').expect(200);
    });

    it('when a token has a lower role than its owner, then it acts with the lower one', async () => {
      const { username } = await createAccount(fx.stores, 'admin');
      const api = apiAs(fx.app, await createToken(fx.stores, username, { role: 'viewer' }));
      assert.equal((await api.get('/api/me').expect(200)).body.role, 'viewer');
      await api.post('/api/products').send(buildProduct()).expect(403);
    });

    it("when the owner's role is lowered below the token's, then the next request acts with the owner's new role", async () => {
      const { username } = await createAccount(fx.stores, 'editor');
      const api = apiAs(fx.app, await createToken(fx.stores, username));
      await api.post('/api/products').send(buildProduct()).expect(201);
      await fx.stores.users.update(username, { role: 'viewer' }, TEST_CONTEXT);
      assert.equal((await api.get('/api/me').expect(200)).body.role, 'viewer');
      await api.post('/api/products').send(buildProduct()).expect(403);
    });

    it('when a token is used, then its last use is noted, at most once a minute', async () => {
      const { username } = await createAccount(fx.stores, 'editor');
      const api = apiAs(fx.app, await createToken(fx.stores, username));
      await api.get('/api/me').expect(200);
      const first = (await api.get('/api/tokens').expect(200)).body.items[0].lastUsedAt;
      assert.ok(first);
      await api.get('/api/me').expect(200);
      assert.equal((await api.get('/api/tokens').expect(200)).body.items[0].lastUsedAt, first);
    });

    it('when an editor creates a token, then it is shown once with its prefix, never listed again, and its role may not exceed the owner\'s', async () => {
      const { username } = await createAccount(fx.stores, 'editor');
      const api = apiAs(fx.app, await createToken(fx.stores, username));
      const created = await api.post('/api/tokens').send({ name: 'deploy bot', role: 'viewer', expiresInDays: 30 }).expect(201);
      assert.match(created.body.token, /^pc_[A-Za-z0-9_-]{43}$/);
      assert.equal(created.headers['cache-control'], 'no-store');
      assert.equal((await apiAs(fx.app, created.body.token).get('/api/me').expect(200)).body.role, 'viewer');
      const listed = await api.get('/api/tokens').expect(200);
      assert.ok(!JSON.stringify(listed.body).includes(created.body.token));
      const tooHigh = await api.post('/api/tokens').send({ name: 'power', role: 'admin' }).expect(400);
      assert.equal(tooHigh.body.errors[0].field, 'role');
    });

    it("when an editor touches another's token or lists another's tokens, then 404 or 403; an admin may", async () => {
      const [a, b] = [await createAccount(fx.stores, 'editor'), await createAccount(fx.stores, 'editor')];
      const apiA = apiAs(fx.app, await createToken(fx.stores, a.username));
      const apiB = apiAs(fx.app, await createToken(fx.stores, b.username));
      const bTokenId = (await apiB.get('/api/tokens').expect(200)).body.items[0].id;
      await apiA.delete(`/api/tokens/${bTokenId}`).expect(404);
      await apiA.get(`/api/tokens?user=${b.username}`).expect(403);
      await apiA.post('/api/tokens').send({ name: 'for b', user: b.username }).expect(403);
      const admin = apiAs(fx.app, await createToken(fx.stores, (await createAccount(fx.stores, 'admin')).username));
      assert.equal((await admin.get(`/api/tokens?user=${b.username}`).expect(200)).body.items.length, 1);
      await admin.delete(`/api/tokens/${bTokenId}`).expect(204);
      await apiB.get('/api/me').expect(401);
    });
  });

  describe(`accounts through the API on the ${kind.name} store`, () => {
    let fx: StoreFixture;
    let admin: ApiClient;
    before(async () => {
      fx = await kind.open();
      admin = apiAs(fx.app, await createToken(fx.stores, (await createAccount(fx.stores, 'admin')).username));
    });
    after(async () => fx?.close());

    it('when an admin adds an account, then it can be listed, changed and disabled; weak passwords and taken names are refused', async () => {
      const username = `Api.User-${Date.now()}`;
      const created = await admin.post('/api/users').send({ username, role: 'viewer', password: 'a long and unusual passphrase' }).expect(201);
      assert.deepEqual([created.body.username, created.body.role, created.body.disabled], [username, 'viewer', false]);
      assert.equal(created.headers.location, `/api/users/${username}`);
      assert.ok(!JSON.stringify(created.body).includes('passphrase'));
      await admin.post('/api/users').send({ username: username.toLowerCase(), role: 'viewer', password: 'another long passphrase' }).expect(409);
      const weak = await admin.post('/api/users').send({ username: `${username}2`, role: 'viewer', password: 'password1234' }).expect(400);
      assert.equal(weak.body.errors[0].field, 'password');
      const same = await admin.post('/api/users').send({ username: 'samename12345', role: 'viewer', password: 'SameName12345' }).expect(400);
      assert.match(same.body.errors[0].message, /must not be the username/);
      const changed = await admin.patch(`/api/users/${username}`).send({ role: 'editor', disabled: true }).expect(200);
      assert.deepEqual([changed.body.role, changed.body.disabled], ['editor', true]);
      assert.ok((await admin.get('/api/users').expect(200)).body.items.some((u: { username: string }) => u.username === username));
      await admin.patch(`/api/users/${username}`).send({ role: 'owner' }).expect(400);
      await admin.patch(`/api/users/${username}`).send({ secret: 1 }).expect(400);
    });

    it('when the last enabled admin would be demoted, then 409 and nothing changes', async () => {
      const stores = (await memoryFixture()).stores;
      const app = appWith(stores);
      const { username } = await createAccount(stores, 'admin');
      const only = apiAs(app, await createToken(stores, username));
      const res = await only.patch(`/api/users/${username}`).send({ role: 'editor' }).expect(409);
      assert.match(res.body.detail, /last enabled admin/);
      assert.equal((await stores.users.find(username))?.role, 'admin');
    });

    it('when products change through the API, then the audit trail names the user, the token, the client and the request', async () => {
      const { username } = await createAccount(fx.stores, 'editor');
      const token = await createToken(fx.stores, username);
      const api = apiAs(fx.app, token);
      const tokenId = (await api.get('/api/me').expect(200)).body.tokenId;
      const p = buildProduct();
      const created = await api.post('/api/products').set('X-Request-Id', 'audit-req-1').send(p).expect(201);
      await api.put(`/api/products/${p.productId}`).send({ productName: 'New name' }).expect(200);
      await api.delete(`/api/products/${p.productId}`).expect(204);
      const { body } = await admin.get(`/api/audit?productId=${p.productId}`).expect(200);
      assert.deepEqual(body.items.map((e: { action: string }) => e.action), ['product.delete', 'product.rename', 'product.create']);
      const first = body.items[2];
      assert.deepEqual(first.actor, { username, tokenId });
      assert.equal(first.requestId, created.headers['x-request-id']);
      assert.match(first.clientIp, /127\.0\.0\.1|::1/);
      assert.deepEqual([body.items[1].before, body.items[1].after], [{ productName: p.productName }, { productName: 'New name' }]);
      const byActor = await admin.get(`/api/audit?actor=${username}&action=product.rename`).expect(200);
      assert.equal(byActor.body.items.length, 1);
    });
  });
}

describe('PUBLIC_READ=false on the API', () => {
  it('when anonymous reads, then 401 with a Bearer challenge; a viewer token reads; probes stay open', async () => {
    const fx = memoryFixture({ publicRead: false });
    const anonymous = supertest(fx.app);
    for (const path of ['/api/products', '/api/openapi.json', '/api/products/x']) {
      const res = await anonymous.get(path).expect(401);
      assert.equal(res.headers['www-authenticate'], 'Bearer realm="product-catalog"');
    }
    await anonymous.get('/healthz').expect(200);
    await anonymous.get('/readyz').expect(200);
    await anonymous.get('/metrics').expect(200);
    const viewer = apiAs(fx.app, await createToken(fx.stores, (await createAccount(fx.stores, 'viewer')).username));
    await viewer.get('/api/products').expect(200);
  });
});
