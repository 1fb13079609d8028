import type { MemoryAuditLog } from '../audit/memory-audit-log.js';
import type { AuditValues } from '../audit/audit-event.js';
import {
  changedUser,
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
import {
  claimsChangeEvents,
  signInEvent,
  signOutEvent,
  tokenCreatedEvent,
  tokenRevokedEvent,
  userChangeEvents,
  userCreatedEvent,
} from './auth-events.js';
import type { PendingSignIn } from './oidc/relying-party.js';
import type { RoleDecision } from './oidc/role-from-claims.js';
import { afterClaims, changesAnything, planSsoSignIn } from './oidc/sso-account.js';
import { NoFreeUsernameError, type Identity, type IdentityStore, type PendingSignInStore, type SsoSignInResult } from './oidc/sso-stores.js';

const publicUser = ({ passwordHash: _hash, ...user }: UserWithSecret): User => user;
const hex = (hash: Buffer) => hash.toString('hex');

/** Accounts, tokens and sessions in process memory, with the audit trail they write to. */
class MemoryAccounts {
  readonly users = new Map<string, UserWithSecret>(); // by lower-case name
  readonly tokens = new Map<number, ApiToken & { hash: string }>();
  readonly sessions = new Map<string, Session>(); // by hex of the id hash
  readonly identities = new Map<string, number>(); // user id by identityKey
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

  enabledAdmins(): number {
    return [...this.users.values()].filter((u) => u.role === 'admin' && !u.disabled).length;
  }

  /** Adds an account whose name is free (case ignored), or returns undefined. */
  insertUser(user: NewUser): UserWithSecret | undefined {
    const key = user.username.toLowerCase();
    if (this.users.has(key)) return undefined;
    const now = new Date();
    const stored: UserWithSecret = { ...user, id: ++this.lastUserId, disabled: false, rolePinned: false, disabledByClaims: false, createdAt: now, updatedAt: now };
    this.users.set(key, stored);
    return stored;
  }

  /** Stores the changed account and ends its sessions when it was disabled or its password changed. */
  replaceUser(before: UserWithSecret, after: UserWithSecret, endsSessions: boolean, keepSession?: Buffer): void {
    this.users.set(before.username.toLowerCase(), after);
    if (endsSessions) this.endSessions(before.id, keepSession);
  }
}

const identityKey = (identity: Identity) => JSON.stringify([identity.issuer, identity.subject]);

class MemoryUserStore implements UserStore {
  constructor(private readonly data: MemoryAccounts) {}

  async countAdmins(): Promise<number> {
    return this.data.enabledAdmins();
  }

  async find(username: string): Promise<UserWithSecret | undefined> {
    return this.data.users.get(username.toLowerCase());
  }

  async list(): Promise<User[]> {
    return [...this.data.users.values()].sort((a, b) => a.username.localeCompare(b.username)).map(publicUser);
  }

  async create(user: NewUser, context: ChangeContext): Promise<User> {
    const stored = this.data.insertUser(user);
    if (!stored) throw new DuplicateUsernameError(user.username);
    this.data.audit.append(userCreatedEvent(stored, context));
    return publicUser(stored);
  }

  async update(username: string, change: UserChange, context: ChangeContext, keepSession?: Buffer): Promise<User | undefined> {
    const existing = this.data.users.get(username.toLowerCase());
    if (!existing) return undefined;
    const events = userChangeEvents(existing, change, context);
    if (events.length === 0) return publicUser(existing);
    // Checked and changed in one synchronous step, as a transaction would.
    if (removesAnAdmin(existing, change) && this.data.enabledAdmins() <= 1) throw new LastAdminError(existing.username);
    const updated = changedUser(existing, change, new Date());
    this.data.replaceUser(existing, updated, change.passwordHash !== undefined || change.disabled === true, keepSession);
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
    this.data.audit.append(signInEvent(context, session));
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

  async delete(idHash: Buffer, context?: ChangeContext, details?: AuditValues): Promise<void> {
    const existed = this.data.sessions.delete(hex(idHash));
    if (existed && context) this.data.audit.append(signOutEvent(context, details));
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

class MemoryIdentityStore implements IdentityStore {
  constructor(private readonly data: MemoryAccounts) {}

  async signIn(identity: Identity, decision: RoleDecision, usernames: readonly string[], context: ChangeContext): Promise<SsoSignInResult> {
    // Read, checked and changed in one synchronous step, as the MySQL store's transaction does.
    const key = identityKey(identity);
    const linkedId = this.data.identities.get(key);
    const user = linkedId === undefined ? undefined : this.data.userById(linkedId);
    const plan = planSsoSignIn(user, decision);
    if (plan.kind === 'provision') {
      const created = this.#provision(identity, plan.role, usernames, context);
      return { outcome: 'signed-in', user: publicUser(created), provisioned: true };
    }
    const change = plan.change;
    let current = user;
    if (user && changesAnything(change)) {
      if (removesAnAdmin(user, change) && this.data.enabledAdmins() <= 1) throw new LastAdminError(user.username);
      current = afterClaims(user, change, new Date());
      this.data.replaceUser(user, current, change.disabled === true);
      for (const event of claimsChangeEvents(user, change, decision.groups, identity, context)) this.data.audit.append(event);
    }
    if (plan.kind === 'refuse') return { outcome: 'refused', reason: plan.reason, ...(current && { user: publicUser(current) }) };
    return { outcome: 'signed-in', user: publicUser(current!), provisioned: false };
  }

  #provision(identity: Identity, role: User['role'], usernames: readonly string[], context: ChangeContext): UserWithSecret {
    for (const username of usernames) {
      const created = this.data.insertUser({ username, role, passwordHash: null });
      if (!created) continue;
      this.data.identities.set(identityKey(identity), created.id);
      this.data.audit.append(userCreatedEvent(created, context, identity));
      return created;
    }
    throw new NoFreeUsernameError(usernames[0] ?? '');
  }

  async findUser(identity: Identity): Promise<User | undefined> {
    const id = this.data.identities.get(identityKey(identity));
    const user = id === undefined ? undefined : this.data.userById(id);
    return user && publicUser(user);
  }
}

class MemoryPendingSignInStore implements PendingSignInStore {
  readonly #pending = new Map<string, { pending: PendingSignIn; expiresAt: Date }>();

  async save(idHash: Buffer, pending: PendingSignIn, expiresAt: Date): Promise<void> {
    this.#pending.set(hex(idHash), { pending, expiresAt });
  }

  async take(idHash: Buffer, now: Date): Promise<PendingSignIn | undefined> {
    const found = this.#pending.get(hex(idHash));
    this.#pending.delete(hex(idHash));
    return found && found.expiresAt > now ? found.pending : undefined;
  }

  async sweep(now: Date, batch: number): Promise<number> {
    let n = 0;
    for (const [key, { expiresAt }] of this.#pending) {
      if (n >= batch) break;
      if (expiresAt <= now) {
        this.#pending.delete(key);
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
    identities: new MemoryIdentityStore(data),
    pendingSignIns: new MemoryPendingSignInStore(),
  };
}
