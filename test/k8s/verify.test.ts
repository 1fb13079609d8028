import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AppProcess, TEST_ADMIN } from '../support/app-process.js';
import { createTestDatabase, skipUnlessMysql, type TestDatabase } from '../support/mysql.js';
import { freePort } from '../support/process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Writes a minute for the refusal test: the sign-in, the token and the create; the delete is the fourth. */
const WRITE_LIMIT = '3';
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
  let work: string;
  const apps: AppProcess[] = [];
  // As the Job gets them: the first admin's password in a file, the Secret's.
  const adminEnv = () => ({ ADMIN_USERNAME: TEST_ADMIN.username, ADMIN_PASSWORD_FILE: path.join(work, 'admin-password') });

  before(async () => {
    database = await createTestDatabase('k8s_verify');
    work = mkdtempSync(path.join(tmpdir(), 'verify-test-'));
    writeFileSync(path.join(work, 'admin-password'), `${TEST_ADMIN.password}\n`);
  });

  after(async () => {
    await Promise.all(apps.map((app) => app.stop()));
    await database?.drop();
    rmSync(work, { recursive: true, force: true });
  });

  it('when the app works, then it creates, reads and deletes a product, leaves nothing behind and exits 0', { timeout: 120_000 }, async () => {
    const app = await AppProcess.start(mysqlEnv(database));
    apps.push(app);
    await app.waitReady();

    const result = await verify({ VERIFY_BASE_URL: app.url, ...adminEnv() });

    assert.equal(result.code, 0, result.output);
    for (const step of [/ok +\/readyz/, /ok +signed in as admin, token minted/, /ok +create verify-[0-9a-f]+ \(201\)/, /ok +read verify-[0-9a-f]+ \(200\)/, /ok +delete verify-[0-9a-f]+ \(204\)/, /after delete \(404\)/, /VERIFY PASSED/]) {
      assert.match(result.output, step);
    }
    const list = await (await fetch(`${app.url}/api/products?limit=100`)).json() as { items: { productId: string }[] };
    assert.deepEqual(list.items.filter((p) => p.productId.startsWith('verify-')), [], 'the probe product is gone');
    const tokens = await (await fetch(`${app.url}/api/tokens`, { headers: { authorization: `Bearer ${await app.token()}` } })).json() as { items: { name: string; role: string; revokedAt: string | null }[] };
    const verifyTokens = tokens.items.filter((t) => t.name.startsWith('verify '));
    assert.equal(verifyTokens.length, 1);
    assert.equal(verifyTokens[0]!.role, 'editor', 'no more than the round trip needs');
    assert.notEqual(verifyTokens[0]!.revokedAt, null, 'the token is revoked after the check');
  });

  it('when a write is refused mid-way, then it names the step, the status and the body, and exits 1', { timeout: 120_000 }, async () => {
    // WRITE_LIMIT writes a minute: signing in, the token and the create pass, the delete is refused with 429.
    const app = await AppProcess.start({ ...mysqlEnv(database), WRITE_RATE_LIMIT_PER_MINUTE: WRITE_LIMIT });
    apps.push(app);
    await app.waitReady();

    const result = await verify({ VERIFY_BASE_URL: app.url, ...adminEnv() });

    assert.equal(result.code, 1, result.output);
    assert.match(result.output, /VERIFY FAILED against http:\/\/127\.0\.0\.1:\d+: delete verify-[0-9a-f]+: expected 204, got 429: /);
    await database.exec("DELETE FROM products WHERE product_id LIKE 'verify-%'");
  });

  it('when the password is wrong or missing, then it fails at signing in, or at the first write with 401, and exits 1', { timeout: 120_000 }, async () => {
    const app = await AppProcess.start(mysqlEnv(database));
    apps.push(app);
    await app.waitReady();
    writeFileSync(path.join(work, 'wrong-password'), 'not the admin password');

    const wrong = await verify({ VERIFY_BASE_URL: app.url, ADMIN_USERNAME: TEST_ADMIN.username, ADMIN_PASSWORD_FILE: path.join(work, 'wrong-password') });
    assert.equal(wrong.code, 1, wrong.output);
    assert.match(wrong.output, /VERIFY FAILED against .*: sign in as admin: /);

    const anonymous = await verify({ VERIFY_BASE_URL: app.url });
    assert.equal(anonymous.code, 1, anonymous.output);
    assert.match(anonymous.output, /create verify-[0-9a-f]+: expected 201, got 401: /);
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
