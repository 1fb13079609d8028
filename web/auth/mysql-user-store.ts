import type { ResultSetHeader } from 'mysql2/promise';
import { insertAuditEvent } from '../audit/mysql-audit-log.js';
import type { Execute } from '../mysql/deadline.js';
import { sqlErrorCode, type MysqlRunner, type Row } from '../mysql/runner.js';
import {
  changedUser,
  DuplicateUsernameError,
  LastAdminError,
  removesAnAdmin,
  type NewUser,
  type User,
  type UserChange,
  type UserStore,
  type UserWithSecret,
} from './accounts.js';
import { userChangeEvents, userCreatedEvent } from './auth-events.js';
import type { ChangeContext } from './principal.js';
import type { Role } from './roles.js';

export interface UserRow extends Row {
  user_id: number;
  username: string;
  role: Role;
  disabled: number;
  role_pinned: number;
  disabled_by_claims: number;
  user_created_at: Date;
  user_updated_at: Date;
}

/** The users columns under the names UserRow expects, for joins with tokens and sessions. */
export const USER_COLUMNS =
  'users.id AS user_id, users.username, users.role, users.disabled, users.role_pinned, users.disabled_by_claims, ' +
  'users.created_at AS user_created_at, users.updated_at AS user_updated_at';

export function toUser(row: UserRow): User {
  return {
    id: Number(row.user_id),
    username: row.username,
    role: row.role,
    disabled: Boolean(row.disabled),
    rolePinned: Boolean(row.role_pinned),
    disabledByClaims: Boolean(row.disabled_by_claims),
    createdAt: row.user_created_at,
    updatedAt: row.user_updated_at,
  };
}

interface SecretRow extends UserRow {
  password_hash: string | null;
}

/**
 * Inserts an account (enabled, role not pinned) on the caller's transaction.
 * @throws the driver's ER_DUP_ENTRY when the name is taken (case ignored)
 */
export async function insertUser(execute: Execute, user: NewUser, now: Date): Promise<User> {
  const result = await execute<ResultSetHeader>(
    'INSERT INTO users (username, role, password_hash, disabled, role_pinned, disabled_by_claims, created_at, updated_at) VALUES (?, ?, ?, 0, 0, 0, ?, ?)',
    [user.username, user.role, user.passwordHash, now, now],
  );
  return { id: result.insertId, username: user.username, role: user.role, disabled: false, rolePinned: false, disabledByClaims: false, createdAt: now, updatedAt: now };
}

/** Locks every enabled admin, in id order, before a change that may remove one (see update). */
export const lockEnabledAdmins = (execute: Execute) =>
  execute<Row[]>("SELECT id FROM users WHERE role = 'admin' AND disabled = 0 ORDER BY id FOR UPDATE");

/**
 * Writes the account's new state on the caller's transaction; a new password hash when given. When
 * the account was disabled or its password changed, its sessions end (all but `keepSession`).
 */
export async function writeUser(execute: Execute, after: User, options: { passwordHash?: string; endSessions: boolean; keepSession?: Buffer }): Promise<void> {
  await execute(
    'UPDATE users SET role = ?, disabled = ?, role_pinned = ?, disabled_by_claims = ?, password_hash = COALESCE(?, password_hash), updated_at = ? WHERE id = ?',
    [after.role, after.disabled ? '1' : '0', after.rolePinned ? '1' : '0', after.disabledByClaims ? '1' : '0', options.passwordHash ?? null, after.updatedAt, String(after.id)],
  );
  if (options.endSessions) {
    await execute('DELETE FROM sessions WHERE user_id = ? AND id_hash <> ?', [String(after.id), options.keepSession ?? Buffer.alloc(32)]);
  }
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
        const created = await insertUser(execute, user, now);
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
      const admins = change.role !== undefined || change.disabled === true ? await lockEnabledAdmins(execute) : undefined;
      const [row] = await execute<UserRow[]>(`SELECT ${USER_COLUMNS} FROM users WHERE username = ? FOR UPDATE`, [username]);
      if (!row) return undefined;
      const existing = toUser(row);
      const events = userChangeEvents(existing, change, context);
      if (events.length === 0) return existing;
      if (removesAnAdmin(existing, change) && (admins?.length ?? 0) <= 1) throw new LastAdminError(existing.username);
      const now = new Date();
      const { passwordHash, ...rest } = change;
      const updated = changedUser(existing, rest, now);
      await writeUser(execute, updated, {
        ...(passwordHash !== undefined && { passwordHash }),
        endSessions: passwordHash !== undefined || change.disabled === true,
        ...(keepSession && { keepSession }),
      });
      for (const event of events) await insertAuditEvent(execute, event, now);
      return updated;
    });
  }

  async rehash(userId: number, passwordHash: string): Promise<void> {
    await this.db.query('UPDATE users SET password_hash = ? WHERE id = ?', [passwordHash, String(userId)]);
  }
}
