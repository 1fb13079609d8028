import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { createConnection, createPool } from 'mysql2/promise';
import supertest from 'supertest';
import { migrate } from '../../db/migrate.js';
import { APP_DATABASE_PRIVILEGES } from '../../db/privileges.js';
import { Database } from '../../web/mysql/database.js';
import { MysqlRunner } from '../../web/mysql/runner.js';
import { mysqlStores } from '../../web/stores.js';
import { sweepOnce } from '../../web/maintenance.js';
import { appWith, csrfToken, silentLogger } from '../support/app.js';
import { buildProduct } from '../support/factory.js';
import { createTestDatabase, skipUnlessMysql, TEST_SERVER, type TestDatabase } from '../support/mysql.js';
import { apiClient, createAccount, pageClient, TEST_CONTEXT } from '../support/auth.js';

interface AppAccount {
  readonly db: TestDatabase;
  readonly user: string;
  readonly password: string;
}

const accounts: AppAccount[] = [];

/** A fresh, empty database and a user holding exactly `privileges` on it, as the Kubernetes init SQL makes. */
async function accountWith(privileges: readonly string[]): Promise<AppAccount> {
  const db = await createTestDatabase('pc_priv');
  const user = `pc_app_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  const admin = await createConnection(TEST_SERVER);
  try {
    await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`);
    await admin.query(`GRANT ${privileges.join(', ')} ON \`${db.name}\`.* TO '${user}'@'%'`);
  } finally {
    await admin.end();
  }
  const account = { db, user, password };
  accounts.push(account);
  return account;
}

/** Migrates as the account and runs every store operation; the first refusal, or undefined. */
async function firstRefusal(account: AppAccount): Promise<string | undefined> {
  const pool = createPool({ ...TEST_SERVER, user: account.user, password: account.password, database: account.db.name, connectionLimit: 2 });
  const stores = mysqlStores(new MysqlRunner(pool, () => true, { acquireMs: 5000, queryMs: 5000 }));
  const store = stores.products;
  const p = buildProduct();
  const sessionHash = randomBytes(32);
  const now = new Date();
  const steps: Array<[string, () => Promise<unknown>]> = [
    ['migrate', () => migrate(pool)],
    ['create', () => store.create(p, TEST_CONTEXT)],
    ['get', () => store.get(p.productId)],
    ['list', () => store.listPage({ limit: 5, search: 'Product' })],
    ['count', () => store.count()],
    ['rename', () => store.rename(p.productId, 'renamed', TEST_CONTEXT)],
    ['remove', () => store.remove(p.productId, TEST_CONTEXT)],
    ['create account and token', async () => {
      const { username } = await createAccount(stores, 'admin');
      const user = (await stores.users.find(username))!;
      await stores.tokens.create({ userId: user.id, username, name: 't', role: 'admin', hash: randomBytes(32) }, TEST_CONTEXT);
      await stores.sessions.create({ idHash: sessionHash, userId: user.id, createdAt: now, lastSeenAt: now, expiresAt: now }, TEST_CONTEXT);
      await stores.users.update(username, { passwordHash: 'x' }, TEST_CONTEXT);
    }],
    ['single sign-on', async () => {
      const identity = { issuer: 'https://sso.example.test', subject: 'sub-1' };
      await stores.identities.signIn(identity, { role: 'editor', groups: ['editors'] }, ['sso-user'], TEST_CONTEXT);
      const user = (await stores.identities.signIn(identity, { role: 'admin', groups: ['admins'] }, ['sso-user'], TEST_CONTEXT)) as { user: { id: number } };
      await stores.sessions.create({ idHash: randomBytes(32), userId: user.user.id, createdAt: now, lastSeenAt: now, expiresAt: now, oidc: { ...identity, idToken: 'a.b.c' } }, TEST_CONTEXT);
      await stores.users.update('sso-user', { rolePinned: true }, TEST_CONTEXT);
      const pending = { state: 's', nonce: 'n', codeVerifier: 'v', redirectUri: 'https://catalog.example.test/auth/oidc/callback', next: '/', createdAt: now.getTime() };
      await stores.pendingSignIns.save(sessionHash, pending, now);
      await stores.pendingSignIns.take(sessionHash, now);
    }],
    ['throttle', () => stores.throttle.addFailure('k', now, now, () => 1000)],
    ['sweep', () => sweepOnce(stores, { sessionIdleMs: 1000, auditRetentionDays: 1, trashRetentionDays: 1 }, new Date(now.getTime() + 400 * 86_400_000))],
  ];
  try {
    for (const [name, step] of steps) {
      try {
        await step();
      } catch (error) {
        const cause = (error as { cause?: { cause?: { code?: string }; code?: string }; code?: string });
        return `${name}: ${cause.code ?? cause.cause?.code ?? cause.cause?.cause?.code ?? String(error)}`;
      }
    }
    return undefined;
  } finally {
    await pool.end();
  }
}

describe('the database user holds exactly the privileges the app uses', await skipUnlessMysql(), () => {
  after(async () => {
    const admin = await createConnection(TEST_SERVER);
    for (const a of accounts) {
      await admin.query(`DROP USER IF EXISTS '${a.user}'@'%'`);
      await a.db.drop();
    }
    await admin.end();
  });

  it(`when the user holds only ${APP_DATABASE_PRIVILEGES.join(', ')}, then the app migrates an empty database and every page and API operation works`, async () => {
    const account = await accountWith(APP_DATABASE_PRIVILEGES);
    const config = { ...account.db.config, user: account.user, password: account.password };
    const database = new Database(config, silentLogger);
    try {
      await database.start();
      const app = appWith(database.stores, { storage: 'mysql', readiness: () => database.readiness() });
      const api = await apiClient(app, database.stores, 'admin');
      const p = buildProduct();
      await supertest(app).get('/readyz').expect(200);
      await api.post('/api/products').send(p).expect(201);
      await api.get(`/api/products/${p.productId}`).expect(200);
      await api.get('/api/products').query({ q: 'Product', limit: 5 }).expect(200);
      await api.put(`/api/products/${p.productId}`).send({ productName: 'renamed' }).expect(200);
      await api.delete(`/api/products/${p.productId}`).expect(204);
      await api.post('/api/tokens').send({ name: 'ci' }).expect(201);
      await api.get('/api/audit').expect(200);
      await sweepOnce(database.stores, { sessionIdleMs: 60_000, auditRetentionDays: 400, trashRetentionDays: 30 });
      const { agent } = await pageClient(app, database.stores, 'editor');
      const token = await csrfToken(agent);
      const q = buildProduct();
      await agent.post('/products').type('form').send({ _csrf: token, product_id: q.productId, product_name: q.productName }).expect(303);
      await agent.get('/').query({ q: q.productName }).expect(200);
      await agent.post(`/products/${q.productId}/delete`).type('form').send({ _csrf: token }).expect(303);
    } finally {
      await database.close();
    }
  });

  for (const missing of APP_DATABASE_PRIVILEGES) {
    it(`when ${missing} is withheld, then a migration or an operation is refused: every listed privilege is needed`, async (t) => {
      const refusal = await firstRefusal(await accountWith(APP_DATABASE_PRIVILEGES.filter((p) => p !== missing)));
      assert.ok(refusal, `nothing needed ${missing}`);
      t.diagnostic(`without ${missing}: ${refusal}`);
    });
  }
});
