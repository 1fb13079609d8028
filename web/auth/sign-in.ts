import type { Request, Response } from 'express';
import type { AuditLog } from '../audit/audit-event.js';
import type { OidcSessionLink, SessionStore, User, UserStore } from './accounts.js';
import { signInFailedEvent } from './auth-events.js';
import type { SessionTimeouts } from './authenticate.js';
import { normalizePassword } from './credentials-rules.js';
import type { LocalLoginConfig } from './oidc/oidc-config.js';
import { hashPassword, needsRehash, verifyAgainstNothing, verifyPassword } from './password-hash.js';
import type { ChangeContext, Principal } from './principal.js';
import { hashSessionId, newSessionId, setSessionCookie, type TrustedDevices } from './session-cookies.js';
import type { SignInThrottle } from './sign-in-throttle.js';

export type SignInOutcome = 'success' | 'invalid' | 'disabled' | 'throttled';

export type SignInResult =
  | { readonly outcome: 'success'; readonly username: string }
  | { readonly outcome: 'invalid' | 'disabled' }
  | { readonly outcome: 'throttled'; readonly retryAfterSeconds: number };

export interface SignInDependencies {
  readonly users: UserStore;
  readonly sessions: SessionStore;
  readonly audit: AuditLog;
  readonly throttle: SignInThrottle;
  readonly devices: TrustedDevices;
  readonly timeouts: SessionTimeouts;
  /** Counts each attempt by outcome (/metrics). */
  readonly count: (outcome: SignInOutcome) => void;
  /** @default password sign-in on for everyone */
  readonly localLogin?: LocalLoginConfig;
}

/**
 * Whether `user` may sign in with a password: anyone while LOCAL_LOGIN is on; otherwise only the
 * break-glass account, and only while it is an enabled admin.
 */
export function mayUsePassword(local: LocalLoginConfig, user: User): boolean {
  if (local.enabled) return true;
  return !!local.breakGlassUser && user.username.toLowerCase() === local.breakGlassUser.toLowerCase() && user.role === 'admin' && !user.disabled;
}

/**
 * Starts a page session for `user` after a successful sign-in, password or single sign-on alike:
 * a new random id (never the browser's old one: no fixation), the browser's previous session
 * ended, the sign-in recorded in the same transaction, the cookie set.
 */
export async function startSession(
  deps: { readonly sessions: SessionStore; readonly timeouts: SessionTimeouts },
  req: Request,
  res: Response,
  user: User,
  context: ChangeContext,
  oidc?: OidcSessionLink,
): Promise<Principal> {
  const id = newSessionId();
  const now = new Date();
  const actor: Principal = { userId: user.id, username: user.username, role: user.role, via: 'session' };
  await deps.sessions.create(
    {
      idHash: hashSessionId(id),
      userId: user.id,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: new Date(now.getTime() + deps.timeouts.maxMs),
      ...(oidc && { oidc }),
    },
    { ...context, actor },
    res.locals.sessionIdHash,
  );
  setSessionCookie(req, res, id, deps.timeouts.maxMs);
  res.locals.principal = actor;
  return actor;
}

/**
 * Password sign-in for the pages. An unknown name and a wrong password get the same answer after
 * the same work (a full hash check), and so does an account that may not use a password (an
 * account of single sign-on only, or anyone but the break-glass admin while LOCAL_LOGIN is false);
 * failures are throttled per account and client, and per account, across replicas. Success
 * starts a new session (startSession) and rehashes a password stored with older parameters.
 */
export class SignIn {
  constructor(private readonly deps: SignInDependencies) {}

  async attempt(req: Request, res: Response, input: { username: unknown; password: unknown }, context: ChangeContext): Promise<SignInResult> {
    const username = typeof input.username === 'string' ? input.username.trim() : '';
    const password = typeof input.password === 'string' ? normalizePassword(input.password) : '';
    const found = username && username.length <= 64 ? await this.deps.users.find(username) : undefined;
    const user = found && mayUsePassword(this.deps.localLogin ?? { enabled: true }, found) ? found : undefined;
    const attempt = { username, clientIp: context.clientIp, trustedDevice: !!user && this.deps.devices.isTrusted(req, user.id) };

    const wait = await this.deps.throttle.retryAfterSeconds(attempt);
    if (wait > 0) return this.#done({ outcome: 'throttled', retryAfterSeconds: wait });

    const matches = user?.passwordHash && password ? await verifyPassword(password, user.passwordHash) : await verifyAgainstNothing(password);
    if (!matches || !user) {
      await this.deps.throttle.failed(attempt);
      const reason = found && !user
        ? 'password sign-in is turned off for this account (LOCAL_LOGIN=false)'
        : user && !user.passwordHash
          ? 'the account has no password (single sign-on only)'
          : 'wrong username or password';
      await this.deps.audit.record(signInFailedEvent(username.slice(0, 64), reason, context));
      return this.#done({ outcome: 'invalid' });
    }
    if (user.disabled) {
      await this.deps.audit.record(signInFailedEvent(user.username, 'account disabled', context));
      return this.#done({ outcome: 'disabled' });
    }

    await this.deps.throttle.succeeded(attempt);
    if (needsRehash(user.passwordHash!)) {
      await this.deps.users.rehash(user.id, await hashPassword(password));
    }
    await startSession(this.deps, req, res, user, context);
    this.deps.devices.remember(req, res, user.id);
    return this.#done({ outcome: 'success', username: user.username });
  }

  #done(result: SignInResult): SignInResult {
    this.deps.count(result.outcome);
    return result;
  }
}
