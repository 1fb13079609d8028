import { randomBytes } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { doubleCsrf } from 'csrf-csrf';

/** Random per-browser id that CSRF tokens are bound to before sign-in. */
const CLIENT_COOKIE = 'pc_client';
const TOKEN_COOKIE = 'pc_csrf';
/** The hidden form field that carries the token. */
export const CSRF_FIELD = '_csrf';

export interface Csrf {
  /** Offers `res.locals.csrfToken()`, which issues the client cookie when missing; runs after session authentication. */
  readonly identifyClient: RequestHandler;
  readonly protect: RequestHandler;
  token(req: Request, res: Response): string;
}

/** Gives a browser without a client id one (before its first form token), so tokens made before sign-in are bound to it. */
function identified(req: Request, res: Response): Response {
  if (!req.cookies[CLIENT_COOKIE]) {
    const id = randomBytes(18).toString('base64url');
    res.cookie(CLIENT_COOKIE, id, { httpOnly: true, sameSite: 'lax', secure: req.secure, path: '/' });
    req.cookies[CLIENT_COOKIE] = id;
  }
  return res;
}

/**
 * Double-submit-cookie CSRF protection (csrf-csrf) for the HTML forms; the JSON API needs none
 * (it reads no cookies). Tokens are bound to the signed-in session, or before sign-in to a
 * random client id, so a token from one session is refused in another.
 */
export function createCsrf(secret: string): Csrf {
  const { doubleCsrfProtection, generateCsrfToken } = doubleCsrf({
    getSecret: () => secret,
    getSessionIdentifier: (req) => (req.res?.locals.sessionIdHash?.toString('hex') ?? String(req.cookies?.[CLIENT_COOKIE] ?? '')),
    cookieName: TOKEN_COOKIE,
    cookieOptions: { sameSite: 'strict', path: '/', secure: false, httpOnly: true },
    getCsrfTokenFromRequest: (req) => (req.body as Record<string, unknown> | undefined)?.[CSRF_FIELD] as string,
    errorConfig: { statusCode: 403, code: 'EBADCSRFTOKEN' },
  });
  // Secure cookies only over TLS: a plain-HTTP NodePort would otherwise never get one back.
  const token = (req: Request, res: Response) => generateCsrfToken(req, res, { cookieOptions: { secure: req.secure } });
  return {
    identifyClient(req, res, next) {
      let made: string | undefined;
      // Made on first use, while the page renders (before the response is sent), once per page:
      // every form of a page carries the same token. A page without a form (the list, to a
      // visitor) makes none, and needs no client id either.
      res.locals.csrfToken = () => (made ??= token(req, identified(req, res)));
      next();
    },
    protect: doubleCsrfProtection,
    token: (req, res) => token(req, identified(req, res)),
  };
}
