import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { mintToken } from '../../web/ops/admin-client.js';
import { TEST_CSRF_SECRET } from './app.js';
import { killOnExit } from './children.js';
import { freePort } from './process.js';
import { waitFor } from './wait.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The first admin every test server creates (ADMIN_USERNAME, ADMIN_PASSWORD). */
export const TEST_ADMIN = { username: 'admin', password: 'test admin password for the process suites' } as const;

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * The real server (`node --import tsx web/server.ts`) as a child process on a free port, with its
 * output kept for assertions. Nothing from the test's own environment leaks in but PATH and HOME.
 */
export class AppProcess {
  #output = '';
  #token: Promise<string> | undefined;
  readonly exited: Promise<Exit>;

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
  ) {
    child.stdout!.on('data', (chunk: Buffer) => (this.#output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.#output += chunk.toString()));
    this.exited = once(child, 'exit').then(([code, signal]) => ({ code, signal }) as Exit);
  }

  /** Starts the process and waits until it serves /healthz; on `port` when given, else a free one. */
  static async start(env: Record<string, string>, port?: number): Promise<AppProcess> {
    const app = await AppProcess.launch(env, port);
    await waitFor(`the app to listen on port ${app.port}`, async () => {
      if (!app.running) throw new Error(`the app exited early:\n${app.output}`);
      return (await fetch(`${app.url}/healthz`)).ok;
    });
    return app;
  }

  /** Starts the process without waiting for it (for runs that are expected to fail at start-up). */
  static async launch(env: Record<string, string>, port?: number): Promise<AppProcess> {
    port ??= await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'web/server.ts'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        PORT: String(port),
        LOG_LEVEL: 'warn',
        WRITE_RATE_LIMIT_PER_MINUTE: '0',
        CSRF_SECRET: TEST_CSRF_SECRET,
        ADMIN_USERNAME: TEST_ADMIN.username,
        ADMIN_PASSWORD: TEST_ADMIN.password,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    killOnExit(child);
    return new AppProcess(child, port);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get output(): string {
    return this.#output;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits until /readyz answers 200 (connected and migrated). */
  async waitReady(timeoutMs = 30_000): Promise<void> {
    await waitFor(
      'the app to be ready',
      async () => {
        if (!this.running) throw new Error(`the app exited:\n${this.output}`);
        return (await fetch(`${this.url}/readyz`)).status === 200;
      },
      { timeoutMs, intervalMs: 200 },
    );
  }

  /**
   * An admin API token, made once through the app's own sign-in and account pages (so only once
   * the database is up): pass it to the API helpers for writes.
   */
  token(): Promise<string> {
    this.#token ??= waitFor(
      'an API token from the app',
      async () => (await mintToken(this.url, TEST_ADMIN, { name: 'process test' }).catch(() => undefined))?.token,
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    return this.#token;
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Kills the process if it still runs. */
  async stop(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
  }
}

/**
 * For a test file: a function that starts the server from source, logging at info so start-up
 * and shutdown lines show, and an `after` hook that stops every process it started.
 */
export function serverStarter(): (env: Record<string, string>, options?: { waitToServe?: boolean }) => Promise<AppProcess> {
  const started: AppProcess[] = [];
  after(() => Promise.all(started.map((p) => p.stop())));
  return async (env, { waitToServe = true } = {}) => {
    const app = await (waitToServe ? AppProcess.start : AppProcess.launch)({ LOG_LEVEL: 'info', ...env });
    started.push(app);
    return app;
  };
}
