import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { pageAllows, pageRequires } from '../auth/authorize.js';
import { NEEDS } from '../auth/roles.js';
import { decodeCursor, encodeCursor } from '../http/cursor.js';
import { HttpError, type FieldError } from '../http/errors.js';
import { toHttpError } from '../http/error-handler.js';
import { changeContext } from '../http/locals.js';
import { redirectWithNotice, takeNotice } from '../http/notice.js';
import { BODY_LIMIT_BYTES, PAGE_SIZE, PRODUCT_ID_MAX, PRODUCT_NAME_MAX, SEARCH_COUNT_CAP, SEARCH_MAX } from '../limits.js';
import { StoreUnavailableError } from '../storage-errors.js';
import type { PageQuery, ProductPage, ProductStore } from './product-store.js';
import { checkNewProduct, checkProductIdInPath, checkSearch } from './validation.js';

/** Form field names, kept from the tutorial's index.php. */
const FIELD_NAMES: Record<string, string> = { productId: 'product_id', productName: 'product_name' };

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

/** The server-rendered catalog: the form and the list. Each works without JavaScript. */
export function catalogPagesRouter(store: ProductStore, csrfProtect: RequestHandler, writeLimit: RequestHandler): Router {
  const router = Router();

  /** `list` undefined: the database just failed this request, so the page shows no list rather than wait for it again. */
  async function render(req: Request, res: Response, list: ListRequest | undefined, form: FormState, status = 200, notice?: string) {
    let page: ProductPage | undefined;
    let total: number | string | undefined;
    let unavailable = list === undefined;
    try {
      if (list) {
        const query = { limit: PAGE_SIZE, olderThan: list.olderThan, newerThan: list.newerThan, search: list.search };
        [page, total] = list.search
          ? await searchPage(store, query, list.search)
          : await store.listPageWithTotal(query);
      }
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
      search: list?.search ?? '',
      newerHref: page?.hasNewer && first ? pageHref(list?.search, 'after', first.seq) : undefined,
      olderHref: page?.hasOlder && last ? pageHref(list?.search, 'before', last.seq) : undefined,
      form,
      notice,
      principal: res.locals.principal,
      canChange: pageAllows(res, NEEDS.changeProducts),
      isAdmin: pageAllows(res, NEEDS.administer),
      signInHref: `/login?next=${encodeURIComponent(req.originalUrl)}`,
      limits: { idMax: PRODUCT_ID_MAX, nameMax: PRODUCT_NAME_MAX, searchMax: SEARCH_MAX },
    });
  }

  router.get('/', async (req, res) => {
    await render(req, res, listRequest(req.query), emptyForm(), 200, takeNotice(req, res));
  });

  const form = express.urlencoded({ extended: false, limit: BODY_LIMIT_BYTES, parameterLimit: 20 });
  // Who may write is checked before the form's token: a visitor whose session ended is sent to sign in.
  const editor = pageRequires(NEEDS.changeProducts);

  router.post('/products', writeLimit, editor, form, csrfProtect, async (req, res) => {
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
      const product = await store.create(checked.value, changeContext(req, res));
      redirectWithNotice(req, res, `Added product ${product.productId}.`);
    } catch (error) {
      const httpError = toHttpError(error);
      if (httpError.status !== 409 && httpError.status !== 503) throw error;
      const errors: Record<string, string> = httpError.status === 409 ? { product_id: httpError.message } : {};
      const message = httpError.status === 503 ? httpError.message : undefined;
      const list = httpError.status === 503 ? undefined : { search: undefined };
      await render(req, res, list, { values, errors, ...(message && { message }) }, httpError.status);
    }
  });

  router.post('/products/:productId/delete', writeLimit, editor, form, csrfProtect, async (req, res) => {
    const checked = checkProductIdInPath(String(req.params.productId));
    if (!checked.ok) throw new HttpError(400, 'Invalid request', checked.error);
    const removed = await store.remove(checked.value, changeContext(req, res));
    redirectWithNotice(req, res, removed ? `Deleted product ${checked.value}.` : `Product ${checked.value} was already deleted.`);
  });

  return router;
}
