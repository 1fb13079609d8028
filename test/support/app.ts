import { pino } from 'pino';
import type { Express } from 'express';
import supertest from 'supertest';
import { createApp, type AppDependencies } from '../../web/app.js';
import type { ProductStore } from '../../web/catalog/product-store.js';
import { Database } from '../../web/mysql/database.js';
import { memoryStores, type Stores } from '../../web/stores.js';
import { createTestDatabase, type TestDatabase } from './mysql.js';

export const silentLogger = pino({ level: 'silent' });
export const TEST_CSRF_SECRET = 'test-secret-that-is-at-least-32-characters-long';

export function appWith(stores: Stores = memoryStores(), overrides: Partial<AppDependencies> = {}): Express {
  return createApp({
    stores,
    storage: 'memory',
    readiness: async () => ({ ready: true }),
    logger: silentLogger,
    csrfSecret: TEST_CSRF_SECRET,
    ...overrides,
  });
}

/** One app on stores of each kind: the suites that use it run against both. */
export interface StoreFixture {
  readonly name: 'memory' | 'mysql';
  readonly stores: Stores;
  /** The product store, `stores.products`. */
  readonly store: ProductStore;
  readonly app: Express;
  close(): Promise<void>;
}

export function memoryFixture(overrides: Partial<AppDependencies> = {}): StoreFixture {
  const stores = memoryStores();
  return { name: 'memory', stores, store: stores.products, app: appWith(stores, overrides), close: async () => {} };
}

/** A migrated database of its own, the MySQL stores on it, and the app; `close` drops it. */
export async function mysqlFixture(overrides: Partial<AppDependencies> = {}): Promise<StoreFixture & { db: TestDatabase; database: Database }> {
  const db = await createTestDatabase();
  const database = new Database(db.config, silentLogger);
  await database.start();
  const app = appWith(database.stores, { storage: 'mysql', readiness: () => database.readiness(), ...overrides });
  return {
    name: 'mysql',
    stores: database.stores,
    store: database.stores.products,
    app,
    db,
    database,
    async close() {
      await database.close();
      await db.drop();
    },
  };
}

/** Reads the CSRF token from a page the agent fetched (the agent keeps the cookies). */
export async function csrfToken(agent: supertest.Agent, path = '/'): Promise<string> {
  const page = await agent.get(path).expect(200);
  const match = /name="_csrf" value="([^"]+)"/.exec(page.text);
  if (!match?.[1]) throw new Error('no CSRF token on the page');
  return match[1];
}
