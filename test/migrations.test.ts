import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { createPool, type Pool, type RowDataPacket } from 'mysql2/promise';
import { MIGRATIONS_DIR, MigrationRefusedError, migrate, splitStatements } from '../db/migrate.js';
import { Database } from '../web/mysql/database.js';
import { silentLogger } from './support/app.js';
import { createTestDatabase, skipUnlessMysql, TEST_SERVER, type TestDatabase } from './support/mysql.js';

/** Every migration in db/migrations, in order (check files are preconditions, not versions). */
const ALL_VERSIONS = readdirSync(MIGRATIONS_DIR)
  .filter((f) => f.endsWith('.sql') && !f.endsWith('.check.sql'))
  .map((f) => f.slice(0, -'.sql'.length))
  .sort();
const TUTORIAL_TABLE = 'CREATE TABLE products (product_name VARCHAR(10), product_id VARCHAR(11)) CHARACTER SET latin1';

describe('splitStatements', () => {
  it('when a file has comments and several statements, then each statement comes back alone', () => {
    assert.deepEqual(splitStatements('-- why\nCREATE TABLE a (x INT);\n\nALTER TABLE a\n  ADD y INT;\n'), [
      'CREATE TABLE a (x INT)',
      'ALTER TABLE a\n  ADD y INT',
    ]);
  });
});

describe('migrations on MySQL', await skipUnlessMysql(), () => {
  let db: TestDatabase;
  let pool: Pool;
  const rows = async (sql: string) => (await pool.query<RowDataPacket[]>(sql))[0];

  before(async () => {
    db = await createTestDatabase('pc_migrate');
    pool = createPool({ ...TEST_SERVER, database: db.name, connectionLimit: 8 });
  });
  after(async () => {
    await pool?.end();
    await db?.drop();
  });

  // Every table goes: migrations that alter a table (005 adds columns) run once, on a fresh one.
  const reset = async () => {
    const tables = await rows(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = '${db.name}'`);
    for (const { name } of tables) await db.exec(`DROP TABLE IF EXISTS \`${String(name)}\``);
  };

  it('when the database is empty, then every migration runs once and a second run does nothing', async () => {
    await reset();
    assert.deepEqual(await migrate(pool), ALL_VERSIONS);
    assert.deepEqual(await migrate(pool), []);
    const recorded = await rows('SELECT version FROM schema_migrations ORDER BY version');
    assert.deepEqual(recorded.map((r) => r.version), ALL_VERSIONS);
    const [table] = await rows("SHOW CREATE TABLE products");
    assert.match(table!['Create Table'], /utf8mb4/);
    assert.match(table!['Create Table'], /UNIQUE KEY `uq_products_product_id`/);
  });

  it('when four processes migrate an empty database at once, then each migration is applied exactly once', async () => {
    await reset();
    const pools = Array.from({ length: 4 }, () => createPool({ ...TEST_SERVER, database: db.name, connectionLimit: 1 }));
    try {
      const applied = await Promise.all(pools.map((p) => migrate(p)));
      assert.deepEqual(applied.flat().sort(), ALL_VERSIONS);
      assert.equal((await rows('SELECT COUNT(*) AS n FROM schema_migrations'))[0]!.n, ALL_VERSIONS.length);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  it("when the tutorial's table holds rows, then they are kept, widened to utf8mb4 and made unique", async () => {
    await reset();
    await db.exec(TUTORIAL_TABLE);
    await db.exec("INSERT INTO products VALUES ('Laptop', 'L100'), ('Phone', 'P200'), (NULL, 'N1'), ('lowercase', 'l100')");
    await migrate(pool);

    const kept = await rows('SELECT id, product_id, product_name FROM products ORDER BY id');
    assert.deepEqual(
      kept.map((r) => [Number(r.id), r.product_id, r.product_name]),
      [[1, 'L100', 'Laptop'], [2, 'P200', 'Phone'], [3, 'N1', ''], [4, 'l100', 'lowercase']],
    );
    const long = '🚀'.repeat(255);
    await pool.execute('INSERT INTO products (product_id, product_name) VALUES (?, ?)', ['new-1', long]);
    assert.equal((await rows("SELECT product_name FROM products WHERE product_id = 'new-1'"))[0]!.product_name, long);
    await assert.rejects(pool.execute("INSERT INTO products (product_id, product_name) VALUES ('L100', 'dup')"), /Duplicate entry/);
  });

  it("when the tutorial's rows repeat an ID, then the migration is refused naming them, and nothing changes", async () => {
    await reset();
    await db.exec(TUTORIAL_TABLE);
    await db.exec("INSERT INTO products VALUES ('A', 'X1'), ('B', 'X1'), ('C', 'Y2'), ('D', NULL), ('E', 'Z3')");
    const error = await migrate(pool).then(
      () => assert.fail('expected a refusal'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof MigrationRefusedError);
    assert.match(error.message, /002_adopt_products refused, nothing was changed/);
    assert.match(error.message, /product_id='X1' copies=2/);
    assert.match(error.message, /product_id=NULL copies=1/);
    assert.doesNotMatch(error.message, /Z3|Y2/);

    assert.equal((await rows('SELECT COUNT(*) AS n FROM products'))[0]!.n, 5);
    const columns = await rows('SHOW COLUMNS FROM products');
    assert.deepEqual(columns.map((c) => `${c.Field} ${c.Type}`), ['product_name varchar(10)', 'product_id varchar(11)']);
    const recorded = await rows('SELECT version FROM schema_migrations');
    assert.deepEqual(recorded.map((r) => r.version), ['001_create_products']);
  });

  it('when the configured database does not exist yet, then the app creates it and migrates', async () => {
    const name = `${db.name}_new`;
    const database = new Database({ ...db.config, database: name }, silentLogger);
    try {
      await database.start();
      assert.deepEqual(await database.readiness(), { ready: true });
      assert.equal((await database.stores.products.listPage({ limit: 1 })).items.length, 0);
    } finally {
      await database.close();
      await db.exec(`DROP DATABASE IF EXISTS \`${name}\``);
    }
  });
});
