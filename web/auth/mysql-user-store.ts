import type { ResultSetHeader } from 'mysql2/promise';
import { insertAuditEvent } from '../audit/mysql-audit-log.js';
import { sqlErrorCode, type MysqlRunner, type Row } from '../mysql/runner.js';
import { DuplicateUsernameError, LastAdminError, removesAnAdmin, type NewUser, type User, type UserChange, type UserStore, type UserWithSecret } from './accounts.js';
import { userChangeEvents, userCreatedEvent } from './auth-events.js';
import type { ChangeContext } from './principal.js';
import type { Role } from './roles.js';

export interface UserRow extends Row {
  user_id: number;
  username: string;
  role: Role;
  disabled: number;
  user_created_at: Date;
  user_updated_at: Date;
}

/** The users columns under the names UserRow expects, for joins with tokens and sessions. */
export const USER_COLUMNS =
  'users.id AS user_id, users.username, users.role, users.disabled, users.created_at AS user_created_at, users.updated_at AS user_updated_at';

export function toUser(row: UserRow): User {
  return {
    id: Number(row.user_id),
    username: row.username,
    role: row.role,
    disabled: Boolean(row.disabled),
    createdAt: row.user_created_at,
    updatedAt: row.user_updated_at,
  };
}

interface SecretRow extends UserRow {
  password_hash: string | null;
}

/** Accounts in the users table (migration 004). */
export class MysqlUserStore implements UserStore {
  constructor(private readonly db: MysqlRunner) {}

  async countAdmins(): Promise<number> {
    const [row] = await this.db.query<Row[]>("SELECT COUNT(*) AS n FROM users WHERE role = 'admin' AND disabled = 0");
    return Number(row?.n ?? 0);
  }

  async find(username: string): Promise<UserWithSecret | undefined> {
    const [row] = await this.db.query<SecretRow[]>(`SELECT ${USER_COLUMNS}, password_hash FROM users WHERE username = ?`, [username]);
    return row && { ...toUser(row), passwordHash: row.password_hash };
  }

  async list(): Promise<User[]> {
    const rows = await this.db.query<UserRow[]>(`SELECT ${USER_COLUMNS} FROM users ORDER BY username`);
    return rows.map(toUser);
  }

  async create(user: NewUser, context: ChangeContext): Promise<User> {
    const now = new Date();
    try {
      return await this.db.transaction(async (execute) => {
        const result = await execute<ResultSetHeader>(
          'INSERT INTO users (username, role, password_hash, disabled, created_at, updated_at) VALUES (?, ?, ?, 0, ?, ?)',
          [user.username, user.role, user.passwordHash, now, now],
        );
        const created: User = { id: result.insertId, username: user.username, role: user.role, disabled: false, createdAt: now, updatedAt: now };
        await insertAuditEvent(execute, userCreatedEvent(created, context), now);
        return created;
      });
    } catch (error) {
      if (sqlErrorCode(error) === 'ER_DUP_ENTRY') throw new DuplicateUsernameError(user.username);
      throw error;
    }
  }

  async update(username: string, change: UserChange, context: ChangeContext, keepSession?: Buffer): Promise<User | undefined> {
    return this.db.transaction(async (execute) => {
      // A change of role or status first locks every enabled admin, in id order: two replicas
      // demoting the last two admins at once take turns here (rather than deadlock), and the
      // second sees one left.
      const admins = change.role !== undefined || change.disabled === true
        ? await execute<Row[]>("SELECT id FROM users WHERE role = 'admin' AND disabled = 0 ORDER BY id FOR UPDATE")
        : undefined;
      const [row] = await execute<UserRow[]>(`SELECT ${USER_COLUMNS} FROM users WHERE username = ? FOR UPDATE`, [username]);
      if (!row) return undefined;
      const existing = toUser(row);
      const events = userChangeEvents(existing, change, context);
      if (events.length === 0) return existing;
      if (removesAnAdmin(existing, change) && (admins?.length ?? 0) <= 1) throw new LastAdminError(existing.username);
      const now = new Date();
      const updated: User = { ...existing, ...(change.role && { role: change.role }), ...(change.disabled !== undefined && { disabled: change.disabled }), updatedAt: now };
      await execute(
        'UPDATE users SET role = ?, disabled = ?, password_hash = COALESCE(?, password_hash), updated_at = ? WHERE id = ?',
        [updated.role, updated.disabled ? '1' : '0', change.passwordHash ?? null, now, String(existing.id)],
      );
      if (change.passwordHash !== undefined || change.disabled) {
        await execute('DELETE FROM sessions WHERE user_id = ? AND id_hash <> ?', [String(existing.id), keepSession ?? Buffer.alloc(32)]);
      }
      for (const event of events) await insertAuditEvent(execute, event, now);
      return updated;
    });
  }

  async rehash(userId: number, passwordHash: string): Promise<void> {
    await this.db.query('UPDATE users SET password_hash = ? WHERE id = ?', [passwordHash, String(userId)]);
  }
}
