import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { CookieOptions, Request, Response } from 'express';

/**
 * Over HTTPS the cookies carry the __Host- prefix: the browser then accepts them only with
 * Secure, Path=/ and no Domain, so no other site or subdomain can plant one.
 */
const cookieName = (req: Request, name: string) => (req.secure ? `__Host-${name}` : name);

const options = (req: Request, maxAgeMs: number): CookieOptions => ({
  httpOnly: true,
  sameSite: 'lax',
  secure: req.secure,
  path: '/',
  maxAge: maxAgeMs,
});

const SESSION = 'pc_session';
/** A single sign-on under way at the provider (see oidc-sign-in.ts). */
const SIGN_IN_ATTEMPT = 'pc_oidc';
const DEVICE = 'pc_device';
const DEVICE_MAX_AGE_MS = 365 * 24 * 3600_000;

/** A random id (256 bits) for a cookie; the server keeps only its SHA-256. */
export const newSessionId = (): string => randomBytes(32).toString('base64url');
export const hashSessionId = (id: string): Buffer => createHash('sha256').update(id).digest();

function readId(req: Request, name: string): string | undefined {
  const value: unknown = req.cookies?.[cookieName(req, name)];
  return typeof value === 'string' && /^[A-Za-z0-9_-]{43}$/.test(value) ? value : undefined;
}

const clear = (req: Request, res: Response, name: string) => res.clearCookie(cookieName(req, name), { ...options(req, 0), maxAge: undefined });

export const readSessionId = (req: Request): string | undefined => readId(req, SESSION);

export function setSessionCookie(req: Request, res: Response, id: string, maxAgeMs: number): void {
  res.cookie(cookieName(req, SESSION), id, options(req, maxAgeMs));
}

export function clearSessionCookie(req: Request, res: Response): void {
  clear(req, res, SESSION);
}

/**
 * The single sign-on under way in this browser. SameSite=Lax, so the browser sends it with the
 * provider's redirect back to the callback (a top-level GET from another site).
 */
export const readSignInAttemptId = (req: Request): string | undefined => readId(req, SIGN_IN_ATTEMPT);

export function setSignInAttemptCookie(req: Request, res: Response, id: string, maxAgeMs: number): void {
  res.cookie(cookieName(req, SIGN_IN_ATTEMPT), id, options(req, maxAgeMs));
}

export function clearSignInAttemptCookie(req: Request, res: Response): void {
  clear(req, res, SIGN_IN_ATTEMPT);
}

/**
 * "Device cookies" (OWASP): a browser that once signed in to an account carries a signed note of
 * it, and is exempt from that account's lock after failures from many clients, so an attacker
 * cannot lock the owner out. Signed with a key derived from the app's secret (the same on every
 * replica).
 */
export class TrustedDevices {
  readonly #key: Buffer;

  constructor(appSecret: string) {
    this.#key = Buffer.from(hkdfSync('sha256', appSecret, 'product-catalog', 'trusted device cookie', 32));
  }

  /** Whether this browser has signed in to account `userId` before. */
  isTrusted(req: Request, userId: number): boolean {
    const value: unknown = req.cookies?.[cookieName(req, DEVICE)];
    if (typeof value !== 'string') return false;
    const [id, nonce, mac] = value.split('.');
    if (id !== String(userId) || !nonce || !mac) return false;
    const expected = this.#mac(`${id}.${nonce}`);
    const given = Buffer.from(mac, 'base64url');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  remember(req: Request, res: Response, userId: number): void {
    const payload = `${userId}.${randomBytes(12).toString('base64url')}`;
    res.cookie(cookieName(req, DEVICE), `${payload}.${this.#mac(payload).toString('base64url')}`, options(req, DEVICE_MAX_AGE_MS));
  }

  #mac(payload: string): Buffer {
    return createHmac('sha256', this.#key).update(payload).digest();
  }
}
