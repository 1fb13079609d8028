import type { Request, RequestHandler, Response, Router } from 'express';
import { apiRequires } from '../auth/authorize.js';
import { NEEDS } from '../auth/roles.js';
import { etagOf, hasIfMatch, ifMatchAllows, noneMatchHits } from '../http/conditional.js';
import { decodeCursor, decodePagingCursor, decodeTrashCursor, encodeCursor, encodeTrashCursor, newerCursor, type PagingCursor } from '../http/cursor.js';
import { HttpError, notFound, validationError, type FieldError } from '../http/errors.js';
import { versionMismatch } from '../http/error-handler.js';
import { changeContext } from '../http/locals.js';
import { caseSensitiveRouter } from '../http/routing.js';
import { LIST_LIMIT, SEARCH_COUNT_CAP } from '../limits.js';
import type { PageQuery, Product, ProductPage, ProductStore, StoredProduct, TrashedProduct } from './product-store.js';
import { checkNewProduct, checkProductIdInPath, checkProductName, checkSearch } from './validation.js';

/** Fields of a product that the server sets; PUT and PATCH ignore them when a client sends them back. */
export const READ_ONLY_FIELDS = ['createdAt', 'updatedAt', 'version'] as const;
export const MERGE_PATCH = 'application/merge-patch+json';

const toJson = (p: Product) => ({
  productId: p.productId,
  productName: p.productName,
  createdAt: p.createdAt.toISOString(),
  updatedAt: p.updatedAt.toISOString(),
  version: p.version,
});

const trashJson = (p: TrashedProduct) => ({ ...toJson(p), deletedAt: p.deletedAt.toISOString(), deletedBy: p.deletedBy });

const productUrl = (productId: string) => `/api/products/${encodeURIComponent(productId)}`;

/** Sends one product with its ETag. */
const sendProduct = (res: Response, product: Product, status = 200) => res.status(status).set('ETag', etagOf(product.version)).json(toJson(product));

const unsupported = (req: Request, wanted: string) =>
  new HttpError('unsupported-media-type', `Send the body as ${wanted} (got ${req.get('content-type') ?? 'no Content-Type'}).`);

export const requireJson: RequestHandler = (req, _res, next) => {
  if (!req.is('application/json')) throw unsupported(req, 'application/json');
  next();
};

const requireMergePatch: RequestHandler = (req, _res, next) => {
  if (!req.is(MERGE_PATCH)) throw unsupported(req, `${MERGE_PATCH} (RFC 7396)`);
  next();
};

/** The parsed body, which must be a JSON object, and one error per field it should not have. */
export function jsonObject(req: Request, allowed: readonly string[], ignored: readonly string[] = []): { body: Record<string, unknown>; errors: FieldError[] } {
  const body: unknown = req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError('validation', 'The body must be a JSON object.');
  }
  const errors = Object.keys(body)
    .filter((key) => !allowed.includes(key) && !ignored.includes(key))
    .map((field) => ({ field, message: `Unknown field '${field}'; allowed: ${allowed.join(', ')}.` }));
  return { body: body as Record<string, unknown>, errors };
}

function pathProductId(req: Request): string {
  const checked = checkProductIdInPath(String(req.params.productId));
  if (!checked.ok) throw validationError([{ field: 'productId', message: checked.error }], 'path');
  return checked.value;
}

/** limit and cursor of a list, shared by the catalog and the trash. */
function pagingQuery<K>(query: Request['query'], decode: (c: string) => K | undefined, errors: FieldError[]) {
  let limit: number = LIST_LIMIT.default;
  if (query.limit !== undefined) {
    const n = typeof query.limit === 'string' && /^\d{1,3}$/.test(query.limit) ? Number(query.limit) : NaN;
    if (n >= LIST_LIMIT.min && n <= LIST_LIMIT.max) limit = n;
    else errors.push({ field: 'limit', message: `limit must be a whole number from ${LIST_LIMIT.min} to ${LIST_LIMIT.max}.` });
  }
  let cursor: PagingCursor<K> | undefined;
  if (query.cursor !== undefined) {
    cursor = typeof query.cursor === 'string' ? decodePagingCursor(query.cursor, decode) : undefined;
    if (cursor === undefined) errors.push({ field: 'cursor', message: 'cursor is not valid; pass back the nextCursor or prevCursor of a previous page.' });
  }
  return { limit, ...cursor };
}

function listQuery(query: Request['query']) {
  const errors: FieldError[] = [];
  const paging = pagingQuery(query, decodeCursor, errors);
  const search = checkSearch(query.q);
  if (!search.ok) errors.push({ field: 'q', message: search.error });
  if (errors.length) throw validationError(errors, 'query');
  return { ...paging, search: search.ok ? search.value : undefined };
}

/**
 * nextCursor/prevCursor of a page and the same as Link header relations (RFC 8288), whose URLs
 * repeat the request's other parameters.
 */
function pageLinks<T extends StoredProduct>(req: Request, res: Response, page: ProductPage<T>, encode: (item: T) => string) {
  const first = page.items[0];
  const last = page.items.at(-1);
  const nextCursor = page.hasOlder && last ? encode(last) : null;
  const prevCursor = page.hasNewer && first ? newerCursor(encode(first)) : null;
  const link = (cursor: string, rel: string) => {
    const params = new URLSearchParams(Object.entries(req.query).filter((e): e is [string, string] => typeof e[1] === 'string' && e[0] !== 'cursor'));
    params.set('cursor', cursor);
    return `<${req.baseUrl}${req.path}?${params}>; rel="${rel}"`;
  };
  const links = [...(nextCursor ? [link(nextCursor, 'next')] : []), ...(prevCursor ? [link(prevCursor, 'prev')] : [])];
  if (links.length) res.set('Link', links.join(', '));
  return { nextCursor, prevCursor };
}

/**
 * A page of the list and the total it reports: exact for the whole catalog (a kept count, read in
 * the page's own statement) and for a search up to SEARCH_COUNT_CAP matches; beyond the cap
 * counting would read every row, so it is null.
 */
async function pageWithTotal(store: ProductStore, query: PageQuery): Promise<[ProductPage, { total: number | null; totalCapped: boolean }]> {
  if (!query.search) {
    const [page, total] = await store.listPageWithTotal(query);
    return [page, { total, totalCapped: false }];
  }
  const page = await store.listPage(query);
  const onePage = query.olderThan === undefined && query.newerThan === undefined && !page.hasOlder;
  if (onePage) return [page, { total: page.items.length, totalCapped: false }];
  const n = await store.count(query.search, SEARCH_COUNT_CAP + 1);
  return [page, n > SEARCH_COUNT_CAP ? { total: null, totalCapped: true } : { total: n, totalCapped: false }];
}

/**
 * The products API under /api, and its trash: the same store and validation as the pages. Paths
 * are absolute (not a mounted router) so metrics label each request with its full route pattern.
 * Writes need the editor role, purging the admin role; reads are open as far as PUBLIC_READ allows.
 */
export function catalogApiRouter(store: ProductStore, writeLimit: RequestHandler): Router {
  const router = caseSensitiveRouter();
  const editor = apiRequires(NEEDS.changeProducts);
  const admin = apiRequires(NEEDS.administer);

  /** The version a change must be made at, from If-Match: 412 when the product is at another. */
  async function precondition(req: Request, productId: string): Promise<number | undefined> {
    if (!hasIfMatch(req)) return undefined;
    const current = await store.get(productId);
    if (!current) throw notFound(`No product has ID '${productId}'.`);
    if (!ifMatchAllows(req, current.version)) throw versionMismatch(current);
    return current.version;
  }

  async function rename(req: Request, res: Response, productId: string, productName: string | undefined) {
    const ifVersion = await precondition(req, productId);
    const product =
      productName === undefined ? await store.get(productId) : await store.rename(productId, productName, changeContext(req, res), ifVersion);
    if (!product) throw notFound(`No product has ID '${productId}'.`);
    sendProduct(res, product);
  }

  router.get('/api/products', async (req, res) => {
    const [page, total] = await pageWithTotal(store, listQuery(req.query));
    const links = pageLinks(req, res, page, (p) => encodeCursor(p.seq));
    res.json({ items: page.items.map(toJson), ...links, ...total });
  });

  router.get('/api/products/:productId', async (req, res) => {
    const productId = pathProductId(req);
    const product = await store.get(productId);
    if (!product) throw notFound(`No product has ID '${productId}'.`);
    if (noneMatchHits(req, product.version)) return res.status(304).set('ETag', etagOf(product.version)).end();
    sendProduct(res, product);
  });

  router.post('/api/products', editor, writeLimit, requireJson, async (req, res) => {
    const { body, errors } = jsonObject(req, ['productId', 'productName']);
    const checked = checkNewProduct({ productId: body.productId, productName: body.productName });
    if (!checked.ok) errors.push(...checked.errors);
    if (errors.length || !checked.ok) throw validationError(errors);
    const product = await store.create(checked.value, changeContext(req, res));
    res.location(productUrl(product.productId));
    sendProduct(res, product, 201);
  });

  // PUT takes the whole representation GET returned; the read-only fields are ignored.
  router.put('/api/products/:productId', editor, writeLimit, requireJson, async (req, res) => {
    const productId = pathProductId(req);
    const { body, errors } = jsonObject(req, ['productId', 'productName'], READ_ONLY_FIELDS);
    if (body.productId !== undefined && body.productId !== productId) {
      errors.push({ field: 'productId', message: 'productId cannot be changed; leave it out or repeat the one in the path.' });
    }
    const name = checkProductName(body.productName);
    if (!name.ok) errors.push({ field: 'productName', message: name.error });
    if (errors.length || !name.ok) throw validationError(errors);
    await rename(req, res, productId, name.value);
  });

  // RFC 7396: members present change, null removes; only productName may change.
  router.patch('/api/products/:productId', editor, writeLimit, requireMergePatch, async (req, res) => {
    const productId = pathProductId(req);
    const { body, errors } = jsonObject(req, ['productId', 'productName'], READ_ONLY_FIELDS);
    if ('productId' in body && body.productId !== productId) {
      errors.push({ field: 'productId', message: 'productId cannot be changed; leave it out or repeat the one in the path.' });
    }
    let productName: string | undefined;
    if (body.productName === null) {
      errors.push({ field: 'productName', message: 'productName cannot be removed; every product has a name.' });
    } else if ('productName' in body) {
      const name = checkProductName(body.productName);
      if (name.ok) productName = name.value;
      else errors.push({ field: 'productName', message: name.error });
    }
    if (errors.length) throw validationError(errors);
    await rename(req, res, productId, productName);
  });

  router.delete('/api/products/:productId', editor, writeLimit, async (req, res) => {
    const productId = pathProductId(req);
    const ifVersion = await precondition(req, productId);
    if (!(await store.remove(productId, changeContext(req, res), ifVersion))) throw notFound(`No product has ID '${productId}'.`);
    res.status(204).end();
  });

  router.get('/api/trash', editor, async (req, res) => {
    const errors: FieldError[] = [];
    const query = pagingQuery(req.query, decodeTrashCursor, errors);
    if (errors.length) throw validationError(errors, 'query');
    const page = await store.listTrash(query);
    const links = pageLinks(req, res, page, encodeTrashCursor);
    res.json({ items: page.items.map(trashJson), ...links });
  });

  router.post('/api/trash/:productId/restore', editor, writeLimit, async (req, res) => {
    const productId = pathProductId(req);
    const product = await store.restore(productId, changeContext(req, res));
    if (!product) throw notFound(`No product with ID '${productId}' is in the trash.`);
    res.location(productUrl(product.productId));
    sendProduct(res, product);
  });

  router.delete('/api/trash/:productId', admin, writeLimit, async (req, res) => {
    const productId = pathProductId(req);
    if (!(await store.purge(productId, changeContext(req, res)))) throw notFound(`No product with ID '${productId}' is in the trash.`);
    res.status(204).end();
  });

  return router;
}
