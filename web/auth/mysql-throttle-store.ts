import type { ResultSetHeader } from 'mysql2/promise';
import type { MysqlRunner, Row } from '../mysql/runner.js';
import type { FailureRecord, ThrottleStore } from './accounts.js';

interface FailureRow extends Row {
  failures: number;
  last_failure_at: Date;
  locked_until: Date | null;
}

const toRecord = (row: FailureRow): FailureRecord => ({
  failures: Number(row.failures),
  lastFailureAt: row.last_failure_at,
  ...(row.locked_until && { lockedUntil: row.locked_until }),
});

/** Sign-in failures in the sign_in_failures table (migration 004), so limits hold across replicas. */
export class MysqlThrottleStore implements ThrottleStore {
  constructor(private readonly db: MysqlRunner) {}

  async get(key: string): Promise<FailureRecord | undefined> {
    const [row] = await this.db.query<FailureRow[]>(
      'SELECT failures, last_failure_at, locked_until FROM sign_in_failures WHERE scope_key = ?',
      [key],
    );
    return row && toRecord(row);
  }

  async addFailure(key: string, now: Date, forgetBefore: Date, lockMs: (failures: number) => number): Promise<FailureRecord> {
    return this.db.transaction(async (execute) => {
      // The upsert takes the row lock, so concurrent failures on other replicas count one by one.
      await execute(
        'INSERT INTO sign_in_failures (scope_key, failures, last_failure_at) VALUES (?, 1, ?) ' +
          'ON DUPLICATE KEY UPDATE failures = IF(last_failure_at < ?, 1, failures + 1), last_failure_at = ?',
        [key, now, forgetBefore, now],
      );
      const [row] = await execute<FailureRow[]>('SELECT failures, last_failure_at, locked_until FROM sign_in_failures WHERE scope_key = ?', [key]);
      const failures = Number(row?.failures ?? 1);
      const lock = lockMs(failures);
      const lockedUntil = lock > 0 ? new Date(now.getTime() + lock) : null;
      await execute('UPDATE sign_in_failures SET locked_until = ? WHERE scope_key = ?', [lockedUntil, key]);
      return { failures, lastFailureAt: now, ...(lockedUntil && { lockedUntil }) };
    });
  }

  async reset(key: string): Promise<void> {
    await this.db.query('DELETE FROM sign_in_failures WHERE scope_key = ?', [key]);
  }

  async sweep(before: Date, batch: number): Promise<number> {
    const result = await this.db.query<ResultSetHeader>('DELETE FROM sign_in_failures WHERE last_failure_at < ? LIMIT ?', [before, String(batch)]);
    return result.affectedRows;
  }
}
