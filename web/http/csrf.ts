import { randomBytes } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { doubleCsrf } from 'csrf-csrf';

/** Random per-browser id that CSRF tokens are bound to (the app has no sessions). */
const CLIENT_COOKIE = 'pc_client';
const TOKEN_COOKIE = 'pc_csrf';
/** The hidden form field that carries the token. */
export const CSRF_FIELD = '_csrf';

export interface Csrf {
  /** Issues the client cookie when missing; must run before `token` and `protect`. */
  readonly identifyClient: RequestHandler;
  readonly protect: RequestHandler;
  token(req: Request, res: Response): string;
}

/** Double-submit-cookie CSRF protection (csrf-csrf) for the HTML forms; the JSON API needs none. */
export function createCsrf(secret: string): Csrf {
  const { doubleCsrfProtection, generateCsrfToken } = doubleCsrf({
    getSecret: () => secret,
    getSessionIdentifier: (req) => String(req.cookies?.[CLIENT_COOKIE] ?? ''),
    cookieName: TOKEN_COOKIE,
    cookieOptions: { sameSite: 'strict', path: '/', secure: false, httpOnly: true },
    getCsrfTokenFromRequest: (req) => (req.body as Record<string, unknown> | undefined)?.[CSRF_FIELD] as string,
    errorConfig: { statusCode: 403, code: 'EBADCSRFTOKEN' },
  });
  return {
    identifyClient(req, res, next) {
      if (!req.cookies[CLIENT_COOKIE]) {
        const id = randomBytes(18).toString('base64url');
        res.cookie(CLIENT_COOKIE, id, { httpOnly: true, sameSite: 'lax', secure: req.secure, path: '/' });
        req.cookies[CLIENT_COOKIE] = id;
      }
      next();
    },
    protect: doubleCsrfProtection,
    // Secure cookies only over TLS: a plain-HTTP NodePort would otherwise never get one back.
    token: (req, res) => generateCsrfToken(req, res, { cookieOptions: { secure: req.secure } }),
  };
}
