import type { AuditValues } from '../audit/audit-event.js';
import type { ChangeContext } from './principal.js';
import type { Role } from './roles.js';

/** An account as the app shows it; its password hash stays in the store. */
export interface User {
  readonly id: number;
  readonly username: string;
  readonly role: Role;
  readonly disabled: boolean;
  /** An admin fixed the role: single sign-on no longer recomputes it from the provider's claims. */
  readonly rolePinned: boolean;
  /**
   * Disabled by single sign-on (the provider's claims mapped no role), not by an admin: a later
   * sign-in whose claims map a role enables it again. Always false while enabled.
   */
  readonly disabledByClaims: boolean;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface UserWithSecret extends User {
  /** PHC string (see password-hash.ts); null when the account has no password. */
  readonly passwordHash: string | null;
}

export interface NewUser {
  readonly username: string;
  readonly role: Role;
  readonly passwordHash: string | null;
}

/** What an administrator (or the account itself, for its password) may change. */
export interface UserChange {
  readonly role?: Role;
  /** Either way the account is then the admin's to enable: no longer disabled by claims. */
  readonly disabled?: boolean;
  readonly passwordHash?: string;
  readonly rolePinned?: boolean;
}

/** The account after an administrator's `change`. */
export const changedUser = <U extends User>(user: U, change: UserChange, now: Date): U => ({
  ...user,
  ...(change.role !== undefined && { role: change.role }),
  ...(change.disabled !== undefined && { disabled: change.disabled, disabledByClaims: false }),
  ...(change.rolePinned !== undefined && { rolePinned: change.rolePinned }),
  ...(change.passwordHash !== undefined && { passwordHash: change.passwordHash }),
  updatedAt: now,
});

export class DuplicateUsernameError extends Error {
  constructor(readonly username: string) {
    super(`An account named '${username}' already exists (names ignore case).`);
    this.name = 'DuplicateUsernameError';
  }
}

/** The change would leave no enabled administrator, and nobody could manage accounts any more. */
export class LastAdminError extends Error {
  constructor(readonly username: string) {
    super(`'${username}' is the last enabled admin; make another account admin first.`);
    this.name = 'LastAdminError';
  }
}

/** Whether a change takes an enabled admin away (demoted or disabled). */
export const removesAnAdmin = (user: User, change: UserChange): boolean =>
  user.role === 'admin' && !user.disabled && ((change.role !== undefined && change.role !== 'admin') || change.disabled === true);

/**
 * Accounts. Each change records its audit events in the same transaction; a password change or
 * disabling the account ends its sessions (all but `keepSession`, the one that changed its own
 * password), so it takes effect on every replica at the next request.
 */
export interface UserStore {
  /** Enabled administrators. */
  countAdmins(): Promise<number>;
  /** By name, ignoring case. */
  find(username: string): Promise<UserWithSecret | undefined>;
  list(): Promise<User[]>;
  /** @throws DuplicateUsernameError */
  create(user: NewUser, context: ChangeContext): Promise<User>;
  /**
   * The changed account, or undefined when there is none with that name.
   * @throws LastAdminError when the change would leave no enabled admin (checked atomically).
   */
  update(username: string, change: UserChange, context: ChangeContext, keepSession?: Buffer): Promise<User | undefined>;
  /** Stores a stronger hash of the same password at sign-in; not a change anyone made, so not audited. */
  rehash(userId: number, passwordHash: string): Promise<void>;
}

/** An API token's record; the token itself is never stored, only its SHA-256. */
export interface ApiToken {
  readonly id: number;
  readonly userId: number;
  readonly username: string;
  readonly name: string;
  readonly role: Role;
  readonly createdAt: Date;
  readonly expiresAt?: Date;
  readonly lastUsedAt?: Date;
  readonly revokedAt?: Date;
}

export interface NewToken {
  readonly userId: number;
  readonly username: string;
  readonly name: string;
  readonly role: Role;
  readonly expiresAt?: Date;
  readonly hash: Buffer;
}

export interface TokenStore {
  create(token: NewToken, context: ChangeContext): Promise<ApiToken>;
  /** One account's tokens, or everyone's when `userId` is absent; newest first. */
  list(userId?: number): Promise<ApiToken[]>;
  findByHash(hash: Buffer): Promise<{ token: ApiToken; owner: User } | undefined>;
  /** Notes a use; callers write it at most once a minute per token. */
  touch(id: number, at: Date): Promise<void>;
  /** Revokes the token (only when owned by `ownerId`, if given); undefined when there is no such token. */
  revoke(id: number, context: ChangeContext, ownerId?: number): Promise<ApiToken | undefined>;
}

/** The provider's account behind a single sign-on session. */
export interface OidcSessionLink {
  readonly issuer: string;
  readonly subject: string;
  /** Sent back as id_token_hint when signing out at the provider (RP-initiated logout). */
  readonly idToken: string;
}

/** A page session; the store knows it by the SHA-256 of its id, never by the id. */
export interface Session {
  readonly idHash: Buffer;
  readonly userId: number;
  readonly createdAt: Date;
  readonly lastSeenAt: Date;
  /** The absolute end, SESSION_MAX_HOURS after sign-in. */
  readonly expiresAt: Date;
  /** Present when signed in through single sign-on; absent for a password sign-in. */
  readonly oidc?: OidcSessionLink;
}

export interface SessionStore {
  /** Starts a session and records the sign-in, ending `replaces` (the browser's previous session). */
  create(session: Session, context: ChangeContext, replaces?: Buffer): Promise<void>;
  find(idHash: Buffer): Promise<{ session: Session; user: User } | undefined>;
  touch(idHash: Buffer, at: Date): Promise<void>;
  /** Ends a session; with a context it is a sign-out and is recorded (with `details`, such as whether the provider signs out too). */
  delete(idHash: Buffer, context?: ChangeContext, details?: AuditValues): Promise<void>;
  /** Removes sessions past their absolute end or idle since `idleSince`, at most `batch`. */
  sweep(now: Date, idleSince: Date, batch: number): Promise<number>;
}

/** Failed sign-ins under one key (an account and a client, or an account). */
export interface FailureRecord {
  readonly failures: number;
  readonly lastFailureAt: Date;
  readonly lockedUntil?: Date;
}

export interface ThrottleStore {
  get(key: string): Promise<FailureRecord | undefined>;
  /**
   * Counts one more failure under `key` (starting again from one when the last is older than
   * `forgetBefore`) and locks it for `lockMs(failures)` from `now`, atomically across replicas.
   */
  addFailure(key: string, now: Date, forgetBefore: Date, lockMs: (failures: number) => number): Promise<FailureRecord>;
  reset(key: string): Promise<void>;
  /** Forgets keys whose last failure is older than `before`, at most `batch`. */
  sweep(before: Date, batch: number): Promise<number>;
}
