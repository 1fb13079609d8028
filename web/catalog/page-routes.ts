import cookieParser from 'cookie-parser';
import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import type { Csrf } from '../http/csrf.js';
import { decodeCursor, encodeCursor } from '../http/cursor.js';
import { HttpError, type FieldError } from '../http/errors.js';
import { toHttpError } from '../http/error-handler.js';
import { StoreUnavailableError, type PageQuery, type ProductPage, type ProductStore } from './product-store.js';
import { BODY_LIMIT_BYTES, PAGE_SIZE, PRODUCT_ID_MAX, PRODUCT_NAME_MAX, SEARCH_COUNT_CAP, SEARCH_MAX } from '../limits.js';
import { checkNewProduct, checkProductIdInPath, checkSearch } from './validation.js';

const NOTICE_COOKIE = 'pc_notice';

/** Form field names, kept from the tutorial's index.php. */
const FIELD_NAMES: Record<string, string> = { productId: 'product_id', productName: 'product_name' };

type Notice = { kind: 'added' | 'deleted' | 'gone'; productId: string };

interface FormState {
  values: { product_id: string; product_name: string };
  errors: Record<string, string>;
  message?: string;
}

const emptyForm = (): FormState => ({ values: { product_id: '', product_name: '' }, errors: {} });

interface ListRequest {
  search: string | undefined;
  olderThan?: number;
  newerThan?: number;
}

function listRequest(query: Request['query']): ListRequest {
  const errors: FieldError[] = [];
  const search = checkSearch(query.q);
  if (!search.ok) errors.push({ field: 'q', message: search.error });
  const cursor = (name: 'before' | 'after') => {
    const raw = query[name];
    if (raw === undefined) return undefined;
    const seq = typeof raw === 'string' ? decodeCursor(raw) : undefined;
    if (seq === undefined) errors.push({ field: name, message: 'This page link is not valid; start again from the first page.' });
    return seq;
  };
  const olderThan = cursor('before');
  const newerThan = cursor('after');
  if (errors.length) throw new HttpError(400, 'Invalid request', errors.map((e) => e.message).join(' '), errors);
  return { search: search.ok ? search.value : undefined, olderThan, newerThan };
}

function pageHref(search: string | undefined, cursorName: 'before' | 'after', seq: number): string {
  const params = new URLSearchParams();
  if (search) params.set('q', search);
  params.set(cursorName, encodeCursor(seq));
  return `/?${params}`;
}

function noticeText(notice: Notice): string {
  switch (notice.kind) {
    case 'added':
      return `Added product ${notice.productId}.`;
    case 'deleted':
      return `Deleted product ${notice.productId}.`;
    case 'gone':
      return `Product ${notice.productId} was already deleted.`;
  }
}

function takeNotice(req: Request, res: Response): string | undefined {
  const raw: unknown = req.cookies?.[NOTICE_COOKIE];
  if (typeof raw !== 'string') return undefined;
  res.clearCookie(NOTICE_COOKIE, { path: '/' });
  try {
    const notice = JSON.parse(raw) as Notice;
    return typeof notice.productId === 'string' ? noticeText(notice) : undefined;
  } catch {
    return undefined;
  }
}

/** Post/Redirect/Get: the message rides in a short-lived cookie to the page the browser loads next. */
function redirectWithNotice(req: Request, res: Response, notice: Notice) {
  res.cookie(NOTICE_COOKIE, JSON.stringify(notice), {
    httpOnly: true,
    sameSite: 'lax',
    secure: req.secure,
    maxAge: 60_000,
    path: '/',
  });
  res.redirect(303, '/');
}

/**
 * A search's page and its match count. Matches are counted only as far as "1,000+", and not at
 * all when the page holds every match: for a rare word that saves a second pass over the table.
 */
async function searchPage(store: ProductStore, query: PageQuery, search: string): Promise<[ProductPage, number | string]> {
  const page = await store.listPage(query);
  if (!page.hasOlder && !page.hasNewer) return [page, page.items.length];
  const n = await store.count(search, SEARCH_COUNT_CAP + 1);
  return [page, n > SEARCH_COUNT_CAP ? `${SEARCH_COUNT_CAP.toLocaleString('en-US')}+` : n];
}

/** The server-rendered pages: the form and the list. Each works without JavaScript. */
export function pagesRouter(store: ProductStore, csrf: Csrf, writeLimit: RequestHandler): Router {
  const router = Router();
  // Only the pages read cookies (CSRF, notices); the API and probes skip parsing them.
  router.use(cookieParser(), csrf.identifyClient);

  async function render(req: Request, res: Response, list: ListRequest, form: FormState, status = 200, notice?: string) {
    let page: ProductPage | undefined;
    let total: number | string | undefined;
    let unavailable = false;
    try {
      const query = { limit: PAGE_SIZE, olderThan: list.olderThan, newerThan: list.newerThan, nameContains: list.search };
      [page, total] = list.search
        ? await searchPage(store, query, list.search)
        : await Promise.all([store.listPage(query), store.count()]);
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      unavailable = true;
    }
    const first = page?.items[0];
    const last = page?.items.at(-1);
    res.status(unavailable && status < 500 ? 503 : status).render('index', {
      unavailable,
      products: page?.items ?? [],
      total,
      search: list.search ?? '',
      newerHref: page?.hasNewer && first ? pageHref(list.search, 'after', first.seq) : undefined,
      olderHref: page?.hasOlder && last ? pageHref(list.search, 'before', last.seq) : undefined,
      form,
      notice,
      csrfToken: csrf.token(req, res),
      limits: { idMax: PRODUCT_ID_MAX, nameMax: PRODUCT_NAME_MAX, searchMax: SEARCH_MAX },
    });
  }

  router.get('/', async (req, res) => {
    await render(req, res, listRequest(req.query), emptyForm(), 200, takeNotice(req, res));
  });

  const form = express.urlencoded({ extended: false, limit: BODY_LIMIT_BYTES, parameterLimit: 20 });

  router.post('/products', writeLimit, form, csrf.protect, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const values = {
      product_id: typeof body.product_id === 'string' ? body.product_id : '',
      product_name: typeof body.product_name === 'string' ? body.product_name : '',
    };
    const checked = checkNewProduct({ productId: body.product_id, productName: body.product_name });
    if (!checked.ok) {
      const errors = Object.fromEntries(checked.errors.map((e) => [FIELD_NAMES[e.field] ?? e.field, e.message]));
      return render(req, res, { search: undefined }, { values, errors }, 400);
    }
    try {
      const product = await store.create(checked.value);
      redirectWithNotice(req, res, { kind: 'added', productId: product.productId });
    } catch (error) {
      const httpError = toHttpError(error);
      if (httpError.status !== 409 && httpError.status !== 503) throw error;
      const errors: Record<string, string> = httpError.status === 409 ? { product_id: httpError.message } : {};
      const message = httpError.status === 503 ? httpError.message : undefined;
      await render(req, res, { search: undefined }, { values, errors, ...(message && { message }) }, httpError.status);
    }
  });

  router.post('/products/:productId/delete', writeLimit, form, csrf.protect, async (req, res) => {
    const checked = checkProductIdInPath(String(req.params.productId));
    if (!checked.ok) throw new HttpError(400, 'Invalid request', checked.error);
    const removed = await store.remove(checked.value);
    redirectWithNotice(req, res, { kind: removed ? 'deleted' : 'gone', productId: checked.value });
  });

  return router;
}
