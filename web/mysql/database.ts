import { setTimeout as sleep } from 'node:timers/promises';
import { createConnection, createPool, type Pool, type PoolOptions } from 'mysql2/promise';
import { MigrationRefusedError, migrate } from '../../db/migrate.js';
import type { MysqlConfig } from '../config.js';
import type { Logger } from '../ops/logger.js';
import type { PoolStats } from '../ops/metrics.js';
import { describeDbError, executeWithin, type Deadlines } from './deadline.js';
import { mysqlStores, type Stores } from '../stores.js';
import { MysqlRunner } from './runner.js';

export type Readiness = { readonly ready: true } | { readonly ready: false; readonly reason: string };

const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 5000;
/** A refused migration needs a person; retry slowly so a fix by hand is picked up without a restart. */
const RETRY_REFUSED_MS = 30_000;

/** The internal counters mysql2's pool keeps; read only for metrics. */
interface PoolInternals {
  _allConnections?: { length: number };
  _freeConnections?: { length: number };
  _connectionQueue?: { length: number };
}

/** The app's pool settings; the benchmark's floor servers use them too, so they compare like with like. */
export function poolOptions(config: MysqlConfig): PoolOptions {
  return {
    host: config.host,
    port: config.port,
    user: config.user,
    password: config.password,
    database: config.database,
    connectionLimit: config.poolSize,
    maxIdle: config.poolSize,
    connectTimeout: config.connectTimeoutMs,
    enableKeepAlive: true,
    charset: 'utf8mb4_unicode_ci',
    timezone: 'Z',
    // No stack trace captured for every statement (about 3 % of a page's CPU): an error keeps its
    // code and message, and the deadline and store errors say which call failed.
    trace: false,
  };
}

/**
 * The MySQL side of the app: one pool, and a loop that connects and migrates in the background,
 * retrying until it succeeds, so the app serves (with 503s) before the database is up.
 */
export class Database {
  readonly pool: Pool;
  readonly stores: Stores;
  #migrated = false;
  #problem = 'Connecting to the database.';
  readonly #stop = new AbortController();
  #loop: Promise<void> | undefined;
  readonly #deadlines: Deadlines;

  constructor(
    private readonly config: MysqlConfig,
    private readonly logger: Logger,
  ) {
    this.#deadlines = { acquireMs: config.connectTimeoutMs, queryMs: config.queryTimeoutMs };
    this.pool = createPool(poolOptions(config));
    // Errors on idle connections (a restarting server) surface here; without a listener they would crash the process.
    this.pool.pool.on('error', (error: Error) => this.logger.warn({ err: error }, 'database pool error'));
    this.stores = mysqlStores(new MysqlRunner(this.pool, () => this.#migrated, this.#deadlines));
  }

  /** Starts connecting and migrating in the background; resolves once migrated (or closed). */
  start(): Promise<void> {
    this.#loop ??= this.#connectAndMigrate();
    return this.#loop;
  }

  async readiness(): Promise<Readiness> {
    if (!this.#migrated) return { ready: false, reason: this.#problem };
    try {
      // Bounded like the store's queries, so a frozen server cannot hold probes or pooled connections.
      await executeWithin(this.pool, 'SELECT 1', [], this.#deadlines);
      return { ready: true };
    } catch (error) {
      return { ready: false, reason: `The database does not answer: ${describeDbError(error)}` };
    }
  }

  poolStats(): PoolStats {
    const internals = this.pool.pool as unknown as PoolInternals;
    const total = internals._allConnections?.length ?? 0;
    return {
      total,
      idle: internals._freeConnections?.length ?? 0,
      waiting: internals._connectionQueue?.length ?? 0,
      limit: this.config.poolSize,
    };
  }

  async close(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
    await this.pool.end();
  }

  async #connectAndMigrate(): Promise<void> {
    let delay = RETRY_MIN_MS;
    while (!this.#stop.signal.aborted) {
      try {
        const applied = await migrate(this.pool, {
          onApplied: (version) => this.logger.info({ version }, 'applied migration'),
        });
        this.#migrated = true;
        this.logger.info({ applied: applied.length, host: this.config.host }, 'database ready');
        return;
      } catch (error) {
        if ((error as { code?: string }).code === 'ER_BAD_DB_ERROR' && (await this.#createDatabase())) continue;
        const refused = error instanceof MigrationRefusedError;
        this.#problem = refused ? (error as Error).message : `Cannot reach the database: ${describeDbError(error)}`;
        this.logger[refused ? 'error' : 'warn']({ retryInMs: delay }, this.#problem);
        await sleep(delay, undefined, { signal: this.#stop.signal }).catch(() => undefined);
        delay = refused ? RETRY_REFUSED_MS : Math.min(delay * 2, RETRY_MAX_MS);
      }
    }
  }

  /** A first start against a bare server: create the database, as the tutorial did by hand. */
  async #createDatabase(): Promise<boolean> {
    const { host, port, user, password, database, connectTimeoutMs } = this.config;
    try {
      const conn = await createConnection({ host, port, user, password, connectTimeout: connectTimeoutMs });
      try {
        // An identifier cannot be a placeholder; config allows only [A-Za-z0-9_$] here.
        await conn.query(`CREATE DATABASE IF NOT EXISTS \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
      } finally {
        await conn.end();
      }
      this.logger.info({ database }, 'created database');
      return true;
    } catch (error) {
      this.logger.warn({ database, err: error }, 'database is missing and cannot be created');
      return false;
    }
  }
}
