import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { changeContext } from '../http/locals.js';
import { redirectWithNotice } from '../http/notice.js';
import { sameOriginPath } from '../http/safe-redirect.js';
import { BODY_LIMIT_BYTES } from '../limits.js';
import type { SessionStore } from './accounts.js';
import { clearSessionCookie } from './session-cookies.js';
import type { SignIn } from './sign-in.js';

interface SignInForm {
  username: string;
  message?: string;
}

const MESSAGES = {
  invalid: 'Wrong username or password.',
  disabled: 'This account is disabled. Ask an administrator to enable it.',
  throttled: (seconds: number) =>
    `Too many failed sign-ins for this account from here. Try again in ${seconds < 90 ? `${seconds} seconds` : `${Math.ceil(seconds / 60)} minutes`}.`,
};

/** /login (the form and its POST) and /logout: the only pages open when PUBLIC_READ is false. */
export function signInRouter(signIn: SignIn, sessions: SessionStore, csrfProtect: RequestHandler, writeLimit: RequestHandler): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: BODY_LIMIT_BYTES, parameterLimit: 10 });

  const render = (res: Response, next: string, form: SignInForm, status = 200) =>
    res.status(status).set('Cache-Control', 'no-store').render('login', { form, next });

  router.get('/login', (req, res) => {
    const next = sameOriginPath(req.query.next);
    if (res.locals.principal) return res.redirect(303, next);
    render(res, next, { username: '' });
  });

  router.post('/login', writeLimit, form, csrfProtect, async (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const next = sameOriginPath(body.next);
    const result = await signIn.attempt(req, res, { username: body.username, password: body.password }, changeContext(req, res));
    if (result.outcome === 'success') return redirectWithNotice(req, res, `Signed in as ${result.username}.`, next);
    const username = typeof body.username === 'string' ? body.username.slice(0, 64) : '';
    if (result.outcome === 'throttled') {
      res.set('Retry-After', String(result.retryAfterSeconds));
      return render(res, next, { username, message: MESSAGES.throttled(result.retryAfterSeconds) }, 429);
    }
    // 401 as the status a client can act on; the challenge names this form rather than Basic,
    // so no browser pops up its own password dialog.
    res.set('WWW-Authenticate', 'Form realm="product-catalog"');
    render(res, next, { username, message: MESSAGES[result.outcome] }, 401);
  });

  router.post('/logout', form, csrfProtect, async (req, res) => {
    if (res.locals.sessionIdHash) await sessions.delete(res.locals.sessionIdHash, changeContext(req, res));
    clearSessionCookie(req, res);
    res.locals.principal = undefined;
    redirectWithNotice(req, res, 'Signed out.', '/');
  });

  return router;
}
