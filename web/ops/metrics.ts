import type { RequestHandler } from 'express';
import { Counter, Histogram, Registry, collectDefaultMetrics, Gauge } from 'prom-client';

/** Counts of a connection pool, read when /metrics is scraped. */
export interface PoolStats {
  readonly total: number;
  readonly idle: number;
  readonly waiting: number;
  readonly limit: number;
}

/** One registry per app, so tests can build several apps in a process. */
export class Metrics {
  readonly registry = new Registry();
  readonly #requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly #duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly #signIns = new Counter({
    name: 'auth_sign_in_attempts_total',
    help: 'Password sign-in attempts by outcome: success, invalid (wrong name or password), disabled, throttled.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  #exposition: () => Promise<string> = () => this.registry.metrics();

  readonly #ssoSignIns = new Counter({
    name: 'auth_oidc_sign_ins_total',
    help: 'Single sign-on callbacks by outcome: success, no-mapped-group, disabled, or why the sign-in failed (expired, invalid-callback, provider-unreachable, ...).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  constructor(poolStats?: () => PoolStats | undefined) {
    collectDefaultMetrics({ register: this.registry });
    if (poolStats) this.#registerPoolGauges(poolStats);
  }

  /** The text /metrics serves: this registry's, unless `aggregateWith` gave another source. */
  exposition(): Promise<string> {
    return this.#exposition();
  }

  /** Serve `source` instead, e.g. every cluster worker's registries merged (web/cluster.ts). */
  aggregateWith(source: () => Promise<string>): void {
    this.#exposition = source;
  }

  /** Records every response under its route pattern (never the raw URL, which is unbounded). */
  readonly middleware: RequestHandler = (req, res, next) => {
    const stop = this.#duration.startTimer();
    res.on('finish', () => {
      const route = req.route ? String(req.route.path) : 'unmatched';
      const labels = { method: req.method, route, status: String(res.statusCode) };
      this.#requests.inc(labels);
      stop(labels);
    });
    next();
  };

  readonly countSignIn = (outcome: 'success' | 'invalid' | 'disabled' | 'throttled'): void => {
    this.#signIns.inc({ outcome });
  };

  /** `outcome` comes from a fixed set (OidcCallbackOutcome), so the label stays small. */
  readonly countSsoSignIn = (outcome: string): void => {
    this.#ssoSignIns.inc({ outcome });
  };

  #registerPoolGauges(poolStats: () => PoolStats | undefined) {
    const gauge = (name: string, help: string, pick: (s: PoolStats) => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          const stats = poolStats();
          if (stats) this.set(pick(stats));
        },
      });
    gauge('db_pool_connections', 'Open connections in the database pool.', (s) => s.total);
    gauge('db_pool_idle_connections', 'Idle connections in the database pool.', (s) => s.idle);
    gauge('db_pool_waiting_requests', 'Queries waiting for a free pool connection.', (s) => s.waiting);
    gauge('db_pool_max_connections', 'Configured size of the database pool.', (s) => s.limit);
  }
}
