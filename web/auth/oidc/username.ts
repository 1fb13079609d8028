import { createHash, randomBytes } from 'node:crypto';
import { USERNAME_MAX } from '../credentials-rules.js';

/**
 * The username to give an account provisioned at its first single sign-on: `preferred_username`,
 * else `email`, taking the part before any '@' (Entra ID sends the UPN, alice@contoso.com, as
 * preferred_username), with accents dropped and every other disallowed run turned into '-'.
 * When nothing usable is left, `user-` and a hash of issuer and subject. The name is only a
 * label: the account is found again by (issuer, sub), never by this name.
 */
export function proposeUsername(claims: Readonly<Record<string, unknown>>, issuer: string): string {
  for (const claim of ['preferred_username', 'email']) {
    const value = claims[claim];
    if (typeof value !== 'string') continue;
    const name = normalise(value.includes('@') ? value.slice(0, value.lastIndexOf('@')) : value);
    if (name !== '') return name;
  }
  const digest = createHash('sha256').update(`${issuer}\n${String(claims.sub)}`).digest('hex');
  return `user-${digest.slice(0, 12)}`;
}

/**
 * Names to try, in order, until one is free: `name`, `name-2` ... `name-9`, then three with a
 * random suffix. Each fits the username rules. The caller inserts each in turn and moves on when
 * the unique index refuses it, which also settles two first sign-ins racing for one name.
 */
export function usernameCandidates(name: string): string[] {
  const suffixes = ['', ...Array.from({ length: 8 }, (_, i) => `-${i + 2}`)];
  for (let i = 0; i < 3; i++) suffixes.push(`-${randomBytes(4).toString('hex')}`);
  return suffixes.map((suffix) => `${trimEnds(name.slice(0, USERNAME_MAX - suffix.length))}${suffix}`);
}

function normalise(text: string): string {
  const ascii = text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-');
  return trimEnds(trimEnds(ascii).slice(0, USERNAME_MAX));
}

/** Separators at either end look like typing mistakes in a name. */
const trimEnds = (name: string) => name.replace(/^[-._]+|[-._]+$/g, '');
