import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createConnection } from 'mysql2/promise';
import type { MysqlConfig } from '../../../web/config.js';
import { killOnExit } from '../../support/children.js';
import { freePort } from '../../support/process.js';
import { waitFor } from '../../support/wait.js';

const MARIADBD = process.env.TEST_MARIADBD ?? '/usr/sbin/mariadbd';
const INSTALL_DB = process.env.TEST_MARIADB_INSTALL_DB ?? 'mariadb-install-db';

/** Small buffers and logs: these servers hold a few hundred rows and must start in about a second. */
const SERVER_OPTIONS = [
  '--innodb-buffer-pool-size=32M',
  '--innodb-log-file-size=8M',
  // The default, stated because fault 2 relies on it: a commit is on disk before the client hears of it.
  '--innodb-flush-log-at-trx-commit=1',
  '--skip-log-bin',
  '--skip-name-resolve',
];

/**
 * A MariaDB server of a test's own: a fresh data directory in a temp dir and `mariadbd` as a
 * child process on a free port, so the test can kill -9 it and start it again on the same data.
 */
export class DisposableMariadb {
  #child: ChildProcess | undefined;

  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  /** Installs a data directory; call `start()` to run the server. Root has an empty password. */
  static async create(): Promise<DisposableMariadb> {
    const dir = await mkdtemp(join(tmpdir(), 'pc-mariadb-'));
    try {
      await promisify(execFile)(INSTALL_DB, [
        '--no-defaults',
        `--datadir=${join(dir, 'data')}`,
        '--auth-root-authentication-method=normal',
        '--user=root',
        '--skip-test-db',
        ...SERVER_OPTIONS,
      ]);
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
    return new DisposableMariadb(dir, await freePort());
  }

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Starts mariadbd on this directory and port; resolves once it accepts connections. */
  async start(): Promise<void> {
    if (this.running) return;
    const child = spawn(
      MARIADBD,
      [
        '--no-defaults',
        `--datadir=${join(this.dir, 'data')}`,
        `--port=${this.port}`,
        `--socket=${join(this.dir, 'sock')}`,
        `--pid-file=${join(this.dir, 'mariadbd.pid')}`,
        `--log-error=${join(this.dir, 'error.log')}`,
        '--bind-address=127.0.0.1',
        '--user=root',
        ...SERVER_OPTIONS,
      ],
      { stdio: 'ignore' },
    );
    killOnExit(child);
    this.#child = child;
    await waitFor(
      `mariadbd on port ${this.port}`,
      async () => {
        if (child.exitCode !== null) {
          throw new Error(`mariadbd exited with ${child.exitCode}:\n${await this.errorLog()}`);
        }
        const conn = await createConnection({ host: '127.0.0.1', port: this.port, user: 'root', connectTimeout: 1000 });
        await conn.end();
        return true;
      },
      { timeoutMs: 30_000 },
    );
  }

  /** Sends `signal` (default SIGKILL: no shutdown at all) and waits until the process is gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.#child;
    if (!child || !this.running) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    await exited;
  }

  /** Freezes or thaws the server (SIGSTOP/SIGCONT): connections stay open but nothing answers. */
  pause(paused: boolean): void {
    this.#child?.kill(paused ? 'SIGSTOP' : 'SIGCONT');
  }

  /** Connection settings for the app, as root, on `database`. */
  config(database: string, overrides: Partial<MysqlConfig> = {}): MysqlConfig {
    return {
      host: '127.0.0.1',
      port: this.port,
      user: 'root',
      password: '',
      database,
      poolSize: 5,
      connectTimeoutMs: 2000,
      queryTimeoutMs: 2000,
      ...overrides,
    };
  }

  /** Runs one statement as root and returns its rows. */
  async query<T = unknown>(sql: string, params: unknown[] = [], database?: string): Promise<T> {
    const conn = await createConnection({ host: '127.0.0.1', port: this.port, user: 'root', database, connectTimeout: 2000 });
    try {
      const [rows] = await conn.query(sql, params);
      return rows as T;
    } finally {
      await conn.end();
    }
  }

  async errorLog(): Promise<string> {
    return readFile(join(this.dir, 'error.log'), 'utf8').catch(() => '(no error log)');
  }

  /** Kills the server if it runs (SIGKILL works on a paused one too) and removes its directory. */
  async destroy(): Promise<void> {
    await this.kill();
    await rm(this.dir, { recursive: true, force: true });
  }
}
