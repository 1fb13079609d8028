import type { Request, Response } from 'express';
import type { OidcSessionLink } from '../auth/accounts.js';
import type { ChangeContext, Principal } from '../auth/principal.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      /** Set by the request logger. */
      requestId?: string;
      /** Who the request acts for; absent when anonymous. */
      principal?: Principal;
      /** The page session's id hash, for sign-out and password changes. */
      sessionIdHash?: Buffer;
      /** The provider's account behind the page session, when it came from single sign-on (for sign-out). */
      oidcSession?: OidcSessionLink;
      /** The page's CSRF token, made on first use (pages only). */
      csrfToken?: () => string;
    }
  }
}

/** Who is acting and from where, for the audit trail. */
export function changeContext(req: Request, res: Response): ChangeContext {
  return {
    ...(res.locals.principal && { actor: res.locals.principal }),
    clientIp: req.ip ?? req.socket.remoteAddress ?? '',
    requestId: res.locals.requestId ?? '',
  };
}
