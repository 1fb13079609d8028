import { createServer, type RequestListener, type Server } from 'node:http';

export interface HttpTimeouts {
  /** A client must send the whole request head within this. */
  readonly headersMs: number;
  /** A client must send the whole request, body included, within this. */
  readonly requestMs: number;
  /**
   * How often Node checks the two above. Node's default is 30 s, which let a slow client hold a
   * socket for up to 40 s despite a 10 s headers timeout.
   */
  readonly checkIntervalMs: number;
}

/** Slow or stalled clients must not hold sockets: headers in 10 s, the whole request in 30 s. */
export const HTTP_TIMEOUTS: HttpTimeouts = { headersMs: 10_000, requestMs: 30_000, checkIntervalMs: 1000 };

/** The app's HTTP server with the timeouts set; the caller listens. */
export function createHttpServer(app: RequestListener, timeouts: HttpTimeouts = HTTP_TIMEOUTS): Server {
  return createServer(
    {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      connectionsCheckingInterval: timeouts.checkIntervalMs,
    },
    app,
  );
}
