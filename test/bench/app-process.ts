import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { runtimeCommand } from '../k8s/support/dockerfile.js';
import { TEST_SERVER } from '../support/mysql.js';
import { freePort } from '../support/process.js';

const SERVER_JS = fileURLToPath(new URL('../../dist/web/server.js', import.meta.url));
const READY_TIMEOUT_MS = 60_000;

/** The built app in production mode, in its own process, so its RSS and CPU are its own. */
export interface AppProcess {
  readonly url: string;
  readonly pid: number;
  /** Resident set size now, in bytes (VmRSS). */
  rss(): Promise<number>;
  stop(): Promise<void>;
}


export async function readRss(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1];
  return Number(kb ?? 0) * 1024;
}

export async function startApp(database: string, poolSize: number, cpuProfDir?: string): Promise<AppProcess> {
  const port = await freePort();
  // The node flags the image ships with (Dockerfile CMD), so RSS is measured as deployed.
  const shippedFlags = runtimeCommand().slice(1, -1);
  const nodeArgs = [...shippedFlags, ...(cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : [])];
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, SERVER_JS], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      PORT: String(port),
      WRITE_RATE_LIMIT_PER_MINUTE: '0',
      MYSQL_HOST: TEST_SERVER.host,
      MYSQL_PORT: String(TEST_SERVER.port),
      MYSQL_USER: TEST_SERVER.user,
      MYSQL_PASSWORD: TEST_SERVER.password,
      MYSQL_DATABASE: database,
      MYSQL_POOL_SIZE: String(poolSize),
      CSRF_SECRET: 'bench-secret-that-is-at-least-32-characters',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let stopping = false;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      // A crash mid-run shows as errors in the table; say why here.
      if (!stopping) console.error(`the app exited during the run (code ${code}, signal ${signal})`);
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the app exited with code ${child.exitCode} before it was ready (did you run npm run build?)`);
    const ready = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the app was not ready within ${READY_TIMEOUT_MS / 1000} s`);
    }
    await sleep(100);
  }
  return {
    url,
    pid: child.pid!,
    rss: () => readRss(child.pid!),
    async stop() {
      stopping = true;
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Samples a process's RSS every `everyMs` until stopped; resolves to the highest sample. */
export function sampleRss(read: () => Promise<number>, everyMs = 50): { stop(): Promise<number> } {
  let peak = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      peak = Math.max(peak, await read().catch(() => 0));
      await sleep(everyMs);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return peak;
    },
  };
}
