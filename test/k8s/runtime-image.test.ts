import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PROBE_PATHS, SHUTDOWN_GRACE_SECONDS } from '../../web/defaults.js';
import { createTestDatabase, skipUnlessMysql, TEST_SERVER, type TestDatabase } from '../support/mysql.js';
import { freePort } from '../support/process.js';
import { dockerfileStages } from './support/dockerfile.js';
import { reproduceStage } from './support/reproduce-stage.js';

async function statusOf(url: string): Promise<number | undefined> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2000) })).status;
  } catch {
    return undefined;
  }
}

describe('runtime stage of the Dockerfile, reproduced without Docker', await skipUnlessMysql(), () => {
  let work: string;
  let database: TestDatabase;
  let server: ChildProcess | undefined;
  let output = '';

  before(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'runtime-stage-'));
    chmodSync(work, 0o755); // the image's user must reach the files, as in the image
    database = await createTestDatabase('k8s_smoke');
  });

  after(async () => {
    server?.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
    await database?.drop();
  });

  it('when the runtime stage runs its exact CMD against MariaDB, then /readyz answers 200 and SIGTERM stops it with exit 0', { timeout: 240_000 }, async () => {
    const stages = dockerfileStages();
    const reproduced: Record<string, ReturnType<typeof reproduceStage>> = {};
    for (const stage of stages.slice(0, -1)) {
      reproduced[stage.name!] = reproduceStage(stage, { dir: path.join(work, stage.name!), stages: reproduced, linkFullInstall: true });
    }
    const runtime = reproduceStage(stages.at(-1)!, { dir: path.join(work, 'runtime'), stages: reproduced });
    assert.ok(existsSync(path.join(runtime.dir, 'node_modules/express')), 'production dependencies installed');
    assert.equal(existsSync(path.join(runtime.dir, 'node_modules/typescript')), false, 'no dev dependencies');

    const port = await freePort();
    const [command, ...args] = runtime.cmd!;
    // The image's USER, so the files must be readable by a uid that owns none of them.
    const [uid, gid] = (runtime.user ?? '').split(':').map(Number);
    const asImageUser = process.getuid?.() === 0 && Number.isInteger(uid) ? { uid: uid!, gid: gid ?? uid! } : {};
    server = spawn(command!, args, {
      cwd: runtime.dir,
      ...asImageUser,
      env: {
        PATH: process.env.PATH,
        ...runtime.env,
        PORT: String(port),
        MYSQL_HOST: TEST_SERVER.host,
        MYSQL_PORT: String(TEST_SERVER.port),
        MYSQL_USER: TEST_SERVER.user,
        MYSQL_PASSWORD: TEST_SERVER.password,
        MYSQL_DATABASE: database.name,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout!.on('data', (chunk) => { output += chunk; });
    server.stderr!.on('data', (chunk) => { output += chunk; });
    const exited = new Promise<number | null>((resolve) => server!.on('exit', (code) => resolve(code)));

    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 60_000;
    let ready: number | undefined;
    while (Date.now() < deadline && server.exitCode === null) {
      ready = await statusOf(base + PROBE_PATHS.readiness);
      if (ready === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.equal(ready, 200, `/readyz never answered 200; the app said:\n${output}`);
    assert.equal(await statusOf(base + PROBE_PATHS.liveness), 200);

    const stopAsked = Date.now();
    server.kill('SIGTERM');
    assert.equal(await exited, 0, `exit code after SIGTERM; the app said:\n${output}`);
    assert.ok(Date.now() - stopAsked < (SHUTDOWN_GRACE_SECONDS + 5) * 1000, 'stopped within the grace period');
    server = undefined;
  });
});
