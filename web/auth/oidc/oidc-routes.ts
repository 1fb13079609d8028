import { Router, type RequestHandler } from 'express';
import { UNAVAILABLE_RETRY_SECONDS } from '../../http/error-handler.js';
import { changeContext } from '../../http/locals.js';
import { redirectWithNotice } from '../../http/notice.js';
import { sameOriginPath } from '../../http/safe-redirect.js';
import type { SignInPage } from '../sign-in-routes.js';
import { CALLBACK_PATH, START_PATH, type CallbackResult, type OidcSignIn } from './oidc-sign-in.js';
import { OidcError, type OidcErrorKind } from './oidc-error.js';
import { caseSensitiveRouter } from '../../http/routing.js';

const START_AGAIN = 'Start again with the button below.';

/** What the page says, with its status, for each way a single sign-on can fail. */
const FAILURES: Readonly<Record<OidcErrorKind | Exclude<CallbackResult['outcome'], 'success' | 'failed'>, readonly [number, string]>> = {
  'provider-unreachable': [503, 'The identity provider cannot be reached right now. Try again in a moment.'],
  'provider-misconfigured': [502, 'The identity provider is not set up correctly for this catalog. Tell an administrator.'],
  'invalid-pending': [400, `This sign-in has expired or was already used. ${START_AGAIN}`],
  expired: [400, `This sign-in took too long and has expired. ${START_AGAIN}`],
  'invalid-callback': [400, `The identity provider's answer does not belong to the sign-in this browser started. ${START_AGAIN}`],
  'provider-refused': [403, 'The identity provider did not sign you in (it refused, or the sign-in was cancelled).'],
  'token-refused': [502, `The identity provider refused to complete the sign-in. ${START_AGAIN}`],
  'id-token-rejected': [502, `The identity provider's answer could not be verified, so you were not signed in. ${START_AGAIN}`],
  'invalid-response': [502, `The identity provider's answer could not be used, so you were not signed in. ${START_AGAIN}`],
  'no-mapped-group': [403, 'Your account at the identity provider is in no group that gives access to this catalog. Ask an administrator.'],
  disabled: [403, 'This account is disabled. Ask an administrator to enable it.'],
  'no-free-username': [409, 'No username could be found for your account. Tell an administrator.'],
  'last-admin': [
    409,
    'Your groups at the identity provider no longer make you an admin, but you are the last enabled admin here, so nothing changed and you were not signed in. Ask an operator to make another admin first.',
  ],
};

/**
 * GET /auth/oidc/start (the sign-in button, a plain link) and GET /auth/oidc/callback (where the
 * provider sends the browser back). Mounted only when single sign-on is configured, so both are
 * 404 otherwise. Failures show the sign-in page with what went wrong; password sign-in, where
 * allowed, stays on it.
 */
export function oidcRouter(oidc: OidcSignIn, render: SignInPage, writeLimit: RequestHandler): Router {
  const router = caseSensitiveRouter();

  const fail = (req: Parameters<SignInPage>[0], res: Parameters<SignInPage>[1], why: keyof typeof FAILURES, next = '/') => {
    const [status, message] = FAILURES[why];
    if (status === 503) res.set('Retry-After', String(UNAVAILABLE_RETRY_SECONDS));
    render(req, res, { next, form: { username: '', message }, status });
  };

  // Each start stores a sign-in under way: limited like the writes it is.
  router.get(START_PATH, writeLimit, async (req, res) => {
    const next = sameOriginPath(req.query.next);
    try {
      const url = await oidc.begin(req, res, next);
      res.set('Cache-Control', 'no-store').redirect(303, url.href);
    } catch (error) {
      if (!(error instanceof OidcError)) throw error;
      fail(req, res, error.kind, next);
    }
  });

  router.get(CALLBACK_PATH, writeLimit, async (req, res) => {
    const result = await oidc.complete(req, res, changeContext(req, res));
    if (result.outcome === 'success') {
      res.set('Cache-Control', 'no-store');
      return redirectWithNotice(req, res, result.provisioned ? `Welcome, ${result.username}: your account was created.` : `Signed in as ${result.username}.`, result.next);
    }
    fail(req, res, result.outcome === 'failed' ? result.kind : result.outcome);
  });

  return router;
}
