import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { RequestHandler, Response } from 'express';
import type { Logger } from '../ops/logger.js';

/** A caller's own id is kept when it is short and plain; anything else gets a fresh UUID. */
const CALLER_REQUEST_ID = /^[\w.-]{1,64}$/;

/** The id of the request being answered, for other log lines about it. */
export const requestIdOf = (res: Response): string | undefined => res.locals.requestId as string | undefined;

/**
 * Gives every request an id (sent back as X-Request-Id) and logs one line when it ends:
 * 5xx as error, 4xx as warn, the rest as info, aborted ones as warn.
 *
 * Written here instead of using pino-http, which serializes each request into a child logger
 * before it is handled: that cost a quarter of the API's throughput in the benchmark, even with
 * the log level set so that nothing was written (docs/PERFORMANCE.md).
 */
export function requestLogger(logger: Logger, quiet: (path: string) => boolean): RequestHandler {
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && CALLER_REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('X-Request-Id', id);
    res.locals.requestId = id;
    const started = performance.now();
    res.once('close', () => {
      const aborted = !res.writableFinished;
      const level = res.statusCode >= 500 ? 'error' : res.statusCode >= 400 || aborted ? 'warn' : 'info';
      if (!logger.isLevelEnabled(level) || (quiet(req.path) && !aborted && level === 'info')) return;
      const ms = Math.round((performance.now() - started) * 10) / 10;
      logger[level](
        { reqId: id, method: req.method, url: req.originalUrl, status: res.statusCode, ms },
        aborted ? 'request aborted' : 'request completed',
      );
    });
    next();
  };
}
