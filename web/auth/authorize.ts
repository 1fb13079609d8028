import type { Request, RequestHandler, Response } from 'express';
import { HttpError } from '../http/errors.js';
import { BEARER_REALM, tokenRefused } from './authenticate.js';
import { atLeast, type Role } from './roles.js';

const signInPath = (next: string) => `/login?next=${encodeURIComponent(next)}`;

/** Where a page visitor goes back to after signing in: the page they asked for, or the list for a form post. */
const returnPath = (req: Request) => (req.method === 'GET' || req.method === 'HEAD' ? req.originalUrl : '/');

/**
 * API routes that need `role`: anonymous gets 401 with a Bearer challenge, a token or account
 * with a lower role gets 403. Checked on the server for every request, whatever a client shows.
 */
export function apiRequires(role: Role): RequestHandler {
  return (_req, res, next) => {
    const principal = res.locals.principal;
    if (!principal) {
      throw new HttpError('unauthorized', 'Send an API token: "Authorization: Bearer pc_...".', { headers: { 'WWW-Authenticate': BEARER_REALM } });
    }
    if (!atLeast(principal.role, role)) {
      throw tokenRefused(`This needs the ${role} role; the request acts as ${principal.role}.`, 'insufficient_scope', 'forbidden');
    }
    next();
  };
}

/** Pages that need `role`: anonymous visitors are sent to sign in (303), others without the role get 403. */
export function pageRequires(role: Role): RequestHandler {
  return (req, res, next) => {
    const principal = res.locals.principal;
    if (!principal) return res.redirect(303, signInPath(returnPath(req)));
    if (!atLeast(principal.role, role)) {
      throw new HttpError('forbidden', `This needs the ${role} role; you are signed in as ${principal.username} (${principal.role}).`);
    }
    next();
  };
}

/** Whether the page's visitor may do what `role` may (to show or hide controls; the server checks again). */
export const pageAllows = (res: Response, role: Role): boolean => !!res.locals.principal && atLeast(res.locals.principal.role, role);
