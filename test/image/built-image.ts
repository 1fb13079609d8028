import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createConnection } from 'mysql2/promise';
import { APP_DATABASE_PRIVILEGES } from '../../db/privileges.js';
import { APP_NAME, SECRET_KEYS, SECRET_MOUNT_DIR } from '../../k8s/names.js';
import { minikube } from '../../k8s/variants.js';
import { DEFAULT_ADMIN_USERNAME, PROBE_PATHS } from '../../web/defaults.js';
import { mintToken } from '../../web/ops/admin-client.js';
import { debianRelease, dockerfileStages, nodeVersion, ROOT, runtimeCommand } from '../k8s/support/dockerfile.js';
import { synthObjects, the, type Workload } from '../k8s/support/manifests.js';
import { createTestDatabase, TEST_SERVER, type TestDatabase } from '../support/mysql.js';
import { freePort } from '../support/process.js';
import { waitFor } from '../support/wait.js';
import { podman, ULIMITS, whyImageTestCannotRun } from './support/podman.js';
import { ensureStandInBaseImage, STAND_IN_LABEL } from './support/stand-in.js';

const IMAGE = `localhost/${APP_NAME}:image-test`;
const CACHE_DIR = path.join(ROOT, '.cache/image-stand-in');
const log = (line: string) => console.log(`# ${line}`);

/**
 * This machine reaches the registry through a TLS-inspecting proxy whose CA the host's Node trusts
 * through NODE_EXTRA_CA_CERTS. The build mounts that bundle and an npmrc naming it into each RUN
 * step, for npm only; a mount is not part of any layer, so the image keeps nothing of it.
 */
/** Top-level packages of `npm ci --omit=dev` for the committed lockfile. */
function productionPackages(): string[] {
  const paths = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n');
  const top = path.join(ROOT, 'node_modules') + path.sep;
  return [...new Set(paths
    .filter((p) => p.startsWith(top))
    .map((p) => p.slice(top.length).split(path.sep))
    .filter((parts) => !parts.includes('node_modules'))
    .map((parts) => (parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!)))].sort();
}

function hostCaMounts(work: string): string[] {
  const bundle = process.env.NODE_EXTRA_CA_CERTS;
  if (!bundle) return [];
  const npmrc = path.join(work, 'npmrc');
  const [caTarget, npmrcTarget] = HOST_CA_TARGETS;
  writeFileSync(npmrc, `cafile=${caTarget}\n`);
  return ['--volume', `${bundle}:${caTarget}:ro`, '--volume', `${npmrc}:${npmrcTarget}:ro`];
}

/** Where the build mounts the CA bundle, and the global npmrc of the stand-in's npm (prefix /usr/local). */
const HOST_CA_TARGETS = ['/run/host-egress-ca.pem', '/usr/local/etc/npmrc'] as const;

const web = the(synthObjects(minikube), 'Deployment', APP_NAME) as Workload;
const podSpec = web.spec.template.spec as Workload['spec']['template']['spec'] & {
  securityContext: { runAsUser: number; runAsGroup: number; fsGroup: number };
  volumes: { name: string; emptyDir?: { sizeLimit?: string } }[];
};
const container = podSpec.containers[0]!;

describe('the real image: built from the Dockerfile with podman and run as the pod runs it', { skip: whyImageTestCannotRun() ?? false }, () => {
  let database: TestDatabase;
  let work: string;
  let containerName: string | undefined;
  const user = `img_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(16).toString('hex');

  before(async () => {
    database = await createTestDatabase('k8s_image');
    const admin = await createConnection(TEST_SERVER);
    await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`);
    await admin.query(`GRANT ${APP_DATABASE_PRIVILEGES.join(', ')} ON \`${database.name}\`.* TO '${user}'@'%'`);
    await admin.end();
    work = mkdtempSync(path.join(tmpdir(), 'image-test-'));
  });

  after(async () => {
    if (containerName) await podman(['rm', '--force', containerName]).catch(() => undefined);
    const admin = await createConnection(TEST_SERVER);
    await admin.query(`DROP USER IF EXISTS '${user}'@'%'`);
    await admin.end();
    await database?.drop();
    rmSync(work, { recursive: true, force: true });
  });

  it('when the Dockerfile is built on a stand-in of its base image, then the image has no dev dependencies, runs as 1000 and keeps the CMD the pod runs', { timeout: 1_800_000 }, async () => {
    const tag = dockerfileStages().at(-1)!.from.getImageTag()!;
    const base = await ensureStandInBaseImage({ tag, nodeVersion: nodeVersion(), debianRelease: debianRelease(), cacheDir: CACHE_DIR, log });
    log(`stand-in base ${base}`);
    const started = Date.now();
    // The real Dockerfile, as the Docker Engine API's classic builder takes it; `npm ci` reaches the
    // registry through the host's network, and trusts what the host trusts for it.
    await podman(['build', '--pull=never', '--format', 'docker', '--network', 'host', ...ULIMITS, ...hostCaMounts(work),
      '--tag', IMAGE, '--file', 'Dockerfile', ROOT], 1_500_000);
    log(`podman build took ${Math.round((Date.now() - started) / 1000)} s`);

    const [config] = JSON.parse(await podman(['image', 'inspect', IMAGE])) as {
      Config: { User: string; Cmd: string[]; Entrypoint?: string[]; Labels?: Record<string, string>; Env: string[] };
      Size: number;
    }[];
    assert.ok(config!.Config.Labels?.[STAND_IN_LABEL], 'built on the stand-in, not a pulled image');
    assert.equal(config!.Config.User, `${podSpec.securityContext.runAsUser}:${podSpec.securityContext.runAsGroup}`);
    assert.deepEqual(config!.Config.Cmd, runtimeCommand());
    assert.equal(container.command, undefined, 'the pod runs the image CMD');
    assert.equal(container.args, undefined, 'the pod runs the image CMD');
    assert.ok(config!.Config.Env.includes('NODE_ENV=production'));
    log(`image ${IMAGE}: ${(config!.Size / 1e6).toFixed(1)} MB`);

    const installed = JSON.parse(await podman(['run', '--rm', '--pull=never', '--network', 'none', ...ULIMITS, '--entrypoint', 'node', IMAGE,
      '-e', 'console.log(JSON.stringify(require("fs").readdirSync("/app/node_modules").flatMap((d) => d.startsWith("@") ? require("fs").readdirSync("/app/node_modules/" + d).map((s) => d + "/" + s) : [d])))'])) as string[];
    // Exactly the production tree of the lockfile (mysql2 brings @types/node, for one), so no package
    // that only development needs.
    const production = productionPackages();
    assert.deepEqual(installed.filter((name) => !name.startsWith('.')).sort(), production);
    const packageJson = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    const devOnly = Object.keys(packageJson.devDependencies).filter((name) => !production.includes(name));
    assert.ok(devOnly.includes('typescript') && devOnly.includes('tsx'), 'the check covers the build tools');
    const app = (await podman(['run', '--rm', '--pull=never', '--network', 'none', ...ULIMITS, '--entrypoint', 'ls', IMAGE, '-A', '/app'])).trim().split('\n');
    assert.deepEqual(app.sort(), ['dist', 'node_modules', 'package-lock.json', 'package.json'], 'no sources, tests or manifests in /app');
    // podman leaves a build mount's mount point behind as an empty file; nothing of its content.
    const leftovers = await podman(['run', '--rm', '--pull=never', '--network', 'none', ...ULIMITS, '--entrypoint', 'sh', IMAGE, '-c',
      `cat ${HOST_CA_TARGETS.join(' ')} 2>/dev/null | wc -c`]);
    assert.equal(leftovers.trim(), '0', 'the build-time CA and npmrc left no content in the image');
  });

  it('when it runs as the pod spec runs it against MariaDB, then /readyz is 200, a product goes in and comes out, logs are JSON and SIGTERM exits 0 within the grace period', { timeout: 300_000 }, async () => {
    // The Secret's files, at the manifests' path, as a Secret volume with fsGroup presents them.
    const secrets = path.join(work, 'secrets');
    mkdirSync(secrets);
    const adminPassword = `image test ${randomBytes(12).toString('hex')}`;
    const values: Record<string, string> = {
      [SECRET_KEYS.mysqlPassword]: password,
      [SECRET_KEYS.csrfSecret]: randomBytes(32).toString('hex'),
      [SECRET_KEYS.adminPassword]: adminPassword,
    };
    const mounted = (podSpec.volumes.find((v) => v.name === 'secrets') as { secret: { items: { key: string; path: string }[] } }).secret.items;
    for (const item of mounted) {
      assert.ok(values[item.key], `a value for the mounted key ${item.key}`);
      const file = path.join(secrets, item.path);
      writeFileSync(file, values[item.key]!);
      chownSync(file, 0, podSpec.securityContext.fsGroup);
      chmodSync(file, 0o440);
    }

    // The manifests' environment; on the host network the database and the port are this machine's.
    const port = await freePort();
    const overrides: Record<string, string> = {
      PORT: String(port),
      MYSQL_HOST: TEST_SERVER.host,
      MYSQL_PORT: String(TEST_SERVER.port),
      MYSQL_USER: user,
      MYSQL_DATABASE: database.name,
    };
    const env = (container.env ?? []).map((e) => `${e.name}=${overrides[e.name] ?? e.value}`);
    const tmpSize = podSpec.volumes.find((v) => v.name === 'tmp')?.emptyDir?.sizeLimit?.replace(/Mi$/, 'm') ?? '64m';
    containerName = `pc-image-${randomBytes(4).toString('hex')}`;
    await podman(['run', '--detach', '--pull=never', '--name', containerName, '--network', 'host', ...ULIMITS,
      '--user', `${podSpec.securityContext.runAsUser}:${podSpec.securityContext.runAsGroup}`,
      '--read-only', '--read-only-tmpfs=false', '--tmpfs', `/tmp:rw,size=${tmpSize}`,
      '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges',
      '--volume', `${secrets}:${SECRET_MOUNT_DIR}:ro`,
      ...env.flatMap((e) => ['--env', e]),
      IMAGE]);
    const logs = () => podman(['logs', containerName!]).catch((error: Error) => error.message);

    const base = `http://127.0.0.1:${port}`;
    await waitFor('the container to answer /readyz 200', async () => {
      const state = (await podman(['inspect', '--format', '{{.State.Status}}', containerName!])).trim();
      if (state !== 'running') throw new Error(`container ${state}:\n${await logs()}`);
      return (await fetch(base + PROBE_PATHS.readiness, { signal: AbortSignal.timeout(2000) })).status === 200;
    }, { timeoutMs: 90_000, intervalMs: 500 }).catch(async (error: Error) => assert.fail(`${error.message}\n${await logs()}`));

    // The first admin, made at start from the Secret's file, signs in and makes a token.
    const minted = await mintToken(base, { username: DEFAULT_ADMIN_USERNAME, password: adminPassword }, { name: 'image test' });
    const productId = `img-${randomBytes(3).toString('hex')}`;
    const created = await fetch(`${base}/api/products`, {
      method: 'POST',
      headers: { authorization: `Bearer ${minted.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ productId, productName: 'Built and run for real' }),
    });
    assert.equal(created.status, 201, await created.text());
    const read = await fetch(`${base}/api/products/${productId}`);
    assert.equal(read.status, 200);
    assert.equal(((await read.json()) as { productName: string }).productName, 'Built and run for real');

    const lines = (await logs()).trim().split('\n');
    for (const line of lines) {
      const entry = JSON.parse(line) as { level: number; time: number; msg: string; service: string };
      assert.equal(entry.service, APP_NAME, line);
      assert.equal(typeof entry.level, 'number');
      assert.equal(typeof entry.time, 'number');
    }
    assert.ok(lines.some((line) => line.includes(productId) || line.includes('/api/products')), 'requests are logged');
    for (const secret of [password, adminPassword, minted.token]) {
      assert.equal(lines.some((line) => line.includes(secret)), false, 'no password or token reaches the log');
    }

    const grace = podSpec.terminationGracePeriodSeconds!;
    const stopAsked = Date.now();
    await podman(['kill', '--signal', 'TERM', containerName]);
    const code = Number((await podman(['wait', containerName], (grace + 10) * 1000)).trim());
    const tookMs = Date.now() - stopAsked;
    log(`SIGTERM to exit: ${tookMs} ms (grace ${grace} s)`);
    assert.equal(code, 0, await logs());
    assert.ok(tookMs < grace * 1000, `exited in ${tookMs} ms, grace ${grace} s`);
  });
});
