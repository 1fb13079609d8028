import type { ResultSetHeader } from 'mysql2/promise';
import type { AuditValues } from '../audit/audit-event.js';
import { insertAuditEvent } from '../audit/mysql-audit-log.js';
import type { MysqlRunner } from '../mysql/runner.js';
import type { Session, SessionStore, User } from './accounts.js';
import { signInEvent, signOutEvent } from './auth-events.js';
import type { ChangeContext } from './principal.js';
import { toUser, USER_COLUMNS, type UserRow } from './mysql-user-store.js';

interface SessionRow extends UserRow {
  id_hash: Buffer;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  oidc_issuer: string | null;
  oidc_subject: string | null;
  oidc_id_token: string | null;
}

/** Page sessions in the sessions table (migration 004), shared by every replica. */
export class MysqlSessionStore implements SessionStore {
  constructor(private readonly db: MysqlRunner) {}

  async create(session: Session, context: ChangeContext, replaces?: Buffer): Promise<void> {
    await this.db.transaction(async (execute) => {
      if (replaces) await execute('DELETE FROM sessions WHERE id_hash = ?', [replaces]);
      await execute(
        'INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at, oidc_issuer, oidc_subject, oidc_id_token) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        [
          session.idHash,
          String(session.userId),
          session.createdAt,
          session.lastSeenAt,
          session.expiresAt,
          session.oidc?.issuer ?? null,
          session.oidc?.subject ?? null,
          session.oidc?.idToken ?? null,
        ],
      );
      await insertAuditEvent(execute, signInEvent(context, session));
    });
  }

  async find(idHash: Buffer): Promise<{ session: Session; user: User } | undefined> {
    const [row] = await this.db.query<SessionRow[]>(
      'SELECT sessions.id_hash, sessions.created_at, sessions.last_seen_at, sessions.expires_at, ' +
        `sessions.oidc_issuer, sessions.oidc_subject, sessions.oidc_id_token, ${USER_COLUMNS} ` +
        'FROM sessions JOIN users ON users.id = sessions.user_id WHERE sessions.id_hash = ?',
      [idHash],
    );
    if (!row) return undefined;
    const user = toUser(row);
    return {
      session: {
        idHash: row.id_hash,
        userId: user.id,
        createdAt: row.created_at,
        lastSeenAt: row.last_seen_at,
        expiresAt: row.expires_at,
        ...(row.oidc_issuer !== null && { oidc: { issuer: row.oidc_issuer, subject: row.oidc_subject ?? '', idToken: row.oidc_id_token ?? '' } }),
      },
      user,
    };
  }

  async touch(idHash: Buffer, at: Date): Promise<void> {
    await this.db.query('UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?', [at, idHash]);
  }

  async delete(idHash: Buffer, context?: ChangeContext, details?: AuditValues): Promise<void> {
    await this.db.transaction(async (execute) => {
      const result = await execute<ResultSetHeader>('DELETE FROM sessions WHERE id_hash = ?', [idHash]);
      if (result.affectedRows > 0 && context) await insertAuditEvent(execute, signOutEvent(context, details));
    });
  }

  async sweep(now: Date, idleSince: Date, batch: number): Promise<number> {
    const result = await this.db.query<ResultSetHeader>(
      'DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at < ? LIMIT ?',
      [now, idleSince, String(batch)],
    );
    return result.affectedRows;
  }
}
