import { codePointLength } from '../catalog/validation.js';

/** Account names: what people type to sign in, and what the audit trail shows. */
export const USERNAME_MAX = 64;
/** A whole valid username. */
export const USERNAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** NIST SP 800-63B: at least 12 characters (this app's floor), at most 256, no composition rules. */
export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 256;

type Result<T> = { ok: true; value: T } | { ok: false; error: string };

export function checkUsername(value: unknown): Result<string> {
  if (typeof value !== 'string' || value.trim() === '') return { ok: false, error: 'Username is required.' };
  const name = value.trim();
  if (name.length > USERNAME_MAX) return { ok: false, error: `Username must be at most ${USERNAME_MAX} characters (it has ${codePointLength(name)}).` };
  if (!USERNAME_PATTERN.test(name)) {
    return { ok: false, error: "Username may use only letters A-Z, digits, '.', '_' and '-'." };
  }
  return { ok: true, value: name };
}

/** Words of this app a password must not be, whatever the case. */
const CONTEXT_WORDS = ['product-catalog', 'productcatalog', 'product catalog', 'catalog', 'webapp-sql1'];

let common: Promise<ReadonlySet<string>> | undefined;

/** zxcvbn-ts's list of ~49,000 common passwords, loaded on first use. */
function commonPasswords(): Promise<ReadonlySet<string>> {
  common ??= import('@zxcvbn-ts/language-common').then(
    ({ dictionary }) => new Set((dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase())),
  );
  return common;
}

/** One character repeated, or a run like "123456789012" or "abcdefghijkl": guessed first by any attacker. */
function isRepetitiveOrSequential(password: string): boolean {
  const points = [...password].map((c) => c.codePointAt(0)!);
  const steps = new Set(points.slice(1).map((p, i) => p - points[i]!));
  return steps.size === 1 && [...steps].every((step) => Math.abs(step) <= 1);
}

/**
 * Checks a new password as NIST SP 800-63B asks: length in characters after NFKC normalisation,
 * no composition rules, and refused when it is the username, an app word, a common password, or
 * one character repeated or counted up or down. Returns the normalised password to hash.
 */
export async function checkNewPassword(value: unknown, username: string): Promise<Result<string>> {
  if (typeof value !== 'string' || value === '') return { ok: false, error: 'Password is required.' };
  if (!value.isWellFormed()) return { ok: false, error: 'Password contains invalid Unicode (a lone surrogate).' };
  const password = normalizePassword(value);
  const length = codePointLength(password);
  if (length < PASSWORD_MIN) return { ok: false, error: `Password must be at least ${PASSWORD_MIN} characters (it has ${length}).` };
  if (length > PASSWORD_MAX) return { ok: false, error: `Password must be at most ${PASSWORD_MAX} characters (it has ${length}).` };
  const lower = password.toLowerCase();
  if (lower === username.toLowerCase()) return { ok: false, error: 'Password must not be the username.' };
  if (CONTEXT_WORDS.includes(lower) || isRepetitiveOrSequential(password) || (await commonPasswords()).has(lower)) {
    return { ok: false, error: 'This password is too easy to guess (it is on a list of common passwords or a simple pattern). Choose another; a few unrelated words make a good one.' };
  }
  return { ok: true, value: password };
}

/** The same password typed on another keyboard or system must give the same bytes (NIST: NFKC). */
export const normalizePassword = (password: string): string => password.normalize('NFKC');
