import type { RequestHandler } from 'express';
import { HttpError } from '../http/errors.js';
import type { SessionStore, TokenStore } from './accounts.js';
import { hashToken, LAST_USED_PRECISION_MS, looksLikeToken } from './api-tokens.js';
import { lowerOf } from './roles.js';
import { clearSessionCookie, hashSessionId, readSessionId } from './session-cookies.js';

export const BEARER_REALM = 'Bearer realm="product-catalog"';

/** RFC 6750's answer to a request whose token cannot be used. */
export function tokenRefused(description: string, error = 'invalid_token', slug: 'unauthorized' | 'forbidden' | 'malformed-authorization' = 'unauthorized'): HttpError {
  return new HttpError(slug, description, {
    headers: { 'WWW-Authenticate': `${BEARER_REALM}, error="${error}", error_description="${description.replace(/["\\]/g, '')}"` },
  });
}

/**
 * The API's only way in: `Authorization: Bearer pc_...`. No header means anonymous; a token that
 * is unknown, revoked, expired or whose owner is disabled is a 401 on every route. The request
 * acts with the lower of the token's and its owner's current role.
 */
export function bearerAuthentication(tokens: TokenStore): RequestHandler {
  return async (req, res, next) => {
    const header = req.headers.authorization;
    if (header === undefined) return next();
    const match = /^Bearer +(\S+)$/i.exec(header);
    if (!match) throw tokenRefused('Send the token as "Authorization: Bearer pc_...".', 'invalid_request', 'malformed-authorization');
    const token = match[1]!;
    const found = looksLikeToken(token) ? await tokens.findByHash(hashToken(token)) : undefined;
    const now = new Date();
    if (!found) throw tokenRefused('This API token is not known.');
    if (found.token.revokedAt) throw tokenRefused('This API token was revoked.');
    if (found.token.expiresAt && found.token.expiresAt <= now) throw tokenRefused('This API token has expired.');
    if (found.owner.disabled) throw tokenRefused("This API token's account is disabled.");
    if (!found.token.lastUsedAt || now.getTime() - found.token.lastUsedAt.getTime() >= LAST_USED_PRECISION_MS) {
      await tokens.touch(found.token.id, now);
    }
    res.locals.principal = {
      userId: found.owner.id,
      username: found.owner.username,
      role: lowerOf(found.token.role, found.owner.role),
      via: 'token',
      tokenId: found.token.id,
    };
    next();
  };
}

export interface SessionTimeouts {
  readonly idleMs: number;
  readonly maxMs: number;
}

/** How often a session's last activity is written: idle timeouts are kept to the minute. */
const LAST_SEEN_PRECISION_MS = 60_000;

/**
 * Pages: the session cookie, checked against the store on every request, so a sign-out, a
 * password or role change or a disabled account on any replica takes effect at once. A session
 * past its idle or absolute timeout ends here (and its cookie is cleared).
 */
export function sessionAuthentication(sessions: SessionStore, timeouts: SessionTimeouts): RequestHandler {
  return async (req, res, next) => {
    const id = readSessionId(req);
    if (id === undefined) return next();
    const idHash = hashSessionId(id);
    const found = await sessions.find(idHash);
    const now = new Date();
    const live =
      found &&
      !found.user.disabled &&
      found.session.expiresAt > now &&
      now.getTime() - found.session.lastSeenAt.getTime() < timeouts.idleMs;
    if (!live) {
      if (found) await sessions.delete(idHash);
      clearSessionCookie(req, res);
      return next();
    }
    if (now.getTime() - found.session.lastSeenAt.getTime() >= LAST_SEEN_PRECISION_MS) await sessions.touch(idHash, now);
    res.locals.sessionIdHash = idHash;
    if (found.session.oidc) res.locals.oidcSession = found.session.oidc;
    res.locals.principal = { userId: found.user.id, username: found.user.username, role: found.user.role, via: 'session' };
    next();
  };
}
