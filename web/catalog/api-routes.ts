import { Router, type Request, type RequestHandler } from 'express';
import { apiRequires } from '../auth/authorize.js';
import { NEEDS } from '../auth/roles.js';
import { decodeCursor, encodeCursor } from '../http/cursor.js';
import { HttpError, notFound, validationError, type FieldError } from '../http/errors.js';
import { changeContext } from '../http/locals.js';
import { LIST_LIMIT } from '../limits.js';
import type { Product, ProductStore } from './product-store.js';
import { checkNewProduct, checkProductIdInPath, checkProductName, checkSearch } from './validation.js';

const toJson = (p: Product) => ({
  productId: p.productId,
  productName: p.productName,
  createdAt: p.createdAt.toISOString(),
});

const productUrl = (productId: string) => `/api/products/${encodeURIComponent(productId)}`;

export const requireJson: RequestHandler = (req, _res, next) => {
  if (!req.is('application/json')) {
    throw new HttpError(
      415,
      'Unsupported media type',
      `Send the body as application/json (got ${req.get('content-type') ?? 'no Content-Type'}).`,
    );
  }
  next();
};

/** The parsed body, which must be a JSON object, and one error per field it should not have. */
export function jsonObject(req: Request, allowed: readonly string[]): { body: Record<string, unknown>; errors: FieldError[] } {
  const body: unknown = req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'Invalid request', 'The body must be a JSON object.');
  }
  const errors = Object.keys(body)
    .filter((key) => !allowed.includes(key))
    .map((field) => ({ field, message: `Unknown field '${field}'; allowed: ${allowed.join(', ')}.` }));
  return { body: body as Record<string, unknown>, errors };
}

function pathProductId(req: Request): string {
  const checked = checkProductIdInPath(String(req.params.productId));
  if (!checked.ok) throw validationError([{ field: 'productId', message: checked.error }]);
  return checked.value;
}

function listQuery(query: Request['query']) {
  const errors: FieldError[] = [];
  let limit: number = LIST_LIMIT.default;
  if (query.limit !== undefined) {
    const n = typeof query.limit === 'string' && /^\d{1,3}$/.test(query.limit) ? Number(query.limit) : NaN;
    if (n >= LIST_LIMIT.min && n <= LIST_LIMIT.max) limit = n;
    else errors.push({ field: 'limit', message: `limit must be a whole number from ${LIST_LIMIT.min} to ${LIST_LIMIT.max}.` });
  }
  let olderThan: number | undefined;
  if (query.cursor !== undefined) {
    olderThan = typeof query.cursor === 'string' ? decodeCursor(query.cursor) : undefined;
    if (olderThan === undefined) {
      errors.push({ field: 'cursor', message: 'cursor is not valid; pass back the nextCursor of a previous page.' });
    }
  }
  const search = checkSearch(query.q);
  if (!search.ok) errors.push({ field: 'q', message: search.error });
  if (errors.length) throw validationError(errors);
  return { limit, olderThan, search: search.ok ? search.value : undefined };
}

/**
 * The products API under /api: the same store and validation as the pages. Paths are absolute
 * (not a mounted router) so metrics label each request with its full route pattern. Writes need
 * the editor role; reads are open as far as PUBLIC_READ allows (see app.ts).
 */
export function catalogApiRouter(store: ProductStore, writeLimit: RequestHandler): Router {
  const router = Router();
  const editor = apiRequires(NEEDS.changeProducts);

  router.get('/api/products', async (req, res) => {
    const page = await store.listPage(listQuery(req.query));
    const last = page.items.at(-1);
    res.json({ items: page.items.map(toJson), nextCursor: page.hasOlder && last ? encodeCursor(last.seq) : null });
  });

  router.get('/api/products/:productId', async (req, res) => {
    const productId = pathProductId(req);
    const product = await store.get(productId);
    if (!product) throw notFound(`No product has ID '${productId}'.`);
    res.json(toJson(product));
  });

  router.post('/api/products', editor, writeLimit, requireJson, async (req, res) => {
    const { body, errors } = jsonObject(req, ['productId', 'productName']);
    const checked = checkNewProduct({ productId: body.productId, productName: body.productName });
    if (!checked.ok) errors.push(...checked.errors);
    if (errors.length || !checked.ok) throw validationError(errors);
    const product = await store.create(checked.value, changeContext(req, res));
    res.status(201).location(productUrl(product.productId)).json(toJson(product));
  });

  router.put('/api/products/:productId', editor, writeLimit, requireJson, async (req, res) => {
    const productId = pathProductId(req);
    const { body, errors } = jsonObject(req, ['productId', 'productName']);
    if (body.productId !== undefined && body.productId !== productId) {
      errors.push({ field: 'productId', message: 'productId cannot be changed; leave it out or repeat the one in the path.' });
    }
    const name = checkProductName(body.productName);
    if (!name.ok) errors.push({ field: 'productName', message: name.error });
    if (errors.length || !name.ok) throw validationError(errors);
    const product = await store.rename(productId, name.value, changeContext(req, res));
    if (!product) throw notFound(`No product has ID '${productId}'.`);
    res.json(toJson(product));
  });

  router.delete('/api/products/:productId', editor, writeLimit, async (req, res) => {
    const productId = pathProductId(req);
    if (!(await store.remove(productId, changeContext(req, res)))) throw notFound(`No product has ID '${productId}'.`);
    res.status(204).end();
  });

  return router;
}
