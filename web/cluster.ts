import cluster, { type Worker } from 'node:cluster';
import type { Server } from 'node:http';
import { AggregatorRegistry } from 'prom-client';
import type { Config } from './config.js';
import { HttpError } from './http/errors.js';
import type { Readiness } from './mysql/database.js';
import type { Logger } from './ops/logger.js';
import type { Metrics } from './ops/metrics.js';

/**
 * WEB_CONCURRENCY > 1: a primary process forks that many workers, which share the port (node's
 * cluster hands each accepted connection to one of them in turn) and each run the whole app with
 * a database pool of their own. The primary serves no request itself. It hands the workers what
 * they must share (a generated CSRF secret), forwards SIGTERM/SIGINT to them, replaces a worker
 * that dies, and answers the two questions one worker cannot answer alone: is every worker
 * ready, and what are the counts of all of them (/readyz and /metrics).
 *
 * Those questions travel over the cluster's IPC channel: the worker that receives the request
 * asks the primary, the primary asks every serving worker for its own part, merges the parts
 * (prom-client's AggregatorRegistry for metrics) and answers the worker that asked.
 */

/** MySQL's and MariaDB's default max_connections; a larger total needs the server set up for it. */
const DATABASE_DEFAULT_MAX_CONNECTIONS = 151;
/** How long the primary waits for each worker's part of an answer. */
const GATHER_TIMEOUT_MS = 2000;
/** A worker still running this long after its grace period is killed: its own deadline has already passed. */
const EXIT_SLACK_MS = 5000;

type Question = 'readiness' | 'metrics';

/** Messages of this module on the IPC channel; `pc` tells them apart from node's own and other libraries'. */
type Message =
  /** worker -> primary: answer this for the whole server. */
  | { readonly pc: 'ask'; readonly id: number; readonly about: Question }
  /** primary -> worker: send your own part. */
  | { readonly pc: 'report'; readonly id: number; readonly about: Question }
  /** worker -> primary (`reported`) and primary -> worker (`answer`). */
  | { readonly pc: 'reported' | 'answer'; readonly id: number; readonly value?: unknown; readonly error?: string };

const isMessage = (m: unknown): m is Message => typeof m === 'object' && m !== null && 'pc' in m;

/** Request/response over one IPC channel, each request bounded by `timeoutMs`. */
function exchange(send: (message: Message) => void, timeoutMs: number, silence: string) {
  const waiting = new Map<number, (reply: Extract<Message, { pc: 'reported' | 'answer' }>) => void>();
  let nextId = 0;
  return {
    request(pc: 'ask' | 'report', about: Question): Promise<unknown> {
      return new Promise((resolve, reject) => {
        const id = nextId++;
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error(`${silence} within ${timeoutMs} ms`));
        }, timeoutMs);
        timer.unref();
        waiting.set(id, (reply) => {
          clearTimeout(timer);
          waiting.delete(id);
          if (reply.error !== undefined) reject(new Error(reply.error));
          else resolve(reply.value);
        });
        send({ pc, id, about });
      });
    },
    settle(reply: Extract<Message, { pc: 'reported' | 'answer' }>): void {
      waiting.get(reply.id)?.(reply);
    },
  };
}

/** A warning when the workers' pools together may open more connections than a database allows by default. */
export function connectionsWarning(workers: number, poolSize: number): string | undefined {
  const connections = workers * poolSize;
  if (connections <= DATABASE_DEFAULT_MAX_CONNECTIONS) return undefined;
  return (
    `${workers} workers x MYSQL_POOL_SIZE ${poolSize} may open ${connections} database connections, more than ` +
    `MySQL's and MariaDB's default max_connections (${DATABASE_DEFAULT_MAX_CONNECTIONS}): raise it on the server or lower MYSQL_POOL_SIZE`
  );
}

/** True in the primary of a server with more than one worker: it runs `runPrimary` instead of the app. */
export const isClusterPrimary = (config: Config): boolean => config.workers > 1 && cluster.isPrimary;

/** Forks `config.workers` workers and looks after them until SIGTERM/SIGINT, then stops them gracefully. */
export function runPrimary(config: Config, logger: Logger): void {
  const warning = connectionsWarning(config.workers, config.mysql?.poolSize ?? 0);
  if (warning) logger.warn(warning);
  // Every worker must accept the forms the others rendered, so a secret generated here is shared.
  const env = config.csrfSecretGenerated ? { CSRF_SECRET: config.csrfSecret } : {};
  const alive = new Set<Worker>();
  const serving = new Set<Worker>();
  const channels = new Map<Worker, ReturnType<typeof exchange>>();
  let stopping = false;
  let failed = false;
  let backstop: NodeJS.Timeout | undefined;

  const stop = (reason: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason, graceMs: config.shutdownGraceMs }, 'stopping the workers');
    for (const worker of alive) worker.process.kill('SIGTERM');
    backstop = setTimeout(() => {
      logger.error({ workers: [...alive].map((w) => w.id) }, 'workers still running after the grace period: killing them');
      failed = true;
      for (const worker of alive) worker.process.kill('SIGKILL');
    }, config.shutdownGraceMs + EXIT_SLACK_MS);
    backstop.unref();
  };

  const fork = () => {
    const worker = cluster.fork(env);
    alive.add(worker);
    const channel = exchange(
      (message) => worker.isConnected() && worker.send(message),
      GATHER_TIMEOUT_MS,
      `worker ${worker.id} did not answer`,
    );
    channels.set(worker, channel);
    worker.once('listening', () => serving.add(worker));
    worker.on('message', (message: unknown) => {
      if (!isMessage(message)) return;
      if (message.pc === 'reported') channel.settle(message);
      else if (message.pc === 'ask') void answer(worker, message.id, message.about);
    });
    worker.once('exit', (code, signal) => {
      alive.delete(worker);
      channels.delete(worker);
      const served = serving.delete(worker);
      if (stopping) {
        if (code !== 0) failed = true;
        if (alive.size === 0) {
          clearTimeout(backstop);
          process.exitCode = failed ? 1 : 0;
          logger.info('all workers stopped');
          logger.flush();
        }
      } else if (!served) {
        // It failed before listening (the port is taken, say): another would fail the same way.
        logger.error({ worker: worker.id, code, signal }, 'a worker failed to start');
        failed = true;
        stop('a worker failed to start');
      } else {
        logger.error({ worker: worker.id, code, signal }, 'a worker stopped unexpectedly: starting another');
        fork();
      }
    });
  };

  const gather = async (about: Question): Promise<unknown> => {
    const workers = [...serving].filter((w) => w.isConnected());
    const parts = workers.map((w) => channels.get(w)!.request('report', about));
    if (about === 'metrics') return AggregatorRegistry.aggregate(await Promise.all(parts) as object[]).metrics();
    const states = await Promise.all(parts.map((p) => p.then((s) => s as Readiness, (e: Error) => ({ ready: false, reason: e.message }))));
    const notReady = states.find((s): s is Extract<Readiness, { ready: false }> => !s.ready);
    if (notReady) return notReady;
    if (workers.length < config.workers) return { ready: false, reason: `${workers.length} of ${config.workers} workers are serving.` };
    return { ready: true };
  };

  const answer = async (worker: Worker, id: number, about: Question) => {
    const reply = await gather(about).then(
      (value) => ({ pc: 'answer', id, value }) as const,
      (error: Error) => ({ pc: 'answer', id, error: error.message }) as const,
    );
    if (worker.isConnected()) worker.send(reply);
  };

  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => stop(signal));
  logger.info({ workers: config.workers, port: config.port }, `starting ${config.workers} workers`);
  for (let i = 0; i < config.workers; i++) fork();
}

/** What the app needs to know of the cluster it runs in, if any. */
export interface ClusterMember {
  /** The whole server's readiness: in a worker, every worker's; otherwise this process's own. */
  readonly readiness: () => Promise<Readiness>;
  /** Call once listening: a worker leaves the cluster when its server closes, so it can exit. */
  attach(server: Server): void;
}

/**
 * In a worker: answers the primary's requests for this worker's readiness and metrics, and makes
 * /readyz and /metrics answer for all workers. Outside a cluster it changes nothing.
 */
export function joinCluster(own: { readonly readiness: () => Promise<Readiness>; readonly metrics: Metrics }): ClusterMember {
  if (!cluster.isWorker) return { readiness: own.readiness, attach: () => undefined };
  const send = (message: Message) => process.connected && process.send!(message);
  // Longer than the primary's own wait, so its more precise reason arrives first.
  const primary = exchange(send, GATHER_TIMEOUT_MS * 2, 'the primary process did not answer');
  const report = async (id: number, about: Question) => {
    const reply = await (about === 'readiness' ? own.readiness() : own.metrics.registry.getMetricsAsJSON()).then(
      (value) => ({ pc: 'reported', id, value }) as const,
      (error: Error) => ({ pc: 'reported', id, error: error.message }) as const,
    );
    send(reply);
  };
  process.on('message', (message: unknown) => {
    if (!isMessage(message)) return;
    if (message.pc === 'answer') primary.settle(message);
    else if (message.pc === 'report') void report(message.id, message.about);
  });
  own.metrics.aggregateWith(() =>
    primary.request('ask', 'metrics').then(
      (text) => text as string,
      (error: Error) => {
        throw new HttpError('metrics-unavailable', `The workers' metrics could not be gathered: ${error.message}.`);
      },
    ),
  );
  return {
    readiness: () =>
      primary.request('ask', 'readiness').then(
        (state) => state as Readiness,
        (error: Error) => ({ ready: false, reason: `Readiness of the workers unknown: ${error.message}.` }),
      ),
    attach(server) {
      server.once('close', () => {
        if (process.connected) cluster.worker!.disconnect();
      });
    },
  };
}
