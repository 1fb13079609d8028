import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createConnection } from 'mysql2/promise';
import { APP_DATABASE_PRIVILEGES } from '../../db/privileges.js';
import { appUserPrivilegesSql, backupUserInitScript } from '../../k8s/mysql-init-sql.js';
import { createTestDatabase, skipUnlessMysql, TEST_SERVER, type TestDatabase } from '../support/mysql.js';

/** The privileges SHOW GRANTS lists for an account on one database. */
async function databasePrivileges(user: string, escapedDatabase: string): Promise<string[]> {
  const admin = await createConnection(TEST_SERVER);
  try {
    const [rows] = await admin.query(`SHOW GRANTS FOR '${user}'@'%'`);
    const grants = (rows as Record<string, string>[]).map((row) => Object.values(row)[0]!);
    const onDatabase = grants.filter((grant) => grant.includes(`ON \`${escapedDatabase}\`.*`));
    return onDatabase.flatMap((grant) => /^GRANT (.+) ON /.exec(grant)![1]!.split(', ')).sort();
  } finally {
    await admin.end();
  }
}

describe('MySQL init SQL against a real server (MariaDB here, MySQL 8.4 in the cluster)', await skipUnlessMysql(), () => {
  let database: TestDatabase;
  const user = `k8s_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  let escaped: string;

  before(async () => {
    database = await createTestDatabase('k8s_init');
    escaped = database.name.replaceAll('_', '\\_');
    const admin = await createConnection(TEST_SERVER);
    // What the official image's entrypoint does with MYSQL_USER and MYSQL_DATABASE.
    await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`);
    await admin.query(`GRANT ALL ON \`${escaped}\`.* TO '${user}'@'%'`);
    await admin.end();
  });

  after(async () => {
    const admin = await createConnection(TEST_SERVER);
    await admin.query(`DROP USER IF EXISTS '${user}'@'%'`);
    await admin.end();
    await database?.drop();
  });

  it('when the entrypoint has granted ALL and the init SQL runs, then the user holds exactly the app privileges', async () => {
    assert.ok((await databasePrivileges(user, escaped)).includes('ALL PRIVILEGES'));
    const admin = await createConnection({ ...TEST_SERVER, database: database.name, multipleStatements: true });
    await admin.query(appUserPrivilegesSql(user, database.name, APP_DATABASE_PRIVILEGES));
    await admin.end();

    assert.deepEqual(await databasePrivileges(user, escaped), [...APP_DATABASE_PRIVILEGES].sort());
  });

  it('when the app user tries what it was not granted, then the server refuses', async () => {
    const conn = await createConnection({ ...TEST_SERVER, user, password, database: database.name });
    try {
      await conn.query('CREATE TABLE probe_table (id INT PRIMARY KEY)');
      await conn.query('INSERT INTO probe_table VALUES (1)');
      await assert.rejects(conn.query('DROP TABLE probe_table'), /denied/i);
      await assert.rejects(conn.query('CREATE DATABASE k8s_init_forbidden'), /denied/i);
    } finally {
      await conn.end();
    }
  });

  it('when a name could break out of the SQL, then the generator refuses it', () => {
    assert.throws(() => appUserPrivilegesSql("x'; DROP USER root; --", 'ProductDetails', APP_DATABASE_PRIVILEGES));
    assert.throws(() => appUserPrivilegesSql('catalog', 'Product`Details', APP_DATABASE_PRIVILEGES));
    assert.throws(() => appUserPrivilegesSql('catalog', 'ProductDetails', ['ALL; DROP']));
    const file = '/run/secrets/product-catalog/mysql-backup-password';
    assert.throws(() => backupUserInitScript("x'@'%'; --", 'ProductDetails', ['SELECT'], file));
    assert.throws(() => backupUserInitScript('catalog_backup', 'ProductDetails', ['SELECT'], '/tmp/$(reboot)'));
    assert.throws(() => backupUserInitScript('catalog_backup', 'ProductDetails', [], file));
  });
});
