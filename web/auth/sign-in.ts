import type { Request, Response } from 'express';
import type { AuditLog } from '../audit/audit-event.js';
import type { SessionStore, UserStore } from './accounts.js';
import { signInFailedEvent } from './auth-events.js';
import type { SessionTimeouts } from './authenticate.js';
import { normalizePassword } from './credentials-rules.js';
import { hashPassword, needsRehash, verifyAgainstNothing, verifyPassword } from './password-hash.js';
import type { ChangeContext } from './principal.js';
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
}

/**
 * Password sign-in for the pages. An unknown name and a wrong password get the same answer after
 * the same work (a full hash check); failures are throttled per account and client, and per
 * account, across replicas. Success starts a new session (a new id: no fixation), records the
 * sign-in in the same transaction, and rehashes a password stored with older parameters.
 */
export class SignIn {
  constructor(private readonly deps: SignInDependencies) {}

  async attempt(req: Request, res: Response, input: { username: unknown; password: unknown }, context: ChangeContext): Promise<SignInResult> {
    const username = typeof input.username === 'string' ? input.username.trim() : '';
    const password = typeof input.password === 'string' ? normalizePassword(input.password) : '';
    const user = username && username.length <= 64 ? await this.deps.users.find(username) : undefined;
    const attempt = { username, clientIp: context.clientIp, trustedDevice: !!user && this.deps.devices.isTrusted(req, user.id) };

    const wait = await this.deps.throttle.retryAfterSeconds(attempt);
    if (wait > 0) return this.#done({ outcome: 'throttled', retryAfterSeconds: wait });

    const matches = user?.passwordHash && password ? await verifyPassword(password, user.passwordHash) : await verifyAgainstNothing(password);
    if (!matches || !user) {
      await this.deps.throttle.failed(attempt);
      await this.deps.audit.record(signInFailedEvent(username.slice(0, 64), 'wrong username or password', context));
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
    const id = newSessionId();
    const now = new Date();
    const actor = { userId: user.id, username: user.username, role: user.role, via: 'session' as const };
    await this.deps.sessions.create(
      { idHash: hashSessionId(id), userId: user.id, createdAt: now, lastSeenAt: now, expiresAt: new Date(now.getTime() + this.deps.timeouts.maxMs) },
      { ...context, actor },
      res.locals.sessionIdHash,
    );
    setSessionCookie(req, res, id, this.deps.timeouts.maxMs);
    this.deps.devices.remember(req, res, user.id);
    res.locals.principal = actor;
    return this.#done({ outcome: 'success', username: user.username });
  }

  #done(result: SignInResult): SignInResult {
    this.deps.count(result.outcome);
    return result;
  }
}
