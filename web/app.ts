import { fileURLToPath } from 'node:url';
import express, { type Express, type RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import { createCsrf } from './http/csrf.js';
import type { Readiness } from './mysql/database.js';
import { PROBE_PATHS } from './defaults.js';
import { HttpError } from './http/errors.js';
import { errorHandler, notFoundHandler } from './http/error-handler.js';
import type { Logger } from './ops/logger.js';
import { Metrics } from './ops/metrics.js';
import { apiRouter } from './catalog/api-routes.js';
import { opsRouter } from './ops/ops-routes.js';
import { pagesRouter } from './catalog/page-routes.js';
import { requestLogger } from './http/request-logger.js';
import type { ProductStore } from './catalog/product-store.js';

export interface AppDependencies {
  readonly store: ProductStore;
  /** Shown on the page so nobody mistakes the in-memory store for a durable one. */
  readonly storage: 'memory' | 'mysql';
  readonly readiness: () => Promise<Readiness>;
  readonly logger: Logger;
  readonly csrfSecret: string;
  /** @default a fresh registry without pool gauges */
  readonly metrics?: Metrics;
  /** Proxy hops in front of the app (Ingress: 1), so req.ip and req.secure are the client's. @default 0 */
  readonly trustProxy?: number;
  /** Writes per client per minute; 0 turns the limit off. @default 0 */
  readonly writeRateLimitPerMinute?: number;
}

const PROBES = new Set<string>(Object.values(PROBE_PATHS));

function writeRateLimit(perMinute: number): RequestHandler {
  if (perMinute === 0) return (_req, _res, next) => next();
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, _res, next) =>
      next(new HttpError(429, 'Too many requests', `At most ${perMinute} changes a minute are accepted from one client. Try again in a minute.`)),
  });
}

/** Builds the Express app from its dependencies; it never listens (see server.ts). */
export function createApp(deps: AppDependencies): Express {
  const app = express();
  const metrics = deps.metrics ?? new Metrics();
  const csrf = createCsrf(deps.csrfSecret);
  const writeLimit = writeRateLimit(deps.writeRateLimitPerMinute ?? 0);

  app.disable('x-powered-by');
  // Every body is fresh (live data, per-request CSRF tokens): hashing it for an ETag buys no 304s.
  app.set('etag', false);
  app.set('trust proxy', deps.trustProxy ?? 0);
  app.set('views', fileURLToPath(new URL('./views', import.meta.url)));
  app.set('view engine', 'ejs');
  // Every page's header says where products are kept, error pages included.
  app.locals.storage = deps.storage;

  app.use(requestLogger(deps.logger, (path) => PROBES.has(path)));
  app.use(metrics.middleware);
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          'default-src': ["'self'"],
          'script-src': ["'self'"],
          'style-src': ["'self'"],
          'img-src': ["'self'", 'data:'],
          'font-src': ["'self'"],
          'form-action': ["'self'"],
          'frame-ancestors': ["'none'"],
          // Plain-HTTP access (NodePort, port-forward) must keep loading its own stylesheet.
          'upgrade-insecure-requests': null,
        },
      },
    }),
  );

  app.use(opsRouter(deps.readiness, metrics));
  app.use('/static', express.static(fileURLToPath(new URL('./public', import.meta.url)), { maxAge: '1h' }));
  app.use(apiRouter(deps.store, writeLimit));
  app.use(pagesRouter(deps.store, csrf, writeLimit));
  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return app;
}
