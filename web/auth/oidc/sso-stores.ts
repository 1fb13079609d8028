import type { User } from '../accounts.js';
import type { ChangeContext } from '../principal.js';
import type { PendingSignIn } from './relying-party.js';
import type { RoleDecision } from './role-from-claims.js';

/** An account at the provider: the ID token's `iss` and `sub`, which never change (a username may). */
export interface Identity {
  readonly issuer: string;
  readonly subject: string;
}

export type SsoSignInResult =
  | { readonly outcome: 'signed-in'; readonly user: User; readonly provisioned: boolean }
  /**
   * `no-mapped-group`: the claims map no role (OIDC_DEFAULT_ROLE=none); a linked account is then
   * disabled by claims. `disabled`: an admin disabled the linked account.
   */
  | { readonly outcome: 'refused'; readonly reason: 'no-mapped-group' | 'disabled'; readonly user?: User };

/** Every proposed name for a new single sign-on account was taken. */
export class NoFreeUsernameError extends Error {
  constructor(readonly proposed: string) {
    super(`No free username near '${proposed}' for a new single sign-on account.`);
    this.name = 'NoFreeUsernameError';
  }
}

/**
 * Accounts linked to an OpenID Provider's (issuer, sub). Each change records its audit events in
 * the same transaction.
 */
export interface IdentityStore {
  /**
   * Applies one single sign-on atomically, as planSsoSignIn (sso-account.ts) decides: at the first
   * sign-in creates an account without a password, named by the first of `usernames` that is
   * free, and links it; later, recomputes the linked account's role (unless pinned), disables it
   * by claims when no role is mapped (which ends its sessions), or enables it again. Records when
   * the identity last signed in.
   * @throws LastAdminError when the claims would demote or disable the last enabled admin.
   * @throws NoFreeUsernameError
   */
  signIn(identity: Identity, decision: RoleDecision, usernames: readonly string[], context: ChangeContext): Promise<SsoSignInResult>;
  /** The account linked to `identity`, if any. */
  findUser(identity: Identity): Promise<User | undefined>;
}

/**
 * Sign-ins under way at the provider, between /auth/oidc/start and the callback, known by the
 * SHA-256 of the random id in the browser's cookie. Shared by every replica, and used once: the
 * first `take` removes it, so a replayed callback finds nothing.
 */
export interface PendingSignInStore {
  save(idHash: Buffer, pending: PendingSignIn, expiresAt: Date): Promise<void>;
  /** Removes and returns it; undefined when there is none, it was taken already, or it expired. */
  take(idHash: Buffer, now: Date): Promise<PendingSignIn | undefined>;
  /** Removes expired ones, at most `batch`. */
  sweep(now: Date, batch: number): Promise<number>;
}
