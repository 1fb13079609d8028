import type { Pool, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { StoreUnavailableError } from '../storage-errors.js';
import { DatabaseUnresponsiveError, runWithin, type Deadlines, type Execute, type RunOptions, type SqlParams } from './deadline.js';

/** Connection-level failures: the database is down, unreachable, restarting or too slow. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_ACCESS_DENIED_ERROR',
  'ER_BAD_DB_ERROR',
  'ER_NO_SUCH_TABLE',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_QUERY_INTERRUPTED',
]);

export type Row = RowDataPacket;

const DEADLOCK_ATTEMPTS = 3;

/**
 * What every MySQL store runs its SQL through: one pool, the deadlines, and the mapping of
 * connection failures to StoreUnavailableError. `isReady` gates every call until the schema is
 * migrated.
 */
export class MysqlRunner {
  constructor(
    readonly pool: Pool,
    private readonly isReady: () => boolean,
    readonly deadlines: Deadlines,
  ) {}

  /** One prepared statement. */
  query<T extends RowDataPacket[] | ResultSetHeader>(sql: string, params: SqlParams = []): Promise<T> {
    return this.run((execute) => execute<T>(sql, params));
  }

  /**
   * Statements that change rows together or not at all (a change and its audit event, say). A
   * transaction the server chose as a deadlock victim was rolled back whole, so it is run again,
   * within the time the first attempt had: the caller still answers within acquire + query time.
   */
  async transaction<T>(work: (execute: Execute) => Promise<T>): Promise<T> {
    const until = performance.now() + this.deadlines.acquireMs + this.deadlines.queryMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.run(work, { transaction: true, until });
      } catch (error) {
        if (sqlErrorCode(error) !== 'ER_LOCK_DEADLOCK' || attempt >= DEADLOCK_ATTEMPTS) throw error;
      }
    }
  }

  /** Runs `work` on one connection (as one transaction if asked), within the deadlines. */
  async run<T>(work: (execute: Execute) => Promise<T>, options: RunOptions = {}): Promise<T> {
    if (!this.isReady()) throw new StoreUnavailableError('The database is not ready yet.');
    try {
      return await runWithin(this.pool, this.deadlines, work, options);
    } catch (error) {
      if (error instanceof DatabaseUnresponsiveError) {
        throw new StoreUnavailableError(`The database is unavailable (${error.message}).`, {
          cause: error,
          outcomeUnknown: error.outcomeUnknown,
        });
      }
      const code = (error as { code?: string }).code;
      if (code && UNAVAILABLE_CODES.has(code)) {
        throw new StoreUnavailableError(`The database is unavailable (${code}).`, { cause: error });
      }
      throw error;
    }
  }
}

/** The server's error code of a driver error, e.g. ER_DUP_ENTRY. */
export const sqlErrorCode = (error: unknown): string | undefined => (error as { code?: string }).code;
