import { Router, type Request, type RequestHandler, type Response } from 'express';
import { HttpError, notFound, validationError } from '../http/errors.js';
import { changeContext } from '../http/locals.js';
import { jsonObject, requireJson } from '../catalog/api-routes.js';
import type { ApiToken, TokenStore, User, UserStore } from './accounts.js';
import type { AccountService } from './account-service.js';
import { apiRequires } from './authorize.js';
import { atLeast, NEEDS } from './roles.js';
import { caseSensitiveRouter } from '../http/routing.js';

export const userJson = (u: User) => ({
  username: u.username,
  role: u.role,
  disabled: u.disabled,
  disabledBy: u.disabled ? (u.disabledByClaims ? 'claims' : 'admin') : null,
  rolePinned: u.rolePinned,
  createdAt: u.createdAt.toISOString(),
  updatedAt: u.updatedAt.toISOString(),
});

export const tokenJson = (t: ApiToken) => ({
  id: t.id,
  name: t.name,
  owner: t.username,
  role: t.role,
  createdAt: t.createdAt.toISOString(),
  expiresAt: t.expiresAt?.toISOString() ?? null,
  lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
  revokedAt: t.revokedAt?.toISOString() ?? null,
});

function principalOf(res: Response) {
  const principal = res.locals.principal;
  if (!principal) throw new Error('route reached without authentication');
  return principal;
}

function tokenIdParam(req: Request): number {
  const raw = String(req.params.tokenId);
  if (!/^[1-9]\d{0,15}$/.test(raw)) throw validationError([{ field: 'tokenId', message: 'A token id is a positive whole number.' }], 'path');
  return Number(raw);
}

/** /api/me, the caller's tokens (everyone's for an admin), and accounts (admin). */
export function authApiRouter(users: UserStore, tokens: TokenStore, accounts: AccountService, writeLimit: RequestHandler): Router {
  const router = caseSensitiveRouter();
  const signedIn = apiRequires('viewer');
  const tokenKeeper = apiRequires(NEEDS.ownTokens);
  const admin = apiRequires(NEEDS.administer);
  const isAdmin = (res: Response) => atLeast(principalOf(res).role, NEEDS.administer);

  router.get('/api/me', signedIn, (_req, res) => {
    const p = principalOf(res);
    res.json({ username: p.username, role: p.role, via: p.via, tokenId: p.tokenId ?? null });
  });

  router.get('/api/tokens', tokenKeeper, async (req, res) => {
    const p = principalOf(res);
    const user = typeof req.query.user === 'string' ? req.query.user : undefined;
    if (user !== undefined && !isAdmin(res) && user.toLowerCase() !== p.username.toLowerCase()) {
      throw new HttpError('forbidden', "Only an admin may list another account's tokens.");
    }
    const ownerId = user === undefined ? p.userId : (await users.find(user))?.id;
    if (ownerId === undefined) throw notFound(`No account is named '${user}'.`);
    const list = await tokens.list(ownerId);
    res.json({ items: list.map(tokenJson) });
  });

  router.post('/api/tokens', tokenKeeper, writeLimit, requireJson, async (req, res) => {
    const p = principalOf(res);
    const { body, errors } = jsonObject(req, ['name', 'role', 'expiresInDays', 'user']);
    if (errors.length) throw validationError(errors);
    const owner = body.user === undefined ? p.username : String(body.user);
    if (owner.toLowerCase() !== p.username.toLowerCase() && !isAdmin(res)) {
      throw new HttpError('forbidden', 'Only an admin may create tokens for another account.');
    }
    const { token, record } = await accounts.createToken(owner, { name: body.name, role: body.role, expiresInDays: body.expiresInDays }, changeContext(req, res));
    res.status(201).location(`/api/tokens/${record.id}`).set('Cache-Control', 'no-store').json({ ...tokenJson(record), token });
  });

  router.delete('/api/tokens/:tokenId', tokenKeeper, writeLimit, async (req, res) => {
    const p = principalOf(res);
    await accounts.revokeToken(tokenIdParam(req), changeContext(req, res), isAdmin(res) ? undefined : p.userId);
    res.status(204).end();
  });

  router.get('/api/users', admin, async (_req, res) => {
    res.json({ items: (await users.list()).map(userJson) });
  });

  router.post('/api/users', admin, writeLimit, requireJson, async (req, res) => {
    const { body, errors } = jsonObject(req, ['username', 'role', 'password']);
    if (errors.length) throw validationError(errors);
    const user = await accounts.createUser(body as { username: unknown; role: unknown; password: unknown }, changeContext(req, res));
    res.status(201).location(`/api/users/${encodeURIComponent(user.username)}`).json(userJson(user));
  });

  router.patch('/api/users/:username', admin, writeLimit, requireJson, async (req, res) => {
    const { body, errors } = jsonObject(req, ['role', 'disabled', 'password', 'rolePinned']);
    if (errors.length) throw validationError(errors);
    const user = await accounts.updateUser(String(req.params.username), body, changeContext(req, res));
    res.json(userJson(user));
  });

  return router;
}
