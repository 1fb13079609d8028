import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { AppProcess } from '../support/app-process.js';
import { createTestDatabase, skipUnlessMysql, type TestDatabase } from '../support/mysql.js';
import { freePort } from '../support/process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

/** Runs the verify step as the Job runs it (its own process), with only PATH and these variables. */
async function verify(env: Record<string, string>): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'web/ops/verify-cli.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      timeout: 60_000,
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

function mysqlEnv(database: TestDatabase): Record<string, string> {
  const { host, port, user, password, database: name } = database.config;
  return { MYSQL_HOST: host, MYSQL_PORT: String(port), MYSQL_USER: user, MYSQL_PASSWORD: password, MYSQL_DATABASE: name };
}

describe('the skaffold verify step (web/ops/verify-cli.ts) against the app on MariaDB', await skipUnlessMysql(), () => {
  let database: TestDatabase;
  const apps: AppProcess[] = [];

  before(async () => {
    database = await createTestDatabase('k8s_verify');
  });

  after(async () => {
    await Promise.all(apps.map((app) => app.stop()));
    await database?.drop();
  });

  it('when the app works, then it creates, reads and deletes a product, leaves nothing behind and exits 0', { timeout: 120_000 }, async () => {
    const app = await AppProcess.start(mysqlEnv(database));
    apps.push(app);
    await app.waitReady();

    const result = await verify({ VERIFY_BASE_URL: app.url });

    assert.equal(result.code, 0, result.output);
    for (const step of [/ok +\/readyz/, /ok +create verify-[0-9a-f]+ \(201\)/, /ok +read verify-[0-9a-f]+ \(200\)/, /ok +delete verify-[0-9a-f]+ \(204\)/, /after delete \(404\)/, /VERIFY PASSED/]) {
      assert.match(result.output, step);
    }
    const list = await (await fetch(`${app.url}/api/products?limit=100`)).json() as { items: { productId: string }[] };
    assert.deepEqual(list.items.filter((p) => p.productId.startsWith('verify-')), [], 'the probe product is gone');
  });

  it('when a write is refused mid-way, then it names the step, the status and the body, and exits 1', { timeout: 120_000 }, async () => {
    // One write a minute: the create passes, the delete is refused with 429.
    const app = await AppProcess.start({ ...mysqlEnv(database), WRITE_RATE_LIMIT_PER_MINUTE: '1' });
    apps.push(app);
    await app.waitReady();

    const result = await verify({ VERIFY_BASE_URL: app.url });

    assert.equal(result.code, 1, result.output);
    assert.match(result.output, /VERIFY FAILED against http:\/\/127\.0\.0\.1:\d+: delete verify-[0-9a-f]+: expected 204, got 429: /);
    await database.exec("DELETE FROM products WHERE product_id LIKE 'verify-%'");
  });

  it('when nothing answers at the Service address, then it says /readyz never answered and exits 1', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const result = await verify({ VERIFY_BASE_URL: `http://127.0.0.1:${port}`, VERIFY_READY_TIMEOUT_MS: '1500' });
    assert.equal(result.code, 1, result.output);
    assert.match(result.output, /VERIFY FAILED against .*: \/readyz: not 200 within 1500 ms; last: ECONNREFUSED/);
  });

  it('when VERIFY_BASE_URL is missing, then it says so and exits 78', async () => {
    const result = await verify({});
    assert.equal(result.code, 78);
    assert.match(result.output, /VERIFY_BASE_URL is not set/);
  });
});
