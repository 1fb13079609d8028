import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { caseSensitiveRouter } from '../http/routing.js';
import { pageAllows, pageRequires } from '../auth/authorize.js';
import { NEEDS } from '../auth/roles.js';
import { HttpError } from '../http/errors.js';
import { toHttpError, UNAVAILABLE_RETRY_SECONDS } from '../http/error-handler.js';
import { changeContext } from '../http/locals.js';
import { redirectWithNotice, takeFullNotice, type Notice } from '../http/notice.js';
import { BODY_LIMIT_BYTES, PAGE_SIZE, PRODUCT_ID_MAX, PRODUCT_NAME_MAX, SEARCH_COUNT_CAP, SEARCH_MAX } from '../limits.js';
import { StoreUnavailableError } from '../storage-errors.js';
import { listHref, listPlace, neighbourStarts, queryOf, returnPath, type ListPlace } from './list-place.js';
import { DuplicateProductIdError, VersionMismatchError, type PageQuery, type ProductPage, type ProductStore, type StoredProduct } from './product-store.js';
import { trashPagesRouter } from './trash-page-routes.js';
import { checkNewProduct, checkProductIdInPath, checkProductName } from './validation.js';

/** Form field names, kept from the tutorial's index.php. */
const FIELD_NAMES: Record<string, string> = { productId: 'product_id', productName: 'product_name' };

interface FormState {
  values: { product_id: string; product_name: string };
  errors: Record<string, string>;
  message?: string;
  /** The ID the user tried to add belongs to a product in the trash: offer Restore. */
  restorable?: string;
}

const emptyForm = (): FormState => ({ values: { product_id: '', product_name: '' }, errors: {} });

const LIMITS = { idMax: PRODUCT_ID_MAX, nameMax: PRODUCT_NAME_MAX, searchMax: SEARCH_MAX };

/** "Espresso" (P-1): how notices name a product, so its name is not lost once it is gone from the list. */
export const productLabel = (p: { productId: string; productName: string }) => `“${p.productName}” (${p.productId})`;

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

const formatCount = (n: number | string) => (typeof n === 'number' ? n.toLocaleString('en-US') : n);

/** The list a form was sent from, read from its `return` field; a broken one is the first page. */
function placeOf(path: string): ListPlace {
  try {
    return listPlace(queryOf(path));
  } catch {
    return { search: undefined, from: 1 };
  }
}

const text = (value: unknown) => (typeof value === 'string' ? value : '');

/** The server-rendered catalog: the form and the list. Each works without JavaScript. */
export function catalogPagesRouter(
  store: ProductStore,
  csrfProtect: RequestHandler,
  writeLimit: RequestHandler,
  options: { trashRetentionDays?: number } = {},
): Router {
  const router = caseSensitiveRouter();
  router.use(trashPagesRouter({ store, csrfProtect, writeLimit, retentionDays: options.trashRetentionDays }));

  /**
   * `place` undefined: the database just failed this request, so the page shows no list rather
   * than wait for it again. `here` is the list's own path, which its forms send back as `return`.
   */
  async function render(req: Request, res: Response, place: ListPlace | undefined, here: string, form: FormState, status = 200, notice?: Notice) {
    let page: ProductPage | undefined;
    let total: number | string | undefined;
    let exact: StoredProduct | undefined;
    let unavailable = place === undefined;
    try {
      if (place) {
        const query = { limit: PAGE_SIZE, olderThan: place.olderThan, newerThan: place.newerThan, search: place.search };
        if (place.search) {
          // The exact ID lookup runs beside the search, not after it.
          [[page, total], exact] = await Promise.all([searchPage(store, query, place.search), store.get(place.search)]);
        } else {
          [page, total] = await store.listPageWithTotal(query);
        }
      }
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      unavailable = true;
    }
    const search = place?.search;
    // The exact ID match leads the first page, marked; it is not repeated further down.
    const items = (page?.items ?? []).filter((p) => p.productId !== exact?.productId);
    const onFirstPage = place?.olderThan === undefined && place?.newerThan === undefined;
    const shown = exact && onFirstPage ? [{ product: exact, exact: true }] : [];
    for (const product of items) shown.push({ product, exact: false });
    // Back at the newest page the position is 1, whatever the link said.
    const from = page && !page.hasNewer ? 1 : place?.from;
    const starts = neighbourStarts(from, page?.items.length ?? 0);
    const first = page?.items[0];
    const last = page?.items.at(-1);
    const newerHref = page?.hasNewer && first ? listHref(search, { name: 'after', seq: first.seq, from: starts.newer }) : undefined;
    const olderHref = page?.hasOlder && last ? listHref(search, { name: 'before', seq: last.seq, from: starts.older }) : undefined;
    const range = from !== undefined && page && page.items.length > 0 ? { first: from, last: from + page.items.length - 1 } : undefined;
    const answer = unavailable && status < 500 ? 503 : status;
    // As the API does: a browser ignores it, but a monitor or script knows when to look again.
    if (answer === 503) res.set('Retry-After', String(UNAVAILABLE_RETRY_SECONDS));
    res.status(answer).render('index', {
      unavailable,
      rows: shown,
      total: total === undefined ? undefined : formatCount(total),
      range: range && { first: range.first.toLocaleString('en-US'), last: range.last.toLocaleString('en-US') },
      search: search ?? '',
      beyondFirstPage: !onFirstPage,
      newerHref,
      olderHref,
      here,
      form,
      notice,
      principal: res.locals.principal,
      canChange: pageAllows(res, NEEDS.changeProducts),
      isAdmin: pageAllows(res, NEEDS.administer),
      signInHref: `/login?next=${encodeURIComponent(req.originalUrl)}`,
      limits: LIMITS,
    });
  }

  router.get('/', async (req, res) => {
    const here = returnPath(req.originalUrl);
    await render(req, res, listPlace(req.query), here, emptyForm(), 200, takeFullNotice(req, res));
  });

  const form = express.urlencoded({ extended: false, limit: BODY_LIMIT_BYTES, parameterLimit: 20 });
  // Who may write is checked before the form's token: a visitor whose session ended is sent to sign in.
  const editor = pageRequires(NEEDS.changeProducts);
  const body = (req: Request) => (req.body ?? {}) as Record<string, unknown>;
  const productIdOf = (req: Request) => {
    const checked = checkProductIdInPath(String(req.params.productId));
    if (!checked.ok) throw new HttpError(400, 'Invalid request', checked.error);
    return checked.value;
  };

  router.post('/products', writeLimit, editor, form, csrfProtect, async (req, res) => {
    const fields = body(req);
    const back = returnPath(fields.return);
    const values = { product_id: text(fields.product_id), product_name: text(fields.product_name) };
    const checked = checkNewProduct({ productId: fields.product_id, productName: fields.product_name });
    if (!checked.ok) {
      const errors = Object.fromEntries(checked.errors.map((e) => [FIELD_NAMES[e.field] ?? e.field, e.message]));
      return render(req, res, placeOf(back), back, { values, errors }, 400);
    }
    try {
      const product = await store.create(checked.value, changeContext(req, res));
      redirectWithNotice(req, res, { text: `Added product ${productLabel(product)}.`, name: product.productName }, back);
    } catch (error) {
      const httpError = toHttpError(error);
      if (httpError.status !== 409 && httpError.status !== 503) throw error;
      const errors: Record<string, string> = httpError.status === 409 ? { product_id: httpError.message } : {};
      const message = httpError.status === 503 ? httpError.message : undefined;
      const place = httpError.status === 503 ? undefined : placeOf(back);
      // A trashed ID stays taken: the answer offers to restore that product instead.
      const restorable = error instanceof DuplicateProductIdError && error.inTrash ? error.productId : undefined;
      await render(req, res, place, back, { values, errors, ...(message && { message }), ...(restorable && { restorable }) }, httpError.status);
    }
  });

  router.post('/products/:productId/delete', writeLimit, editor, form, csrfProtect, async (req, res) => {
    const productId = productIdOf(req);
    const back = returnPath(body(req).return);
    const removed = await store.remove(productId, changeContext(req, res));
    redirectWithNotice(
      req,
      res,
      removed
        ? { text: `Moved product ${productLabel(removed)} to the trash.`, name: removed.productName, undo: removed.productId }
        : `Product ${productId} was already deleted.`,
      back,
    );
  });

  interface EditState {
    product: StoredProduct;
    /** What the user typed, kept through errors and conflicts. */
    value: string;
    /** The version the form saves over: the one it was opened at, or the current one after a conflict. */
    version?: number;
    error?: string;
    /** Someone else changed (current) or removed (message) the product since the form was opened. */
    conflict?: { current?: StoredProduct; message?: string; canRestore?: boolean };
    back: string;
  }

  function renderEdit(res: Response, state: EditState, status = 200) {
    res.status(status).render('edit', { error: undefined, conflict: undefined, version: undefined, ...state, limits: LIMITS });
  }

  const notFoundOrTrashed = async (productId: string) => {
    const trashed = await store.getTrashed(productId);
    return new HttpError(
      404,
      'Not found',
      trashed
        ? `Product ${productId} is in the trash. Restore it from the trash to rename it.`
        : `There is no product with ID ${productId}; it may have been deleted.`,
    );
  };

  router.get('/products/:productId/edit', editor, async (req, res) => {
    const productId = productIdOf(req);
    const back = returnPath(req.query.return);
    const product = await store.get(productId);
    if (!product) throw await notFoundOrTrashed(productId);
    renderEdit(res, { product, value: product.productName, version: product.version, back });
  });

  router.post('/products/:productId/edit', writeLimit, editor, form, csrfProtect, async (req, res) => {
    const productId = productIdOf(req);
    const fields = body(req);
    const back = returnPath(fields.return);
    const value = text(fields.product_name);
    const version = typeof fields.version === 'string' && /^[1-9]\d{0,15}$/.test(fields.version) ? Number(fields.version) : undefined;
    const context = changeContext(req, res);
    // "Restore it and save my name", offered when someone moved the product to the trash meanwhile.
    const restored = fields.restore === '1' ? await store.restore(productId, context) : undefined;
    const current = await store.get(productId);
    if (!current) {
      const trashed = await store.getTrashed(productId);
      if (!trashed) throw await notFoundOrTrashed(productId);
      const message = `Someone moved this product to the trash${trashed.deletedBy ? ` (${trashed.deletedBy})` : ''} while you were editing. Your name is kept below.`;
      return renderEdit(res, { product: trashed, value, back, conflict: { message, canRestore: true } }, 409);
    }
    const name = checkProductName(fields.product_name);
    if (!name.ok) return renderEdit(res, { product: current, value, version: restored ? current.version : version, error: name.error, back }, 400);
    if (!restored && name.value === current.productName) {
      return redirectWithNotice(req, res, { text: `Product ${productLabel(current)} kept its name: nothing changed.`, name: current.productName }, back);
    }
    try {
      const renamed = await store.rename(productId, name.value, context, restored ? current.version : version);
      if (!renamed) throw await notFoundOrTrashed(productId);
      const what = restored ? `Restored product ${productId} and renamed it` : `Renamed product ${productId}`;
      redirectWithNotice(req, res, { text: `${what} to “${renamed.productName}”.`, name: renamed.productName }, back);
    } catch (error) {
      if (!(error instanceof VersionMismatchError)) throw error;
      // Both names side by side; saving again overwrites the version the user has now seen.
      renderEdit(res, { product: error.current, value, version: error.current.version, back, conflict: { current: error.current } }, 409);
    }
  });

  return router;
}
