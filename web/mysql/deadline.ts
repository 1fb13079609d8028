import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';

export interface Deadlines {
  /** Longest wait for a pooled connection (queueing behind busy ones, or opening a new one). */
  readonly acquireMs: number;
  /** Longest wait for the answers of one unit of work (every statement of a transaction) once it has a connection. */
  readonly queryMs: number;
}

/**
 * The database did not answer in time, or the connection broke. `outcomeUnknown` is true once the
 * statement may have reached the server: a write may then still be applied.
 */
export class DatabaseUnresponsiveError extends Error {
  constructor(
    message: string,
    readonly outcomeUnknown: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DatabaseUnresponsiveError';
  }
}

export type SqlParams = ReadonlyArray<string | number | Date | Buffer | null>;

/** Runs one prepared statement on the connection `work` was given, within the query deadline. */
export type Execute = <R extends RowDataPacket[] | ResultSetHeader>(sql: string, params?: SqlParams) => Promise<R>;

export interface RunOptions {
  /** Run `work` as one transaction: BEGIN before, COMMIT after, undone on failure. */
  readonly transaction?: boolean;
  /**
   * 'whole' (the default): every statement, BEGIN and COMMIT included, shares one query deadline
   * counted from getting the connection, so the caller answers within acquire + query time.
   * 'each statement': a long unit of work (an import) gives each statement its own query deadline.
   */
  readonly deadline?: 'whole' | 'each statement';
  /** A `performance.now()` time that nothing may outlast, shared by attempts of one request (retries). */
  readonly until?: number;
}

/**
 * Runs `work` on one pooled connection (in one transaction when asked), with a deadline on
 * getting the connection and one on its statements (see RunOptions.deadline).
 *
 * mysql2's own `timeout` does not suffice against a server that stops answering: it starts only
 * when the statement reaches the head of its connection's queue, does not cover the PREPARE
 * before it, and after it fires the connection stays busy and outside the pool. A frozen server
 * would so hold every request and, one by one, every pooled connection.
 *
 * When `work` fails, a connection with an unanswered statement (timed out) or a broken one is
 * destroyed at once: a ROLLBACK sent on it would queue behind the stuck statement, and the server
 * rolls back by itself when the connection closes. Only a sound connection (an error the server
 * sent, or one `work` threw between statements) gets a ROLLBACK, within what is left of the
 * deadline, and goes back to the pool.
 */
export async function runWithin<T>(
  pool: Pool,
  deadlines: Deadlines,
  work: (execute: Execute) => Promise<T>,
  { transaction = false, deadline = 'whole', until = Infinity }: RunOptions = {},
): Promise<T> {
  let conn: PoolConnection;
  try {
    const acquireMs = Math.min(deadlines.acquireMs, until - performance.now());
    conn = await within(pool.getConnection(), acquireMs, (late) => late.release());
  } catch (error) {
    // Refused, timed out, or turned away (too many connections, access denied): nothing was sent.
    throw new DatabaseUnresponsiveError(`no database connection: ${describeDbError(error)}`, false, { cause: error });
  }
  const workBy = Math.min(performance.now() + deadlines.queryMs, until);
  const allowedMs = () => (deadline === 'whole' ? workBy - performance.now() : Math.min(deadlines.queryMs, until - performance.now()));
  /** Statements sent on `conn` whose answer has not come. */
  let unanswered = 0;
  const bounded = <R>(step: Promise<R>): Promise<R> => {
    unanswered++;
    const answered = () => void unanswered--;
    step.then(answered, answered);
    return within(step, allowedMs());
  };
  const execute: Execute = async (sql, params = []) => {
    const timeout = Math.max(1, Math.ceil(allowedMs()));
    const [result] = await bounded(conn.execute<never>({ sql, timeout }, params as (string | number | Date | Buffer | null)[]));
    return result;
  };
  try {
    if (transaction) await bounded(conn.beginTransaction());
    const result = await work(execute);
    if (transaction) await bounded(conn.commit());
    conn.release();
    return result;
  } catch (error) {
    const sound = unanswered === 0 && !isConnectionFailure(error);
    if (sound && (!transaction || (await bounded(conn.rollback()).then(() => true, () => false)))) {
      conn.release();
      throw error;
    }
    conn.destroy();
    if (!isConnectionFailure(error)) throw error;
    throw new DatabaseUnresponsiveError(`the database did not answer: ${describeDbError(error)}`, true, { cause: error });
  }
}

/** One prepared statement within the deadlines (see runWithin). */
export function executeWithin<T extends RowDataPacket[] | ResultSetHeader>(
  pool: Pool,
  sql: string,
  params: SqlParams,
  deadlines: Deadlines,
): Promise<T> {
  return runWithin(pool, deadlines, (execute) => execute<T>(sql, params));
}

/** No answer in time, or the connection itself failed (mysql2 marks those fatal). */
function isConnectionFailure(error: unknown): boolean {
  const e = error as { fatal?: unknown; code?: unknown };
  return error instanceof TimeoutError || e.fatal === true || e.code === 'PROTOCOL_SEQUENCE_TIMEOUT';
}

class TimeoutError extends Error {
  readonly code = 'TIMEOUT';
}

/** `promise`, or a TimeoutError after `ms`; a result that arrives late goes to `onLate`. */
function within<T>(promise: Promise<T>, ms: number, onLate?: (value: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      reject(new TimeoutError(`no answer within ${ms} ms`));
    }, ms);
    promise.then(
      (value) => {
        if (settled) return onLate?.(value);
        settled = true;
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** `CODE: message` of a driver or server error, for logs and readiness reasons. */
export function describeDbError(error: unknown): string {
  const e = error as { code?: string; message?: string };
  return e.code ? `${e.code}: ${e.message}` : String(e.message ?? error);
}
