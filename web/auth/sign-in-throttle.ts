import { createHash } from 'node:crypto';
import type { ThrottleStore } from './accounts.js';

/**
 * Failures for one account from one client: after the 5th the pair is locked for a minute, and
 * each further failure doubles the lock, up to 15 minutes. Failures for one account from any
 * client: after the 20th the account is locked for 30 s, doubling up to 15 minutes, except for
 * browsers that signed in to it before (TrustedDevices). Failures are forgotten after a day
 * without one.
 */
export const THROTTLE_POLICY = {
  pair: { freeFailures: 4, baseLockMs: 60_000 },
  account: { freeFailures: 19, baseLockMs: 30_000 },
  maxLockMs: 15 * 60_000,
  forgetAfterMs: 24 * 3600_000,
} as const;

const lockAfter = (free: number, baseMs: number) => (failures: number) =>
  failures <= free ? 0 : Math.min(baseMs * 2 ** (failures - free - 1), THROTTLE_POLICY.maxLockMs);

/** Any typed name makes a key of fixed length and plain ASCII, whatever it holds. */
const nameKey = (username: string) => createHash('sha256').update(username.trim().toLowerCase()).digest('hex');

export interface Attempt {
  readonly username: string;
  readonly clientIp: string;
  /** The browser signed in to this account before: the account-wide lock does not apply. */
  readonly trustedDevice: boolean;
}

/** Sign-in throttling on a store shared by every replica. */
export class SignInThrottle {
  constructor(private readonly store: ThrottleStore) {}

  /** Seconds the attempt must wait, or 0 when it may go ahead. */
  async retryAfterSeconds(attempt: Attempt, now = new Date()): Promise<number> {
    const keys = this.#keys(attempt);
    const records = await Promise.all(keys.map((key) => this.store.get(key)));
    const until = Math.max(0, ...records.map((r) => r?.lockedUntil?.getTime() ?? 0));
    return until > now.getTime() ? Math.ceil((until - now.getTime()) / 1000) : 0;
  }

  async failed(attempt: Attempt, now = new Date()): Promise<void> {
    const forgetBefore = new Date(now.getTime() - THROTTLE_POLICY.forgetAfterMs);
    const { pair, account } = THROTTLE_POLICY;
    await this.store.addFailure(this.#pairKey(attempt), now, forgetBefore, lockAfter(pair.freeFailures, pair.baseLockMs));
    await this.store.addFailure(this.#accountKey(attempt), now, forgetBefore, lockAfter(account.freeFailures, account.baseLockMs));
  }

  /** A successful sign-in clears its pair; the account's count decays on its own. */
  async succeeded(attempt: Attempt): Promise<void> {
    await this.store.reset(this.#pairKey(attempt));
  }

  sweep(now: Date, batch: number): Promise<number> {
    return this.store.sweep(new Date(now.getTime() - THROTTLE_POLICY.forgetAfterMs), batch);
  }

  #keys(attempt: Attempt): string[] {
    return attempt.trustedDevice ? [this.#pairKey(attempt)] : [this.#pairKey(attempt), this.#accountKey(attempt)];
  }

  #pairKey = (a: Attempt) => `p:${nameKey(a.username)}:${a.clientIp.slice(0, 64)}`;
  #accountKey = (a: Attempt) => `a:${nameKey(a.username)}`;
}
