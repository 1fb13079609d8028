import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { toHttpError } from '../http/error-handler.js';
import { changeContext } from '../http/locals.js';
import { redirectWithNotice, takeNotice } from '../http/notice.js';
import { BODY_LIMIT_BYTES } from '../limits.js';
import type { ApiToken, TokenStore } from './accounts.js';
import type { AccountService } from './account-service.js';
import { TOKEN_NAME_MAX } from './api-tokens.js';
import { pageAllows, pageRequires } from './authorize.js';
import { PASSWORD_MIN } from './credentials-rules.js';
import { atLeast, NEEDS, ROLES } from './roles.js';
import { caseSensitiveRouter } from '../http/routing.js';

const tokenStatus = (t: ApiToken, now: Date) => (t.revokedAt ? 'revoked' : t.expiresAt && t.expiresAt <= now ? 'expired' : 'active');

/** /account: the signed-in user's password and (editors and admins) their API tokens. */
export function accountRouter(tokens: TokenStore, accounts: AccountService, csrfProtect: RequestHandler, writeLimit: RequestHandler): Router {
  const router = caseSensitiveRouter();
  const form = express.urlencoded({ extended: false, limit: BODY_LIMIT_BYTES, parameterLimit: 10 });
  const signedIn = pageRequires('viewer');
  const tokenKeeper = pageRequires(NEEDS.ownTokens);

  async function render(req: Request, res: Response, extra: { errors?: Record<string, string>; newToken?: { name: string; token: string } } = {}, status = 200) {
    const principal = res.locals.principal!;
    const canHaveTokens = pageAllows(res, NEEDS.ownTokens);
    const now = new Date();
    const list = canHaveTokens ? await tokens.list(principal.userId) : [];
    res.status(status).set('Cache-Control', 'no-store').render('account', {
      principal,
      hasPassword: await accounts.hasPassword(principal.username),
      notice: takeNotice(req, res),
      errors: extra.errors ?? {},
      newToken: extra.newToken,
      canHaveTokens,
      tokens: list.map((t) => ({ ...t, status: tokenStatus(t, now) })),
      tokenRoles: ROLES.filter((r) => atLeast(principal.role, r)),
      limits: { passwordMin: PASSWORD_MIN, tokenNameMax: TOKEN_NAME_MAX },
    });
  }

  /** A user's mistake shows on the page with status 4xx; anything else goes to the error handler. */
  async function orRender(req: Request, res: Response, field: 'password' | 'token', work: () => Promise<void>) {
    try {
      await work();
    } catch (error) {
      const http = toHttpError(error);
      if (http.status >= 500) throw error;
      await render(req, res, { errors: { [field]: http.message } }, http.status);
    }
  }

  router.get('/account', signedIn, (req, res) => render(req, res));

  router.post('/account/password', writeLimit, signedIn, form, csrfProtect, (req, res) =>
    orRender(req, res, 'password', async () => {
      const body = req.body as Record<string, unknown>;
      await accounts.changeOwnPassword(res.locals.principal!.username, body.current_password, body.new_password, changeContext(req, res), res.locals.sessionIdHash);
      redirectWithNotice(req, res, 'Password changed. Your other sessions have ended.', '/account');
    }),
  );

  router.post('/account/tokens', writeLimit, tokenKeeper, form, csrfProtect, (req, res) =>
    orRender(req, res, 'token', async () => {
      const body = req.body as Record<string, unknown>;
      const days = body.expires_in_days === 'never' ? null : Number(body.expires_in_days);
      const { token, record } = await accounts.createToken(
        res.locals.principal!.username,
        { name: body.name, role: body.role, expiresInDays: days },
        changeContext(req, res),
      );
      await render(req, res, { newToken: { name: record.name, token } }, 201);
    }),
  );

  router.post('/account/tokens/:tokenId/revoke', writeLimit, tokenKeeper, form, csrfProtect, (req, res) =>
    orRender(req, res, 'token', async () => {
      const id = /^[1-9]\d{0,15}$/.test(String(req.params.tokenId)) ? Number(req.params.tokenId) : 0;
      const revoked = await accounts.revokeToken(id, changeContext(req, res), res.locals.principal!.userId);
      redirectWithNotice(req, res, `Revoked token “${revoked.name}”.`, '/account');
    }),
  );

  return router;
}
