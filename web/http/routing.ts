import { Router, type Express, type RequestHandler } from 'express';
import { HttpError } from './errors.js';

/** Every router of the app: paths are case-sensitive (`/API/products` is not `/api/products`). */
export const caseSensitiveRouter = (): Router => Router({ caseSensitive: true });

/** The part of the router package's Layer that this module reads. */
interface Layer {
  match(path: string): false | { path: string };
  route?: { methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
}

/** Methods of every route under `stack` whose path matches `path`, descending into mounted routers. */
function methodsFor(stack: readonly Layer[], path: string, found: Set<string>): void {
  for (const layer of stack) {
    let match: ReturnType<Layer['match']>;
    try {
      match = layer.match(path);
    } catch {
      continue; // a parameter that does not percent-decode matches nothing
    }
    if (!match) continue;
    if (layer.route) {
      for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') found.add(method.toUpperCase());
    } else if (layer.handle.stack) {
      methodsFor(layer.handle.stack, path.slice(match.path.length) || '/', found);
    }
  }
}

/** The methods `path` answers, as an Allow header lists them (HEAD with GET), or none for an unknown path. */
export function allowedMethods(app: Express, path: string): string[] {
  const found = new Set<string>();
  methodsFor((app.router as unknown as { stack: Layer[] }).stack, path, found);
  if (found.has('GET')) found.add('HEAD');
  const order = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
  return [...found].sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99));
}

/**
 * The last handler: 405 with Allow when the path is known but not with this method, else 404.
 * The routes are read when a request falls through, so every router the app mounts counts.
 */
export function unmatchedRequest(app: Express): RequestHandler {
  return (req) => {
    // req.path is relative to a mount point (app.use('/api', ...)); the routes match the whole path.
    const path = req.originalUrl.split('?')[0]!;
    const allow = allowedMethods(app, path);
    if (allow.length && !allow.includes(req.method)) {
      throw new HttpError('method-not-allowed', `${path} does not take ${req.method}; it takes ${allow.join(', ')}.`, {
        headers: { Allow: allow.join(', ') },
      });
    }
    throw new HttpError('not-found', `Nothing is served at ${req.method} ${path}.`);
  };
}

/** Whether a URL is the API's: /api itself or anything under it (case-sensitive, as the routes are). */
export const isApiUrl = (url: string): boolean => /^\/api(?:[/?#]|$)/.test(url);
