import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import type { AuditValues } from '../audit/audit-event.js';
import { changeContext } from '../http/locals.js';
import { redirectWithNotice } from '../http/notice.js';
import { sameOriginPath } from '../http/safe-redirect.js';
import { BODY_LIMIT_BYTES } from '../limits.js';
import type { SessionStore } from './accounts.js';
import type { LocalLoginConfig } from './oidc/oidc-config.js';
import { START_PATH, type OidcSignIn } from './oidc/oidc-sign-in.js';
import { clearSessionCookie } from './session-cookies.js';
import type { SignIn } from './sign-in.js';
import { caseSensitiveRouter } from '../http/routing.js';

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

/** Renders /login: the single sign-on button (a link), the password form where it is allowed, and a message. */
export type SignInPage = (req: Request, res: Response, page: { next: string; form: SignInForm; status?: number }) => void;

/**
 * The sign-in page for these settings. With LOCAL_LOGIN=false the password form is hidden; with a
 * break-glass admin named, /login?method=password shows it (and a refused attempt shows it again).
 */
export function signInPage(localLogin: LocalLoginConfig, oidc: OidcSignIn | undefined): SignInPage {
  return (req, res, { next, form, status = 200 }) => {
    const breakGlass = !!localLogin.breakGlassUser && (req.method === 'POST' || req.query.method === 'password');
    res.status(status).set('Cache-Control', 'no-store').render('login', {
      form,
      next,
      passwordForm: localLogin.enabled || breakGlass,
      sso: oidc && { label: oidc.buttonLabel, href: `${START_PATH}?next=${encodeURIComponent(next)}` },
    });
  };
}

/** /login (the form and its POST) and /logout: the only pages open when PUBLIC_READ is false. */
export function signInRouter(
  signIn: SignIn,
  sessions: SessionStore,
  render: SignInPage,
  csrfProtect: RequestHandler,
  writeLimit: RequestHandler,
  oidc?: OidcSignIn,
): Router {
  const router = caseSensitiveRouter();
  const form = express.urlencoded({ extended: false, limit: BODY_LIMIT_BYTES, parameterLimit: 10 });

  router.get('/login', (req, res) => {
    const next = sameOriginPath(req.query.next);
    if (res.locals.principal) return res.redirect(303, next);
    render(req, res, { next, form: { username: '' } });
  });

  router.post('/login', writeLimit, form, csrfProtect, async (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const next = sameOriginPath(body.next);
    const result = await signIn.attempt(req, res, { username: body.username, password: body.password }, changeContext(req, res));
    if (result.outcome === 'success') return redirectWithNotice(req, res, `Signed in as ${result.username}.`, next);
    const username = typeof body.username === 'string' ? body.username.slice(0, 64) : '';
    if (result.outcome === 'throttled') {
      res.set('Retry-After', String(result.retryAfterSeconds));
      return render(req, res, { next, form: { username, message: MESSAGES.throttled(result.retryAfterSeconds) }, status: 429 });
    }
    // 401 as the status a client can act on; the challenge names this form rather than Basic,
    // so no browser pops up its own password dialog.
    res.set('WWW-Authenticate', 'Form realm="product-catalog"');
    render(req, res, { next, form: { username, message: MESSAGES[result.outcome] }, status: 401 });
  });

  router.post('/logout', form, csrfProtect, async (req, res) => {
    // A single sign-on session also ends at the provider when it publishes end_session_endpoint.
    const link = res.locals.oidcSession;
    const endSession = link && oidc?.endSessionUrl(req, link);
    if (res.locals.sessionIdHash) {
      const details: AuditValues = link ? { method: 'oidc', providerSignOut: endSession !== undefined } : { method: 'password' };
      await sessions.delete(res.locals.sessionIdHash, changeContext(req, res), details);
    }
    clearSessionCookie(req, res);
    res.locals.principal = undefined;
    redirectWithNotice(req, res, 'Signed out.', endSession?.href ?? '/');
  });

  return router;
}
