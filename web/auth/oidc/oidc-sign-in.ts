import type { Request, Response } from 'express';
import type { AuditLog } from '../../audit/audit-event.js';
import type { Logger } from '../../ops/logger.js';
import { LastAdminError, type OidcSessionLink, type SessionStore } from '../accounts.js';
import { ssoSignInRefusedEvent } from '../auth-events.js';
import type { SessionTimeouts } from '../authenticate.js';
import type { ChangeContext } from '../principal.js';
import {
  clearSignInAttemptCookie,
  hashSessionId,
  newSessionId,
  readSignInAttemptId,
  setSignInAttemptCookie,
} from '../session-cookies.js';
import { startSession } from '../sign-in.js';
import type { OidcConfig } from './oidc-config.js';
import { OidcError, type OidcErrorKind } from './oidc-error.js';
import { SIGN_IN_MAX_AGE_MS, type RelyingParty } from './relying-party.js';
import { roleFromClaims } from './role-from-claims.js';
import { NoFreeUsernameError, type IdentityStore, type PendingSignInStore } from './sso-stores.js';
import { proposeUsername, usernameCandidates } from './username.js';

export const CALLBACK_PATH = '/auth/oidc/callback';
export const START_PATH = '/auth/oidc/start';

/** OpenID Connect limits `sub` to 255 ASCII characters; the columns hold that much of either value. */
const IDENTITY_MAX = 255;

export type CallbackResult =
  | { readonly outcome: 'success'; readonly username: string; readonly next: string; readonly provisioned: boolean }
  | { readonly outcome: 'no-mapped-group' | 'disabled' | 'no-free-username' | 'last-admin' }
  | { readonly outcome: 'failed'; readonly kind: OidcErrorKind };

export interface OidcSignInDependencies {
  readonly config: OidcConfig;
  readonly relyingParty: RelyingParty;
  readonly identities: IdentityStore;
  readonly pendingSignIns: PendingSignInStore;
  readonly sessions: SessionStore;
  readonly audit: AuditLog;
  readonly timeouts: SessionTimeouts;
  readonly logger: Logger;
  /** Counts each callback by outcome (/metrics). */
  readonly count: (outcome: string) => void;
}

/**
 * Single sign-on for the pages: the two ends of the Authorization Code flow (the RelyingParty
 * does the protocol) and what the app keeps in between. The sign-in under way is kept server-side,
 * shared by every replica, under a random id in an HttpOnly cookie, and is used once. The
 * callback is the only place a single sign-on session starts, through the same startSession as
 * a password sign-in.
 */
export class OidcSignIn {
  constructor(private readonly deps: OidcSignInDependencies) {}

  get buttonLabel(): string {
    return this.deps.config.buttonLabel;
  }

  /**
   * Starts a sign-in: keeps state, nonce, PKCE verifier and `next` server-side and returns the
   * provider's authorization URL.
   * @throws OidcError (provider-unreachable while the provider cannot be discovered)
   */
  async begin(req: Request, res: Response, next: unknown): Promise<URL> {
    const { url, pending } = await this.deps.relyingParty.beginSignIn(next, this.#redirectUri(req));
    const id = newSessionId();
    await this.deps.pendingSignIns.save(hashSessionId(id), pending, new Date(pending.createdAt + SIGN_IN_MAX_AGE_MS));
    setSignInAttemptCookie(req, res, id, SIGN_IN_MAX_AGE_MS);
    return url;
  }

  /**
   * The provider's redirect back. Takes (and so deletes) the sign-in under way before anything
   * else, has the library check the answer, applies the claims to the linked account and starts
   * a session. Failures are answered, logged and counted, never thrown, except the database's.
   */
  async complete(req: Request, res: Response, context: ChangeContext): Promise<CallbackResult> {
    const result = await this.#complete(req, res, context).catch((error: unknown) => {
      if (error instanceof OidcError) {
        this.deps.logger.warn({ reason: error.message, reqId: context.requestId }, 'single sign-on failed');
        return { outcome: 'failed', kind: error.kind } as const;
      }
      if (error instanceof NoFreeUsernameError) return { outcome: 'no-free-username' } as const;
      if (error instanceof LastAdminError) return { outcome: 'last-admin' } as const;
      throw error;
    });
    this.deps.count(result.outcome === 'failed' ? result.kind : result.outcome);
    return result;
  }

  async #complete(req: Request, res: Response, context: ChangeContext): Promise<CallbackResult> {
    const id = readSignInAttemptId(req);
    clearSignInAttemptCookie(req, res);
    const pending = id === undefined ? undefined : await this.deps.pendingSignIns.take(hashSessionId(id), new Date());
    if (!pending) throw new OidcError('invalid-pending', id === undefined ? 'the browser sent no sign-in cookie' : 'no sign-in under way for this cookie (used, expired or never started)');
    const query = new URLSearchParams(req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '');
    const signedIn = await this.deps.relyingParty.completeSignIn(query, pending);
    const identity = { issuer: signedIn.issuer, subject: signedIn.subject };
    if (identity.issuer.length > IDENTITY_MAX || identity.subject.length > IDENTITY_MAX) {
      throw new OidcError('invalid-response', `iss or sub is longer than ${IDENTITY_MAX} characters`);
    }

    // Changes the claims make are the provider's doing, not the (maybe signed-in) browser's.
    const system: ChangeContext = { clientIp: context.clientIp, requestId: context.requestId };
    const decision = roleFromClaims(signedIn.claims, this.deps.config);
    const proposed = proposeUsername(signedIn.claims, identity.issuer);
    const applied = await this.deps.identities.signIn(identity, decision, usernameCandidates(proposed), system);
    if (applied.outcome === 'refused') {
      const reason = applied.reason === 'disabled' ? 'account disabled' : 'no mapped group';
      await this.deps.audit.record(ssoSignInRefusedEvent(applied.user?.username ?? proposed, reason, identity, system));
      return { outcome: applied.reason };
    }
    const link: OidcSessionLink = { ...identity, idToken: signedIn.idToken };
    await startSession(this.deps, req, res, applied.user, system, link);
    return { outcome: 'success', username: applied.user.username, next: signedIn.next, provisioned: applied.provisioned };
  }

  /**
   * Where to send the browser after its single sign-on session ended at the app: the provider's
   * end_session_endpoint (RP-initiated logout) with the ID token as hint, returning to the app's
   * front page; undefined when the provider publishes none (or has not been reached yet).
   */
  endSessionUrl(req: Request, link: OidcSessionLink): URL | undefined {
    return this.deps.relyingParty.endSessionUrl(link.idToken, new URL('/', this.#redirectUri(req)).href);
  }

  /** OIDC_REDIRECT_URI, else this request's own origin (TRUST_PROXY makes it the public one). */
  #redirectUri(req: Request): string {
    return this.deps.config.redirectUri?.href ?? new URL(CALLBACK_PATH, `${req.protocol}://${req.host}`).href;
  }
}
