import type { Logger } from './ops/logger.js';
import { SignInThrottle } from './auth/sign-in-throttle.js';
import { StoreUnavailableError } from './storage-errors.js';
import type { Stores } from './stores.js';

export interface SweepSettings {
  readonly sessionIdleMs: number;
  readonly auditRetentionDays: number;
  readonly trashRetentionDays: number;
  /** @default 5 minutes, with up to a fifth of it added at random so replicas spread out */
  readonly everyMs?: number;
}

const BATCH = 1000;
/** Batches per kind per run: a large backlog is cleared over several runs, never in one long burst. */
const MAX_BATCHES = 20;
const DAY_MS = 24 * 3_600_000;

export interface SweepCounts {
  readonly sessions: number;
  readonly signInFailures: number;
  readonly auditEvents: number;
  readonly pendingSignIns: number;
  readonly trashedProducts: number;
}

async function drain(sweep: () => Promise<number>): Promise<number> {
  let total = 0;
  for (let i = 0; i < MAX_BATCHES; i++) {
    const n = await sweep();
    total += n;
    if (n < BATCH) break;
  }
  return total;
}

/**
 * Removes what has expired: sessions past their timeouts, sign-in failures nobody needs, audit
 * events past AUDIT_RETENTION_DAYS (nothing else ever deletes them), single sign-ons abandoned at
 * the provider, products in the trash past TRASH_RETENTION_DAYS. Each is a bounded DELETE, so
 * every replica may run it at any time.
 */
export async function sweepOnce(stores: Stores, settings: SweepSettings, now = new Date()): Promise<SweepCounts> {
  const throttle = new SignInThrottle(stores.throttle);
  return {
    sessions: await drain(() => stores.sessions.sweep(now, new Date(now.getTime() - settings.sessionIdleMs), BATCH)),
    signInFailures: await drain(() => throttle.sweep(now, BATCH)),
    auditEvents: await drain(() => stores.audit.sweep(new Date(now.getTime() - settings.auditRetentionDays * DAY_MS), BATCH)),
    pendingSignIns: await drain(() => stores.pendingSignIns.sweep(now, BATCH)),
    trashedProducts: await drain(() => stores.products.sweepTrash(new Date(now.getTime() - settings.trashRetentionDays * DAY_MS), BATCH)),
  };
}

/** Runs sweepOnce now and then periodically until stopped. */
export function startSweeps(stores: Stores, settings: SweepSettings, logger: Logger): { stop(): void } {
  const every = settings.everyMs ?? 5 * 60_000;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const run = async () => {
    try {
      const counts = await sweepOnce(stores, settings);
      if (Object.values(counts).some((n) => n > 0)) logger.info(counts, 'swept expired records');
    } catch (error) {
      // The database may be down or not migrated yet; the next run tries again.
      logger[error instanceof StoreUnavailableError ? 'debug' : 'warn']({ err: error }, 'sweep failed');
    }
    if (!stopped) timer = setTimeout(run, every + Math.random() * every * 0.2).unref();
  };
  timer = setTimeout(run, Math.random() * every * 0.2).unref();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
