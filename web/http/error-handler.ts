import type { ErrorRequestHandler, Response } from 'express';
import { isApiUrl } from './routing.js';
import { HttpError, toProblem } from './errors.js';
import { BODY_LIMIT_BYTES } from '../limits.js';
import type { Logger } from '../ops/logger.js';
import { requestIdOf } from './request-logger.js';
import { DuplicateUsernameError, LastAdminError } from '../auth/accounts.js';
import { DuplicateProductIdError, VersionMismatchError, type Product } from '../catalog/product-store.js';
import { etagOf } from './conditional.js';
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

/** 412 with the product's current ETag, so the client can read it again and decide. */
export function versionMismatch(current: Product): HttpError {
  return new HttpError(
    'version-mismatch',
    `Product '${current.productId}' has changed since you read it: it is at version ${current.version} (ETag ${etagOf(current.version)}) now. Read it again, then decide.`,
    { headers: { ETag: etagOf(current.version) } },
  );
}

/** Turns anything thrown into the error the client should see; unknown errors become a bare 500. */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof DuplicateProductIdError) {
    return new HttpError(error.inTrash ? 'in-trash' : 'duplicate-product-id', error.message, { errors: [{ field: 'productId', message: error.message }] });
  }
  if (error instanceof VersionMismatchError) return versionMismatch(error.current);
  if (error instanceof DuplicateUsernameError) {
    return new HttpError('duplicate-username', error.message, { errors: [{ field: 'username', message: error.message }] });
  }
  if (error instanceof LastAdminError) return new HttpError('last-admin', error.message);
  if (error instanceof StoreUnavailableError) {
    return new HttpError(
      'database-unavailable',
      error.outcomeUnknown
        ? 'The database stopped answering while handling this request. A change you sent may or may not have been saved; check before sending it again.'
        : 'The database is unavailable right now, so nothing was read or changed. Try again in a few seconds.',
    );
  }
  // The router could not percent-decode a path parameter (say /api/products/%E0%A4%A).
  if (error instanceof URIError) {
    return new HttpError('bad-request', 'The URL is not valid: a % must be followed by two hex digits of UTF-8.');
  }
  const e = (error ?? {}) as MiddlewareError;
  switch (e.type) {
    case 'entity.parse.failed':
      return new HttpError('malformed-json', 'The request body is not valid JSON.');
    case 'entity.too.large':
      return new HttpError('body-too-large', `The request body is larger than the ${BODY_LIMIT_BYTES / 1024} KiB this app accepts.`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new HttpError('unsupported-encoding', 'Send the body as UTF-8 without content encoding.');
    case 'request.aborted':
      return new HttpError('request-aborted', 'The client closed the request before its body arrived.');
  }
  if (e.code === 'EBADCSRFTOKEN') {
    return new HttpError('form-expired', 'The form has expired or was not sent from this site. Reload the page and try again.');
  }
  if (e.expose && e.status && e.status >= 400 && e.status < 500) {
    return new HttpError(e.status, 'Bad request', e.message ?? 'The request was not understood.');
  }
  return new HttpError('internal-error', 'Something went wrong on our side. The request was logged; try again later.');
}

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
    if (isApiUrl(req.originalUrl)) return sendProblem(res);
    res.format({
      html: () => res.render('error', { problem }),
      'application/problem+json': () => sendProblem(res),
      json: () => sendProblem(res),
      default: () => res.type('text/plain').send(`${problem.title}: ${problem.detail}\n`),
    });
  };
}
