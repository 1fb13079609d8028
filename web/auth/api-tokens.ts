import { createHash, randomBytes } from 'node:crypto';

/** Every token starts with this, so secret scanners (and people) can recognise a leaked one. */
export const TOKEN_PREFIX = 'pc_';
/** 32 random bytes: 256 bits, as base64url 43 characters. */
const TOKEN_BYTES = 32;
const TOKEN_PATTERN = /^pc_[A-Za-z0-9_-]{43}$/;

export const TOKEN_NAME_MAX = 100;
/** The longest a token may be made to last, in days. */
export const TOKEN_EXPIRY_DAYS_MAX = 3650;
/** A token's last use is written at most this often, so reading with it stays one query. */
export const LAST_USED_PRECISION_MS = 60_000;

/** Only this is stored: the token cannot be recovered from it. */
export const hashToken = (token: string): Buffer => createHash('sha256').update(token).digest();

export function newToken(): { token: string; hash: Buffer } {
  const token = TOKEN_PREFIX + randomBytes(TOKEN_BYTES).toString('base64url');
  return { token, hash: hashToken(token) };
}

export const looksLikeToken = (value: string): boolean => TOKEN_PATTERN.test(value);
