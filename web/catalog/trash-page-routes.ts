import express, { Router, type Request, type RequestHandler } from 'express';
import { caseSensitiveRouter } from '../http/routing.js';
import { pageAllows, pageRequires } from '../auth/authorize.js';
import { NEEDS } from '../auth/roles.js';
import { decodeTrashCursor, encodeTrashCursor } from '../http/cursor.js';
import { HttpError } from '../http/errors.js';
import { changeContext } from '../http/locals.js';
import { redirectWithNotice, takeFullNotice } from '../http/notice.js';
import { BODY_LIMIT_BYTES, PAGE_SIZE } from '../limits.js';
import { returnPath } from './list-place.js';
import type { ProductStore, TrashKey, TrashedProduct } from './product-store.js';
import { checkProductIdInPath } from './validation.js';

const TRASH = '/trash';

/** "Espresso" (P-1), as the catalog's notices name a product. */
const label = (p: { productId: string; productName: string }) => `“${p.productName}” (${p.productId})`;

function trashHref(cursor?: { name: 'before' | 'after'; key: TrashKey }): string {
  if (!cursor) return TRASH;
  return `${TRASH}?${new URLSearchParams({ [cursor.name]: encodeTrashCursor(cursor.key) })}`;
}

function trashCursor(req: Request, name: 'before' | 'after'): TrashKey | undefined {
  const raw = req.query[name];
  if (raw === undefined) return undefined;
  const key = typeof raw === 'string' ? decodeTrashCursor(raw) : undefined;
  if (!key) throw new HttpError(400, 'Invalid request', 'This page link is not valid; start again from the first page.', [{ field: name, message: 'Not a page link of the trash.' }]);
  return key;
}

export interface TrashPagesOptions {
  readonly store: ProductStore;
  readonly csrfProtect: RequestHandler;
  readonly writeLimit: RequestHandler;
  /** How long products stay in the trash (TRASH_RETENTION_DAYS), to say so on the page. */
  readonly retentionDays?: number;
}

/**
 * The trash on the page: what was deleted, by whom and when, newest first; Restore (editors) and
 * Delete forever (admins, after a confirmation page). Everything works without JavaScript.
 */
export function trashPagesRouter({ store, csrfProtect, writeLimit, retentionDays }: TrashPagesOptions): Router {
  const router = caseSensitiveRouter();
  const form = express.urlencoded({ extended: false, limit: BODY_LIMIT_BYTES, parameterLimit: 20 });
  const editor = pageRequires(NEEDS.changeProducts);
  const admin = pageRequires(NEEDS.administer);
  const productIdOf = (req: Request) => {
    const checked = checkProductIdInPath(String(req.params.productId));
    if (!checked.ok) throw new HttpError(400, 'Invalid request', checked.error);
    return checked.value;
  };
  const field = (req: Request, name: string): unknown => ((req.body ?? {}) as Record<string, unknown>)[name];

  router.get(TRASH, editor, async (req, res) => {
    const olderThan = trashCursor(req, 'before');
    const newerThan = trashCursor(req, 'after');
    const page = await store.listTrash({ limit: PAGE_SIZE, olderThan, newerThan });
    const first = page.items[0];
    const last = page.items.at(-1);
    const key = (p: TrashedProduct) => ({ deletedAt: p.deletedAt, seq: p.seq });
    res.render('trash', {
      items: page.items,
      newerHref: page.hasNewer && first ? trashHref({ name: 'after', key: key(first) }) : undefined,
      olderHref: page.hasOlder && last ? trashHref({ name: 'before', key: key(last) }) : undefined,
      beyondFirstPage: olderThan !== undefined || newerThan !== undefined,
      here: returnPath(req.originalUrl, TRASH),
      notice: takeFullNotice(req, res),
      isAdmin: pageAllows(res, NEEDS.administer),
      canChange: true,
      retentionDays,
    });
  });

  router.post(`${TRASH}/:productId/restore`, writeLimit, editor, form, csrfProtect, async (req, res) => {
    const productId = productIdOf(req);
    const back = returnPath(field(req, 'return'));
    const restored = await store.restore(productId, changeContext(req, res));
    if (!restored) {
      const live = await store.get(productId);
      return redirectWithNotice(req, res, live ? `Product ${productId} was already restored.` : `Product ${productId} is not in the trash any more: it was deleted for good.`, back);
    }
    redirectWithNotice(req, res, { text: `Restored product ${label(restored)}.`, name: restored.productName }, back);
  });

  async function trashedOr404(productId: string): Promise<TrashedProduct> {
    const trashed = await store.getTrashed(productId);
    if (!trashed) throw new HttpError(404, 'Not found', `Product ${productId} is not in the trash; it may have been restored or deleted for good.`);
    return trashed;
  }

  // Deleting forever cannot be undone, so it asks first, on a page of its own (no script needed).
  router.get(`${TRASH}/:productId/purge`, admin, async (req, res) => {
    const product = await trashedOr404(productIdOf(req));
    res.render('trash-purge', { product, back: returnPath(req.query.return, TRASH) });
  });

  router.post(`${TRASH}/:productId/purge`, writeLimit, admin, form, csrfProtect, async (req, res) => {
    const productId = productIdOf(req);
    const back = returnPath(field(req, 'return'), TRASH);
    const purged = await store.purge(productId, changeContext(req, res));
    redirectWithNotice(
      req,
      res,
      purged ? { text: `Deleted product ${label(purged)} forever.`, name: purged.productName } : `Product ${productId} was not in the trash any more.`,
      back,
    );
  });

  return router;
}
