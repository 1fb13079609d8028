import { pino } from 'pino';
import type { Express } from 'express';
import supertest from 'supertest';
import { createApp, type AppDependencies } from '../../web/app.js';
import { Database } from '../../web/mysql/database.js';
import { MemoryProductStore } from '../../web/catalog/memory-store.js';
import type { ProductStore } from '../../web/catalog/product-store.js';
import { createTestDatabase, type TestDatabase } from './mysql.js';

export const silentLogger = pino({ level: 'silent' });
export const TEST_CSRF_SECRET = 'test-secret-that-is-at-least-32-characters-long';

export function appWith(store: ProductStore, overrides: Partial<AppDependencies> = {}): Express {
  return createApp({
    store,
    storage: 'memory',
    readiness: async () => ({ ready: true }),
    logger: silentLogger,
    csrfSecret: TEST_CSRF_SECRET,
    ...overrides,
  });
}

/** One app on a store of each kind: the suites that use it run against both. */
export interface StoreFixture {
  readonly name: 'memory' | 'mysql';
  readonly store: ProductStore;
  readonly app: Express;
  close(): Promise<void>;
}

export function memoryFixture(): StoreFixture {
  const store = new MemoryProductStore();
  return { name: 'memory', store, app: appWith(store), close: async () => {} };
}

/** A migrated database of its own, the MySQL store on it, and the app; `close` drops it. */
export async function mysqlFixture(overrides: Partial<AppDependencies> = {}): Promise<StoreFixture & { db: TestDatabase; database: Database }> {
  const db = await createTestDatabase();
  const database = new Database(db.config, silentLogger);
  await database.start();
  const app = appWith(database.store, { storage: 'mysql', readiness: () => database.readiness(), ...overrides });
  return {
    name: 'mysql',
    store: database.store,
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
