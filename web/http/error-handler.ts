import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { HttpError, toProblem } from './errors.js';
import { BODY_LIMIT_BYTES } from '../limits.js';
import type { Logger } from '../ops/logger.js';
import { requestIdOf } from './request-logger.js';
import { DuplicateUsernameError, LastAdminError } from '../auth/accounts.js';
import { DuplicateProductIdError } from '../catalog/product-store.js';
import { StoreUnavailableError } from '../storage-errors.js';

export const UNAVAILABLE_RETRY_SECONDS = 5;

/** Errors raised by body parsing and other middleware carry a `type` or a 4xx `status`. */
interface MiddlewareError {
  type?: string;
  status?: number;
  expose?: boolean;
  code?: string;
  message?: string;
}

/** Turns anything thrown into the error the client should see; unknown errors become a bare 500. */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof DuplicateProductIdError) {
    return new HttpError(409, 'Duplicate product ID', error.message, [
      { field: 'productId', message: error.message },
    ]);
  }
  if (error instanceof DuplicateUsernameError) {
    return new HttpError(409, 'Duplicate username', error.message, [{ field: 'username', message: error.message }]);
  }
  if (error instanceof LastAdminError) return new HttpError(409, 'Last admin', error.message);
  if (error instanceof StoreUnavailableError) {
    return new HttpError(
      503,
      'Database unavailable',
      error.outcomeUnknown
        ? 'The database stopped answering while handling this request. A change you sent may or may not have been saved; check before sending it again.'
        : 'The database is unavailable right now, so nothing was read or changed. Try again in a few seconds.',
    );
  }
  // The router could not percent-decode a path parameter (say /api/products/%E0%A4%A).
  if (error instanceof URIError) {
    return new HttpError(400, 'Bad request', 'The URL is not valid: a % must be followed by two hex digits of UTF-8.');
  }
  const e = (error ?? {}) as MiddlewareError;
  switch (e.type) {
    case 'entity.parse.failed':
      return new HttpError(400, 'Malformed JSON', 'The request body is not valid JSON.');
    case 'entity.too.large':
      return new HttpError(413, 'Body too large', `The request body is larger than the ${BODY_LIMIT_BYTES / 1024} KiB this app accepts.`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new HttpError(415, 'Unsupported encoding', 'Send the body as UTF-8 without content encoding.');
    case 'request.aborted':
      return new HttpError(400, 'Request aborted', 'The client closed the request before its body arrived.');
  }
  if (e.code === 'EBADCSRFTOKEN') {
    return new HttpError(403, 'Form expired', 'The form has expired or was not sent from this site. Reload the page and try again.');
  }
  if (e.expose && e.status && e.status >= 400 && e.status < 500) {
    return new HttpError(e.status, 'Bad request', e.message ?? 'The request was not understood.');
  }
  return new HttpError(500, 'Internal error', 'Something went wrong on our side. The request was logged; try again later.');
}

export const notFoundHandler: RequestHandler = (req) => {
  throw new HttpError(404, 'Not found', `Nothing is served at ${req.method} ${req.path}.`);
};

/** The only error handler: problem+json for the API, a page for browsers, never a stack trace. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, next) => {
    const httpError = toHttpError(error);
    if (httpError.status >= 500 && httpError.status !== 503) logger.error({ err: error, reqId: requestIdOf(res) }, 'request failed');
    if (res.headersSent) return next(error);
    res.status(httpError.status).set(httpError.headers);
    if (httpError.status === 503) res.set('Retry-After', String(UNAVAILABLE_RETRY_SECONDS));
    const problem = toProblem(httpError, req.originalUrl);
    const sendProblem = (r: Response) => r.type('application/problem+json').send(JSON.stringify(problem));
    if (req.originalUrl.startsWith('/api/')) return sendProblem(res);
    res.format({
      html: () => res.render('error', { problem }),
      'application/problem+json': () => sendProblem(res),
      json: () => sendProblem(res),
      default: () => res.type('text/plain').send(`${problem.title}: ${problem.detail}\n`),
    });
  };
}
