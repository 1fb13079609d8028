import type { Request, RequestHandler, Response } from 'express';
import { HttpError } from '../http/errors.js';

/** Whose imports count together. */
export type ImportKey = (req: Request, res: Response) => string;

/** The signed-in user (imports need an editor); the client's address should that ever be missing. */
export const importKeyOfUser: ImportKey = (req, res) =>
  res.locals.principal ? `user:${res.locals.principal.userId}` : `ip:${req.ip ?? req.socket.remoteAddress ?? ''}`;

/**
 * One import at a time per key (in this process): an import holds a database connection and a
 * transaction for as long as its upload takes. A second one is refused at once with 429.
 */
export function oneImportAtATime(keyOf: ImportKey = importKeyOfUser): RequestHandler {
  const running = new Set<string>();
  return (req, res, next) => {
    const key = keyOf(req, res);
    if (running.has(key)) {
      throw new HttpError('import-running', 'An import of yours is still running; wait for it to finish, then try again.', { headers: { 'Retry-After': '5' } });
    }
    running.add(key);
    res.once('close', () => running.delete(key));
    next();
  };
}
