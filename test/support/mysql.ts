import { randomBytes } from 'node:crypto';
import { createConnection, type ConnectionOptions } from 'mysql2/promise';
import type { MysqlConfig } from '../../web/config.js';

/** The server the MySQL suites use; override with TEST_MYSQL_HOST/PORT/USER/PASSWORD. */
export const TEST_SERVER = {
  host: process.env.TEST_MYSQL_HOST ?? '127.0.0.1',
  port: Number(process.env.TEST_MYSQL_PORT ?? 3306),
  user: process.env.TEST_MYSQL_USER ?? 'root',
  password: process.env.TEST_MYSQL_PASSWORD ?? '',
};

let available: Promise<boolean> | undefined;

/**
 * Whether a MySQL-compatible server answers. Without one the MySQL suites skip with a loud
 * message, except under CI, where they must run: then this throws.
 */
export function mysqlAvailable(): Promise<boolean> {
  available ??= (async () => {
    try {
      const conn = await createConnection({ ...TEST_SERVER, connectTimeout: 2000 });
      await conn.end();
      return true;
    } catch (error) {
      const where = `${TEST_SERVER.user}@${TEST_SERVER.host}:${TEST_SERVER.port}`;
      if (process.env.CI) throw new Error(`CI is set but no MySQL server answers at ${where}`, { cause: error });
      console.warn(`\n*** SKIPPING MySQL suites: no server answers at ${where} (${String(error)}) ***\n`);
      return false;
    }
  })();
  return available;
}

/** For `describe(name, await skipUnlessMysql(), ...)`. */
export async function skipUnlessMysql(): Promise<{ skip: string | false }> {
  return { skip: (await mysqlAvailable()) ? false : 'no MySQL-compatible server (see the warning above)' };
}

export interface TestDatabase {
  readonly name: string;
  readonly config: MysqlConfig;
  /** Runs statements in the test database as the admin user (for setting up legacy tables). */
  exec(sql: string, params?: unknown[]): Promise<unknown>;
  drop(): Promise<void>;
}

/** A database of its own for one suite, created now and dropped by `drop()`. */
export async function createTestDatabase(prefix = 'pc_test'): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin: ConnectionOptions = { ...TEST_SERVER };
  const conn = await createConnection(admin);
  await conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await conn.end();
  return {
    name,
    config: {
      ...TEST_SERVER,
      database: name,
      poolSize: 5,
      connectTimeoutMs: 2000,
      queryTimeoutMs: 5000,
    },
    async exec(sql, params = []) {
      const c = await createConnection({ ...admin, database: name });
      try {
        const [result] = await c.query(sql, params);
        return result;
      } finally {
        await c.end();
      }
    },
    async drop() {
      const c = await createConnection(admin);
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await c.end();
    },
  };
}
