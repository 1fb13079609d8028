import { argon2, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * argon2id at OWASP's recommended minimum (Password Storage Cheat Sheet: m = 19 MiB, t = 2,
 * p = 1). Each hash keeps its own parameters (PHC string format), so raising these later rehashes
 * every account at its next sign-in.
 */
export const CURRENT_PARAMETERS: Argon2Parameters = { memoryKiB: 19_456, passes: 2, parallelism: 1 };

export interface Argon2Parameters {
  readonly memoryKiB: number;
  readonly passes: number;
  readonly parallelism: number;
}

const SALT_BYTES = 16;
const TAG_BYTES = 32;
/** Hashes at once per process: each holds memoryKiB, so a burst of sign-ins cannot exhaust the pod's memory. */
const MAX_CONCURRENT = 2;

interface Parsed extends Argon2Parameters {
  readonly salt: Buffer;
  readonly hash: Buffer;
}

const PHC = /^\$argon2id\$v=19\$m=(\d{1,7}),t=(\d{1,3}),p=(\d{1,2})\$([A-Za-z0-9+/]{16,})\$([A-Za-z0-9+/]{16,})$/;

function parse(phc: string): Parsed | undefined {
  const m = PHC.exec(phc);
  if (!m) return undefined;
  return {
    memoryKiB: Number(m[1]),
    passes: Number(m[2]),
    parallelism: Number(m[3]),
    salt: Buffer.from(m[4]!, 'base64'),
    hash: Buffer.from(m[5]!, 'base64'),
  };
}

const b64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');

let running = 0;
let runs = 0;
const waiting: Array<() => void> = [];

/** argon2 computations so far in this process: a sign-in does one whether or not the name exists. */
export const passwordHashRuns = (): number => runs;

async function derive(password: string, salt: Buffer, p: Argon2Parameters, length: number): Promise<Buffer> {
  if (running >= MAX_CONCURRENT) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  runs++;
  try {
    return await new Promise<Buffer>((resolve, reject) =>
      argon2(
        'argon2id',
        { message: password, nonce: salt, parallelism: p.parallelism, tagLength: length, memory: p.memoryKiB, passes: p.passes },
        (error, key) => (error ? reject(error) : resolve(key)),
      ),
    );
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** A PHC string for `password` (already normalised) with a fresh salt. */
export async function hashPassword(password: string, parameters: Argon2Parameters = CURRENT_PARAMETERS): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, parameters, TAG_BYTES);
  const { memoryKiB: m, passes: t, parallelism: p } = parameters;
  return `$argon2id$v=19$m=${m},t=${t},p=${p}$${b64(salt)}$${b64(hash)}`;
}

/** Whether `password` matches the stored hash; a malformed hash never matches. */
export async function verifyPassword(password: string, phc: string): Promise<boolean> {
  const parsed = parse(phc);
  if (!parsed) return false;
  const computed = await derive(password, parsed.salt, parsed, parsed.hash.length);
  return timingSafeEqual(computed, parsed.hash);
}

/** Whether a stored hash was made with other parameters than today's. */
export function needsRehash(phc: string, parameters: Argon2Parameters = CURRENT_PARAMETERS): boolean {
  const parsed = parse(phc);
  return !parsed || parsed.memoryKiB !== parameters.memoryKiB || parsed.passes !== parameters.passes || parsed.parallelism !== parameters.parallelism;
}

let dummy: Promise<string> | undefined;

/**
 * Spends the time a real check takes, for a name with no account (or no password), so the
 * answer's timing does not tell which names exist.
 */
export async function verifyAgainstNothing(password: string): Promise<false> {
  dummy ??= hashPassword(randomBytes(18).toString('base64'));
  await verifyPassword(password, await dummy);
  return false;
}
