import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createConnection } from 'mysql2/promise';
import { BACKUP_DATABASE_PRIVILEGES } from '../../db/privileges.js';
import { DUMP_OPTIONS } from '../../k8s/backup-script.js';
import { backupUserInitScript } from '../../k8s/mysql-init-sql.js';
import { minikube } from '../../k8s/variants.js';
import { AppProcess } from '../support/app-process.js';
import { createTestDatabase, skipUnlessMysql, TEST_SERVER, type TestDatabase } from '../support/mysql.js';
import { synthObjects, type Container } from './support/manifests.js';
import type { KubeObject } from './support/strict-schema.js';

const run = promisify(execFile);

type CronJob = KubeObject & { spec: { jobTemplate: { spec: { template: { spec: { containers: Container[] } } } } } };
const backupContainer = (synthObjects(minikube).find((o) => o.kind === 'CronJob') as CronJob).spec.jobTemplate.spec.template.spec.containers[0]!;
const [shell, shellFlag, script] = backupContainer.command!;

/** Bash, with `docker_process_sql` as the MySQL image's entrypoint has it: SQL as root over the client. */
const ENTRYPOINT_SQL = `docker_process_sql() { mariadb --host=${TEST_SERVER.host} --port=${TEST_SERVER.port} --user=${TEST_SERVER.user} ${TEST_SERVER.password ? `--password=${TEST_SERVER.password}` : ''} "$@"; }`;

/** Runs the CronJob's own command, with its environment but this machine's database and folder. */
async function runBackup(env: Record<string, string>): Promise<{ code: number; output: string }> {
  const manifestEnv = Object.fromEntries((backupContainer.env ?? []).map((e) => [e.name, e.value!]));
  try {
    // Debian's MariaDB client installs mysqldump as a name of mariadb-dump.
    const { stdout, stderr } = await run(shell!, [shellFlag!, script!], { env: { PATH: process.env.PATH, ...manifestEnv, ...env }, timeout: 120_000 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

async function asAdmin<T>(work: (admin: Awaited<ReturnType<typeof createConnection>>) => Promise<T>): Promise<T> {
  const admin = await createConnection(TEST_SERVER);
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

function mysqlEnv(database: TestDatabase): Record<string, string> {
  const { host, port, user, password, database: name } = database.config;
  return { MYSQL_HOST: host, MYSQL_PORT: String(port), MYSQL_USER: user, MYSQL_PASSWORD: password, MYSQL_DATABASE: name };
}

type Product = { productId: string; productName: string; createdAt: string };

async function allProducts(app: AppProcess): Promise<Product[]> {
  const items: Product[] = [];
  let cursor: string | null = null;
  do {
    const page = await (await fetch(`${app.url}/api/products?limit=100${cursor ? `&cursor=${cursor}` : ''}`)).json() as { items: Product[]; nextCursor: string | null };
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

const NAMES = ['Laptop 14"', 'Café crème', 'Zürich – Genève', '日本語の名前', '🚀 rocket', "O'Brien's \\ back\\slash", 'tab-free; semicolon; -- not a comment', 'x'.repeat(255)];

describe('backups: the CronJob\'s dump, restored into a fresh database, on MariaDB', await skipUnlessMysql(), () => {
  let source: TestDatabase;
  let restored: TestDatabase;
  let work: string;
  let backups: string;
  let passwordFile: string;
  const apps: AppProcess[] = [];
  const user = `bk_${randomBytes(4).toString('hex')}`;
  // Every character a SQL string or the shell could trip on.
  const password = `p'"\\$\`&;${randomBytes(6).toString('hex')}`;

  before(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'backup-test-'));
    backups = path.join(work, 'backups');
    mkdirSync(backups);
    passwordFile = path.join(work, 'backup-password');
    writeFileSync(passwordFile, `${password}\n`);
    source = await createTestDatabase('k8s_backup_src');
    restored = await createTestDatabase('k8s_backup_dst');
    // The init script from the ConfigMap, sourced as the MySQL image's entrypoint sources it.
    const init = backupUserInitScript(user, source.name, BACKUP_DATABASE_PRIVILEGES, '/run/secrets/product-catalog/mysql-backup-password');
    await run('bash', ['-c', `set -eo pipefail; ${ENTRYPOINT_SQL}; . /dev/stdin <<'INIT'\n${init}INIT`], {
      env: { PATH: process.env.PATH, CATALOG_BACKUP_PASSWORD_FILE: passwordFile },
    });
  });

  after(async () => {
    await Promise.all(apps.map((app) => app.stop()));
    await asAdmin((admin) => admin.query(`DROP USER IF EXISTS '${user}'@'%'`));
    await source?.drop();
    await restored?.drop();
    rmSync(work, { recursive: true, force: true });
  });

  const backupEnv = () => ({
    DB_HOST: TEST_SERVER.host,
    DB_PORT: String(TEST_SERVER.port),
    DB_USER: user,
    DB_PASSWORD_FILE: passwordFile,
    DB_NAME: source.name,
    BACKUP_DIR: backups,
  });
  const backupFiles = () => readdirSync(backups).sort();

  it('when the app filled a database and the backup runs, then restoring its dump into a fresh database gives the app every product, the count and the migrations back', { timeout: 180_000 }, async () => {
    const app = await AppProcess.start(mysqlEnv(source));
    apps.push(app);
    await app.waitReady();
    const authorization = `Bearer ${await app.token()}`;
    for (const [index, name] of NAMES.entries()) {
      const response = await fetch(`${app.url}/api/products`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify({ productId: `B-${index}`, productName: name }),
      });
      assert.equal(response.status, 201, await response.text());
    }
    assert.equal((await fetch(`${app.url}/api/products/B-0`, { method: 'DELETE', headers: { authorization } })).status, 204, 'a delete moves the count too');
    const before = await allProducts(app);
    const migrationsBefore = await source.exec('SELECT version, applied_at FROM schema_migrations ORDER BY version');

    const result = await runBackup(backupEnv());

    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /backup written: .*\.sql\.gz \(\d+ bytes\)/);
    const files = backupFiles();
    assert.equal(files.length, 1, files.join(', '));
    assert.match(files[0]!, new RegExp(`^${source.name}-\\d{8}T\\d{6}Z\\.sql\\.gz$`));
    const dump = gunzipSync(readFileSync(path.join(backups, files[0]!))).toString('utf8');
    assert.match(dump, /CREATE TABLE `products`/);
    assert.doesNotMatch(dump, /CREATE DATABASE|^USE /m, 'the dump loads into any database');

    await run('bash', ['-c', `gzip -dc "$1" | mariadb --host=${TEST_SERVER.host} --port=${TEST_SERVER.port} --user=${TEST_SERVER.user} "$2"`, 'restore', path.join(backups, files[0]!), restored.name],
      { env: { PATH: process.env.PATH, MYSQL_PWD: TEST_SERVER.password } });
    const restoredApp = await AppProcess.start(mysqlEnv(restored));
    apps.push(restoredApp);
    await restoredApp.waitReady();

    assert.deepEqual(await allProducts(restoredApp), before);
    assert.equal(before.length, NAMES.length - 1);
    const page = await (await fetch(restoredApp.url, { headers: { accept: 'text/html' } })).text();
    assert.match(page, new RegExp(`id="list-summary">${before.length} products in the catalog<`), 'the page shows the kept count (product_counts)');
    const [counts] = await restored.exec('SELECT SUM(n) AS n FROM product_counts') as { n: string }[];
    assert.equal(Number(counts!.n), before.length);
    assert.deepEqual(await restored.exec('SELECT version, applied_at FROM schema_migrations ORDER BY version'), migrationsBefore);
    for (const table of ['products', 'product_counts', 'schema_migrations']) {
      const create = async (db: TestDatabase) => ((await db.exec(`SHOW CREATE TABLE \`${table}\``)) as Record<string, string>[])[0]!['Create Table'];
      assert.equal(await create(restored), await create(source), `${table} has the same definition`);
    }
  });

  it('when the database holds views, triggers or routines, then this test fails: SELECT alone would not dump them', async () => {
    const [objects] = await source.exec(
      `SELECT (SELECT COUNT(*) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ?) + (SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?) + (SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?) AS n`,
      [source.name, source.name, source.name],
    ) as { n: number }[];
    assert.equal(Number(objects!.n), 0);
  });

  it('when the backup user tries anything but reading, then the server refuses, and without SELECT the backup fails and leaves no file', { timeout: 60_000 }, async () => {
    const conn = await createConnection({ ...TEST_SERVER, user, password, database: source.name });
    try {
      await assert.rejects(conn.query("INSERT INTO products (product_id, product_name) VALUES ('X', 'x')"), /denied/i);
      await assert.rejects(conn.query('DELETE FROM products'), /denied/i);
      await assert.rejects(conn.query('DROP TABLE products'), /denied/i);
      await assert.rejects(conn.query(`SELECT * FROM \`${restored.name}\`.products`), /denied/i);
    } finally {
      await conn.end();
    }
    const before = backupFiles();
    // The grant is on the name with `_` escaped, as the init script makes it.
    const schema = `\`${source.name.replaceAll('_', '\\_')}\`.*`;
    await asAdmin((admin) => admin.query(`REVOKE ${BACKUP_DATABASE_PRIVILEGES.join(', ')} ON ${schema} FROM '${user}'@'%'`));
    try {
      const result = await runBackup(backupEnv());
      assert.notEqual(result.code, 0, result.output);
      assert.match(result.output, /denied/i);
      assert.deepEqual(backupFiles(), before, 'no backup and no partial file left');
    } finally {
      await asAdmin((admin) => admin.query(`GRANT ${BACKUP_DATABASE_PRIVILEGES.join(', ')} ON ${schema} TO '${user}'@'%'`));
    }
  });

  it('when backups run more often than BACKUP_KEEP, then only the newest are kept', { timeout: 120_000 }, async () => {
    for (let i = 0; i < 3; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 1100)); // names carry the second
      const result = await runBackup({ ...backupEnv(), BACKUP_KEEP: '2' });
      assert.equal(result.code, 0, result.output);
    }
    const files = backupFiles();
    assert.equal(files.length, 2, files.join(', '));
    const all = [...files].sort();
    assert.deepEqual(files, all.slice(-2));
  });

  it('when the password is wrong or BACKUP_KEEP is not a number, then it exits non-zero and keeps every earlier backup', { timeout: 60_000 }, async () => {
    const before = backupFiles();
    const wrong = path.join(work, 'wrong-password');
    writeFileSync(wrong, 'not-the-password');
    const denied = await runBackup({ ...backupEnv(), DB_PASSWORD_FILE: wrong });
    assert.notEqual(denied.code, 0);
    assert.match(denied.output, /Access denied/);
    const keep = await runBackup({ ...backupEnv(), BACKUP_KEEP: 'all' });
    assert.equal(keep.code, 64);
    assert.deepEqual(backupFiles(), before);
  });

  it('when the CronJob dumps, then it passes exactly the documented options', () => {
    assert.ok(script!.includes(`mysqldump --host="$DB_HOST" --port="$DB_PORT" --user="$DB_USER" ${DUMP_OPTIONS.join(' ')} "$DB_NAME"`));
    assert.ok(DUMP_OPTIONS.includes('--single-transaction'));
  });
});
