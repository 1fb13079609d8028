import type { ResultSetHeader } from 'mysql2/promise';
import { insertAuditEvent } from '../audit/mysql-audit-log.js';
import type { MysqlRunner } from '../mysql/runner.js';
import type { ApiToken, NewToken, TokenStore, User } from './accounts.js';
import { tokenCreatedEvent, tokenRevokedEvent } from './auth-events.js';
import type { ChangeContext } from './principal.js';
import type { Role } from './roles.js';
import { toUser, USER_COLUMNS, type UserRow } from './mysql-user-store.js';

interface TokenRow extends UserRow {
  id: number;
  name: string;
  token_role: Role;
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const TOKEN_COLUMNS =
  'api_tokens.id, api_tokens.name, api_tokens.role AS token_role, api_tokens.created_at, api_tokens.expires_at, ' +
  `api_tokens.last_used_at, api_tokens.revoked_at, ${USER_COLUMNS}`;
const FROM = 'FROM api_tokens JOIN users ON users.id = api_tokens.user_id';

function toToken(row: TokenRow): ApiToken {
  return {
    id: Number(row.id),
    userId: Number(row.user_id),
    username: row.username,
    name: row.name,
    role: row.token_role,
    createdAt: row.created_at,
    ...(row.expires_at && { expiresAt: row.expires_at }),
    ...(row.last_used_at && { lastUsedAt: row.last_used_at }),
    ...(row.revoked_at && { revokedAt: row.revoked_at }),
  };
}

/** API tokens in the api_tokens table (migration 004), known by their SHA-256 only. */
export class MysqlTokenStore implements TokenStore {
  constructor(private readonly db: MysqlRunner) {}

  async create(token: NewToken, context: ChangeContext): Promise<ApiToken> {
    const createdAt = new Date();
    return this.db.transaction(async (execute) => {
      const result = await execute<ResultSetHeader>(
        'INSERT INTO api_tokens (user_id, name, token_hash, role, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
        [String(token.userId), token.name, token.hash, token.role, createdAt, token.expiresAt ?? null],
      );
      const created: ApiToken = {
        id: result.insertId,
        userId: token.userId,
        username: token.username,
        name: token.name,
        role: token.role,
        createdAt,
        ...(token.expiresAt && { expiresAt: token.expiresAt }),
      };
      await insertAuditEvent(execute, tokenCreatedEvent(created, context), createdAt);
      return created;
    });
  }

  async list(userId?: number): Promise<ApiToken[]> {
    const rows = userId === undefined
      ? await this.db.query<TokenRow[]>(`SELECT ${TOKEN_COLUMNS} ${FROM} ORDER BY api_tokens.id DESC`)
      : await this.db.query<TokenRow[]>(`SELECT ${TOKEN_COLUMNS} ${FROM} WHERE api_tokens.user_id = ? ORDER BY api_tokens.id DESC`, [String(userId)]);
    return rows.map(toToken);
  }

  async findByHash(hash: Buffer): Promise<{ token: ApiToken; owner: User } | undefined> {
    const [row] = await this.db.query<TokenRow[]>(`SELECT ${TOKEN_COLUMNS} ${FROM} WHERE api_tokens.token_hash = ?`, [hash]);
    return row && { token: toToken(row), owner: toUser(row) };
  }

  async touch(id: number, at: Date): Promise<void> {
    await this.db.query('UPDATE api_tokens SET last_used_at = ? WHERE id = ?', [at, String(id)]);
  }

  async revoke(id: number, context: ChangeContext, ownerId?: number): Promise<ApiToken | undefined> {
    return this.db.transaction(async (execute) => {
      const [row] = await execute<TokenRow[]>(`SELECT ${TOKEN_COLUMNS} ${FROM} WHERE api_tokens.id = ? FOR UPDATE`, [String(id)]);
      if (!row || (ownerId !== undefined && Number(row.user_id) !== ownerId)) return undefined;
      const token = toToken(row);
      if (token.revokedAt) return token;
      const revoked = { ...token, revokedAt: new Date() };
      await execute('UPDATE api_tokens SET revoked_at = ? WHERE id = ?', [revoked.revokedAt, String(id)]);
      await insertAuditEvent(execute, tokenRevokedEvent(revoked, context), revoked.revokedAt);
      return revoked;
    });
  }
}
