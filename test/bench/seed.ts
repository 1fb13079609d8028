import { createConnection, createPool, type Connection, type RowDataPacket } from 'mysql2/promise';
import { migrate } from '../../db/migrate.js';
import { TEST_SERVER } from '../support/mysql.js';

/** Seeded product IDs are `bench-1` .. `bench-N`; the bench's own writes use another prefix. */
export const SEEDED_ID_PREFIX = 'bench-';
export const WRITTEN_ID_PREFIX = 'post-';

/**
 * Rows a statement: the sorted rows stay in an in-memory temporary table (MariaDB's default
 * tmp_table_size is 16 MiB) instead of an on-disk one in the server's tmpdir.
 */
const ROWS_PER_INSERT = 10_000;
const ADJECTIVES = ['Green', 'Red', 'Blue', 'Small', 'Large', 'Organic', 'Fresh', 'Dried', 'Smoked', 'Spicy'];
const NOUNS = ['Apple', 'Tea', 'Coffee', 'Bread', 'Cheese', 'Olive Oil', 'Honey', 'Rice', 'Pasta', 'Chocolate'];

export interface BenchDatabase {
  readonly name: string;
  readonly size: number;
  /** Seconds spent seeding; 0 when a kept database was reused. */
  readonly seedSeconds: number;
  drop(): Promise<void>;
}

const sqlList = (words: readonly string[]) => words.map((w) => `'${w}'`).join(', ');

/**
 * A migrated database holding exactly `size` products, seeded in bulk by INSERT ... SELECT over
 * a digits table (portable: MariaDB's seq engine does not exist on MySQL). With `reuse`, a database
 * kept by an earlier run is trimmed back to its seeded rows instead of being seeded again.
 */
export async function seedDatabase(name: string, size: number, reuse: boolean): Promise<BenchDatabase> {
  const admin = await createConnection({ ...TEST_SERVER, multipleStatements: false });
  const drop = async () => {
    const c = await createConnection(TEST_SERVER);
    await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await c.end();
  };
  try {
    if (reuse && (await trimToSeeded(admin, name, size))) return { name, size, seedSeconds: 0, drop };
    await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await admin.end();
  }
  const pool = createPool({ ...TEST_SERVER, database: name, connectionLimit: 1, charset: 'utf8mb4_unicode_ci', timezone: 'Z' });
  const started = performance.now();
  try {
    await migrate(pool);
    const conn = await pool.getConnection();
    try {
      await conn.query('CREATE TABLE bench_digits (d TINYINT UNSIGNED PRIMARY KEY)');
      await conn.query('INSERT INTO bench_digits VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)');
      for (let offset = 0; offset < size; offset += ROWS_PER_INSERT) {
        await conn.query(
          `INSERT INTO products (product_id, product_name, created_at)
           SELECT CONCAT(?, n),
                  CONCAT(ELT(1 + n % 10, ${sqlList(ADJECTIVES)}), ' ', ELT(1 + (n DIV 10) % 10, ${sqlList(NOUNS)}), ' ', n),
                  NOW(3)
           FROM (SELECT ? + a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 1 AS n
                 FROM bench_digits a, bench_digits b, bench_digits c, bench_digits e) s
           WHERE n <= ?
           ORDER BY n`,
          [SEEDED_ID_PREFIX, offset, size],
        );
      }
      await conn.query('DROP TABLE bench_digits');
      await recount(conn);
      await conn.query('ANALYZE TABLE products');
    } finally {
      conn.release();
    }
  } finally {
    await pool.end();
  }
  return { name, size, seedSeconds: (performance.now() - started) / 1000, drop };
}

/** Removes the bench's own writes from a kept database; false when it cannot be reused. */
async function trimToSeeded(admin: Connection, name: string, size: number): Promise<boolean> {
  const [dbs] = await admin.query<RowDataPacket[]>('SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [name]);
  if (dbs.length === 0) return false;
  await admin.query(`USE \`${name}\``);
  // By ID prefix, not by id: INSERT ... SELECT leaves gaps in the auto-increment ids.
  await admin.query('DELETE FROM products WHERE product_id LIKE ?', [`${WRITTEN_ID_PREFIX}%`]);
  const [[row]] = await admin.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM products');
  if (Number(row?.n) !== size) return false;
  await recount(admin);
  return true;
}

/** Bulk seeding bypasses the store, so a maintained product count (if the schema has one) is set here. */
async function recount(conn: Pick<Connection, 'query'>): Promise<void> {
  const [tables] = await conn.query<RowDataPacket[]>(
    "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'product_counts'",
  );
  if (tables.length === 0) return;
  await conn.query('UPDATE product_counts SET n = 0');
  await conn.query('UPDATE product_counts SET n = (SELECT COUNT(*) FROM products) WHERE slot = 0');
}
