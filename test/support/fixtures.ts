import { memoryFixture, mysqlFixture, type StoreFixture } from './app.js';
import { mysqlAvailable } from './mysql.js';

/** Suites that run once per store: always the in-memory one, and MySQL when a server answers. */
export async function storeFixtures(): Promise<Array<{ name: string; open: () => Promise<StoreFixture> }>> {
  const kinds = [{ name: 'memory', open: async () => memoryFixture() }];
  if (await mysqlAvailable()) kinds.push({ name: 'mysql', open: () => mysqlFixture() });
  return kinds;
}
