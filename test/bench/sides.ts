import { fileURLToPath } from 'node:url';
import { runtimeCommand, runtimeEnv } from '../k8s/support/dockerfile.js';
import { TEST_SERVER } from '../support/mysql.js';
import { freePort } from '../support/process.js';
import { startApache } from './peers/apache.js';
import { startServer, type ServerProcess } from './server-process.js';

/**
 * Who is measured: the app in one process, the app with workers, and its peers, the tutorial's
 * PHP page it replaces and the floor of its own stack (Express 5, node:http).
 */
export type SideKey = 'app' | 'app-workers' | 'php' | 'express' | 'http';

export interface Side extends ServerProcess {
  readonly key: SideKey;
  readonly label: string;
}

export interface SideSettings {
  readonly database: string;
  readonly poolSize: number;
  /** WEB_CONCURRENCY of the app-workers side. */
  readonly workers: number;
  /** The app writes --cpu-prof profiles here when set. */
  readonly cpuProfDir: string | undefined;
  /** The node binary of the app and the floors. */
  readonly node: string;
}

/** The first admin of every bench database (ADMIN_USERNAME, ADMIN_PASSWORD), for scenarios that need a token or a session. */
export const BENCH_ADMIN = { username: 'admin', password: 'bench admin password, long and unlisted' } as const;

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SERVER_JS = fileURLToPath(new URL('../../dist/web/server.js', import.meta.url));
const FLOOR_TS = fileURLToPath(new URL('./peers/floor-server.ts', import.meta.url));

export function sideLabel(key: SideKey, workers: number): string {
  return {
    app: 'app, 1 process',
    'app-workers': `app, ${workers} workers`,
    php: 'PHP page (apache2 prefork + mod_php)',
    express: 'Express 5 floor',
    http: 'node:http floor',
  }[key];
}

/** The settings the app and the floors both read (web/config.ts), so they run with the same pool. */
export function nodeEnv(settings: Pick<SideSettings, 'database' | 'poolSize'>, port: number, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    // The image's environment (the Dockerfile's ENV: NODE_ENV, the allocator's setting), as deployed.
    ...runtimeEnv(),
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    PORT: String(port),
    WRITE_RATE_LIMIT_PER_MINUTE: '0',
    MYSQL_HOST: TEST_SERVER.host,
    MYSQL_PORT: String(TEST_SERVER.port),
    MYSQL_USER: TEST_SERVER.user,
    MYSQL_PASSWORD: TEST_SERVER.password,
    MYSQL_DATABASE: settings.database,
    MYSQL_POOL_SIZE: String(settings.poolSize),
    CSRF_SECRET: 'bench-secret-that-is-at-least-32-characters',
    ADMIN_USERNAME: BENCH_ADMIN.username,
    ADMIN_PASSWORD: BENCH_ADMIN.password,
    ...extra,
  };
}

/** The image's node flags (the Dockerfile's CMD): every Node side runs with them and the image's ENV, so RSS and GC are as deployed. */
export const imageNodeFlags = (): string[] => runtimeCommand().slice(1, -1);

async function startSide(key: SideKey, settings: SideSettings): Promise<ServerProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const nodeFlags = imageNodeFlags();
  switch (key) {
    case 'app':
    case 'app-workers': {
      const profile = settings.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${settings.cpuProfDir}`] : [];
      const workers = key === 'app' ? 1 : settings.workers;
      return startServer({
        name: `the app (${workers} process${workers > 1 ? 'es' : ''})`,
        command: settings.node,
        args: [...nodeFlags, ...profile, SERVER_JS],
        env: nodeEnv(settings, port, { WEB_CONCURRENCY: String(workers) }),
        url,
        readyPath: '/readyz',
      });
    }
    case 'express':
    case 'http':
      return startServer({
        name: `the ${key} floor`,
        command: settings.node,
        args: [...nodeFlags, '--import', 'tsx', FLOOR_TS],
        env: nodeEnv(settings, port, { FLOOR: key }),
        cwd: ROOT,
        url,
        readyPath: '/api/products?limit=1',
      });
    case 'php':
      return startApache(port, { ...TEST_SERVER, database: settings.database });
  }
}

/**
 * Starts the sides asked for. The app must start; a peer that cannot start is reported with the
 * reason, and the rest is measured without it.
 */
export async function startSides(
  keys: readonly SideKey[],
  settings: SideSettings,
): Promise<{ started: Map<SideKey, Side>; failed: Map<SideKey, string> }> {
  const started = new Map<SideKey, Side>();
  const failed = new Map<SideKey, string>();
  for (const key of keys) {
    try {
      started.set(key, { ...(await startSide(key, settings)), key, label: sideLabel(key, settings.workers) });
    } catch (error) {
      if (key === 'app') {
        await Promise.all([...started.values()].map((s) => s.stop()));
        throw error;
      }
      failed.set(key, (error as Error).message);
      console.error(`  ${sideLabel(key, settings.workers)} could not start, measuring without it: ${(error as Error).message}`);
    }
  }
  return { started, failed };
}
