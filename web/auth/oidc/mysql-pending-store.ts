import type { ResultSetHeader } from 'mysql2/promise';
import type { MysqlRunner, Row } from '../../mysql/runner.js';
import type { PendingSignIn } from './relying-party.js';
import type { PendingSignInStore } from './sso-stores.js';

interface PendingRow extends Row {
  pending: string;
  expires_at: Date;
}

/** Sign-ins under way in oidc_sign_ins (migration 005), shared by every replica. */
export class MysqlPendingSignInStore implements PendingSignInStore {
  constructor(private readonly db: MysqlRunner) {}

  async save(idHash: Buffer, pending: PendingSignIn, expiresAt: Date): Promise<void> {
    await this.db.query('INSERT INTO oidc_sign_ins (id_hash, pending, expires_at) VALUES (?, ?, ?)', [idHash, JSON.stringify(pending), expiresAt]);
  }

  async take(idHash: Buffer, now: Date): Promise<PendingSignIn | undefined> {
    // The row lock makes a second take of the same id (a replayed callback, on any replica) wait,
    // then find nothing: each sign-in is completed at most once.
    const row = await this.db.transaction(async (execute) => {
      const [found] = await execute<PendingRow[]>('SELECT pending, expires_at FROM oidc_sign_ins WHERE id_hash = ? FOR UPDATE', [idHash]);
      if (found) await execute('DELETE FROM oidc_sign_ins WHERE id_hash = ?', [idHash]);
      return found;
    });
    return row && row.expires_at > now ? (JSON.parse(row.pending) as PendingSignIn) : undefined;
  }

  async sweep(now: Date, batch: number): Promise<number> {
    const result = await this.db.query<ResultSetHeader>('DELETE FROM oidc_sign_ins WHERE expires_at <= ? LIMIT ?', [now, String(batch)]);
    return result.affectedRows;
  }
}
