import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';

export interface Deadlines {
  /** Longest wait for a pooled connection (queueing behind busy ones, or opening a new one). */
  readonly acquireMs: number;
  /** Longest wait for one statement's answer once it has a connection. */
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

/**
 * Runs one prepared statement, bounded in time from start to answer.
 *
 * mysql2's own `timeout` does not suffice against a server that stops answering: it starts only
 * when the statement reaches the head of its connection's queue, does not cover the PREPARE
 * before it, and after it fires the connection stays busy and outside the pool. A frozen server
 * would so hold every request and, one by one, every pooled connection. Here a connection that
 * timed out or broke is destroyed, so the pool opens fresh ones once the server is back.
 */
export async function executeWithin<T extends RowDataPacket[] | ResultSetHeader>(
  pool: Pool,
  sql: string,
  params: ReadonlyArray<string | number | Date>,
  deadlines: Deadlines,
): Promise<T> {
  let conn: PoolConnection;
  try {
    conn = await within(pool.getConnection(), deadlines.acquireMs, (late) => late.release());
  } catch (error) {
    // Refused, timed out, or turned away (too many connections, access denied): nothing was sent.
    throw new DatabaseUnresponsiveError(`no database connection: ${describe(error)}`, false, { cause: error });
  }
  try {
    const [result] = await within(conn.execute<T>({ sql, timeout: deadlines.queryMs }, params as (string | number | Date)[]), deadlines.queryMs);
    conn.release();
    return result;
  } catch (error) {
    if (isServerAnswer(error)) {
      conn.release();
      throw error;
    }
    // Timed out or broken, it may still carry the statement: never hand it out again.
    conn.destroy();
    if (!isConnectionFailure(error)) throw error;
    throw new DatabaseUnresponsiveError(`the database did not answer: ${describe(error)}`, true, { cause: error });
  }
}

/** An error the server sent (duplicate key, unknown table, lock wait timeout): the connection is still sound. */
function isServerAnswer(error: unknown): boolean {
  const e = error as { sqlState?: unknown; fatal?: unknown };
  return typeof e.sqlState === 'string' && e.fatal !== true;
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

function describe(error: unknown): string {
  const e = error as { code?: string; message?: string };
  return e.code ? `${e.code}: ${e.message}` : String(e.message ?? error);
}
