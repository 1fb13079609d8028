import type { MemoryAuditLog } from '../audit/memory-audit-log.js';
import {
  DuplicateUsernameError,
  LastAdminError,
  removesAnAdmin,
  type ApiToken,
  type FailureRecord,
  type NewToken,
  type NewUser,
  type Session,
  type SessionStore,
  type ThrottleStore,
  type TokenStore,
  type User,
  type UserChange,
  type UserStore,
  type UserWithSecret,
} from './accounts.js';
import type { ChangeContext } from './principal.js';
import { signInEvent, signOutEvent, tokenCreatedEvent, tokenRevokedEvent, userChangeEvents, userCreatedEvent } from './auth-events.js';

const publicUser = ({ passwordHash: _hash, ...user }: UserWithSecret): User => user;
const hex = (hash: Buffer) => hash.toString('hex');

/** Accounts, tokens and sessions in process memory, with the audit trail they write to. */
class MemoryAccounts {
  readonly users = new Map<string, UserWithSecret>(); // by lower-case name
  readonly tokens = new Map<number, ApiToken & { hash: string }>();
  readonly sessions = new Map<string, Session>(); // by hex of the id hash
  lastUserId = 0;
  lastTokenId = 0;

  constructor(readonly audit: MemoryAuditLog) {}

  userById(id: number): UserWithSecret | undefined {
    for (const user of this.users.values()) if (user.id === id) return user;
    return undefined;
  }

  endSessions(userId: number, keep?: Buffer): void {
    for (const [key, session] of this.sessions) {
      if (session.userId === userId && (!keep || key !== hex(keep))) this.sessions.delete(key);
    }
  }
}

class MemoryUserStore implements UserStore {
  constructor(private readonly data: MemoryAccounts) {}

  async countAdmins(): Promise<number> {
    return this.#enabledAdmins();
  }

  #enabledAdmins(): number {
    return [...this.data.users.values()].filter((u) => u.role === 'admin' && !u.disabled).length;
  }

  async find(username: string): Promise<UserWithSecret | undefined> {
    return this.data.users.get(username.toLowerCase());
  }

  async list(): Promise<User[]> {
    return [...this.data.users.values()].sort((a, b) => a.username.localeCompare(b.username)).map(publicUser);
  }

  async create(user: NewUser, context: ChangeContext): Promise<User> {
    const key = user.username.toLowerCase();
    if (this.data.users.has(key)) throw new DuplicateUsernameError(user.username);
    const now = new Date();
    const stored: UserWithSecret = { ...user, id: ++this.data.lastUserId, disabled: false, createdAt: now, updatedAt: now };
    this.data.users.set(key, stored);
    this.data.audit.append(userCreatedEvent(stored, context));
    return publicUser(stored);
  }

  async update(username: string, change: UserChange, context: ChangeContext, keepSession?: Buffer): Promise<User | undefined> {
    const existing = this.data.users.get(username.toLowerCase());
    if (!existing) return undefined;
    const events = userChangeEvents(existing, change, context);
    if (events.length === 0) return publicUser(existing);
    // Checked and changed in one synchronous step, as a transaction would.
    if (removesAnAdmin(existing, change) && this.#enabledAdmins() <= 1) throw new LastAdminError(existing.username);
    const updated: UserWithSecret = { ...existing, ...change, updatedAt: new Date() };
    this.data.users.set(username.toLowerCase(), updated);
    if (change.passwordHash !== undefined || change.disabled) this.data.endSessions(existing.id, keepSession);
    for (const event of events) this.data.audit.append(event);
    return publicUser(updated);
  }

  async rehash(userId: number, passwordHash: string): Promise<void> {
    const user = this.data.userById(userId);
    if (user) this.data.users.set(user.username.toLowerCase(), { ...user, passwordHash });
  }
}

class MemoryTokenStore implements TokenStore {
  constructor(private readonly data: MemoryAccounts) {}

  async create(token: NewToken, context: ChangeContext): Promise<ApiToken> {
    const { hash, ...fields } = token;
    const stored = { ...fields, id: ++this.data.lastTokenId, createdAt: new Date(), hash: hex(hash) };
    this.data.tokens.set(stored.id, stored);
    this.data.audit.append(tokenCreatedEvent(stored, context));
    return withoutHash(stored);
  }

  async list(userId?: number): Promise<ApiToken[]> {
    return [...this.data.tokens.values()]
      .filter((t) => userId === undefined || t.userId === userId)
      .reverse()
      .map(withoutHash);
  }

  async findByHash(hash: Buffer): Promise<{ token: ApiToken; owner: User } | undefined> {
    const wanted = hex(hash);
    for (const token of this.data.tokens.values()) {
      if (token.hash !== wanted) continue;
      const owner = this.data.userById(token.userId);
      return owner && { token: withoutHash(token), owner: publicUser(owner) };
    }
    return undefined;
  }

  async touch(id: number, at: Date): Promise<void> {
    const token = this.data.tokens.get(id);
    if (token) this.data.tokens.set(id, { ...token, lastUsedAt: at });
  }

  async revoke(id: number, context: ChangeContext, ownerId?: number): Promise<ApiToken | undefined> {
    const token = this.data.tokens.get(id);
    if (!token || (ownerId !== undefined && token.userId !== ownerId)) return undefined;
    if (token.revokedAt) return withoutHash(token);
    const revoked = { ...token, revokedAt: new Date() };
    this.data.tokens.set(id, revoked);
    this.data.audit.append(tokenRevokedEvent(revoked, context));
    return withoutHash(revoked);
  }
}

class MemorySessionStore implements SessionStore {
  constructor(private readonly data: MemoryAccounts) {}

  async create(session: Session, context: ChangeContext, replaces?: Buffer): Promise<void> {
    if (replaces) this.data.sessions.delete(hex(replaces));
    this.data.sessions.set(hex(session.idHash), session);
    this.data.audit.append(signInEvent(context));
  }

  async find(idHash: Buffer): Promise<{ session: Session; user: User } | undefined> {
    const session = this.data.sessions.get(hex(idHash));
    const user = session && this.data.userById(session.userId);
    return session && user && { session, user: publicUser(user) };
  }

  async touch(idHash: Buffer, at: Date): Promise<void> {
    const session = this.data.sessions.get(hex(idHash));
    if (session) this.data.sessions.set(hex(idHash), { ...session, lastSeenAt: at });
  }

  async delete(idHash: Buffer, context?: ChangeContext): Promise<void> {
    const existed = this.data.sessions.delete(hex(idHash));
    if (existed && context) this.data.audit.append(signOutEvent(context));
  }

  async sweep(now: Date, idleSince: Date, batch: number): Promise<number> {
    let n = 0;
    for (const [key, s] of this.data.sessions) {
      if (n >= batch) break;
      if (s.expiresAt <= now || s.lastSeenAt < idleSince) {
        this.data.sessions.delete(key);
        n++;
      }
    }
    return n;
  }
}

class MemoryThrottleStore implements ThrottleStore {
  readonly #records = new Map<string, FailureRecord>();

  async get(key: string): Promise<FailureRecord | undefined> {
    return this.#records.get(key);
  }

  async addFailure(key: string, now: Date, forgetBefore: Date, lockMs: (failures: number) => number): Promise<FailureRecord> {
    const previous = this.#records.get(key);
    const failures = previous && previous.lastFailureAt >= forgetBefore ? previous.failures + 1 : 1;
    const lock = lockMs(failures);
    const record: FailureRecord = { failures, lastFailureAt: now, ...(lock > 0 && { lockedUntil: new Date(now.getTime() + lock) }) };
    this.#records.set(key, record);
    return record;
  }

  async reset(key: string): Promise<void> {
    this.#records.delete(key);
  }

  async sweep(before: Date, batch: number): Promise<number> {
    let n = 0;
    for (const [key, record] of this.#records) {
      if (n >= batch) break;
      if (record.lastFailureAt < before) {
        this.#records.delete(key);
        n++;
      }
    }
    return n;
  }
}

function withoutHash({ hash: _hash, ...token }: ApiToken & { hash: string }): ApiToken {
  return token;
}

/** The account stores kept in memory, sharing one audit trail with the products. */
export function memoryAuthStores(audit: MemoryAuditLog) {
  const data = new MemoryAccounts(audit);
  return {
    users: new MemoryUserStore(data),
    tokens: new MemoryTokenStore(data),
    sessions: new MemorySessionStore(data),
    throttle: new MemoryThrottleStore(),
  };
}
