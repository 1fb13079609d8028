import { Router, type Request } from 'express';
import { apiRequires, pageRequires } from '../auth/authorize.js';
import { NEEDS } from '../auth/roles.js';
import { checkProductIdInPath } from '../catalog/validation.js';
import { decodeCursor, encodeCursor } from '../http/cursor.js';
import { validationError, type FieldError } from '../http/errors.js';
import { LIST_LIMIT } from '../limits.js';
import { AUDIT_ACTIONS, isAuditAction, type AuditEvent, type AuditLog, type AuditQuery } from './audit-event.js';
import { caseSensitiveRouter } from '../http/routing.js';

/** Filters and paging of the audit views, from the query string; the API and the page read the same names. */
function auditQuery(query: Request['query'], names: { product: string; cursor: string }): { query: AuditQuery; filters: Record<string, string> } {
  const errors: FieldError[] = [];
  const text = (name: string) => (typeof query[name] === 'string' && (query[name] as string).trim() !== '' ? (query[name] as string).trim() : undefined);
  const actor = text('actor');
  if (actor !== undefined && !/^[A-Za-z0-9._-]{1,64}$/.test(actor)) errors.push({ field: 'actor', message: 'actor must be a username.' });
  const product = text(names.product);
  if (product !== undefined && !checkProductIdInPath(product).ok) errors.push({ field: names.product, message: 'That is not a product ID.' });
  const action = text('action');
  if (action !== undefined && !isAuditAction(action)) errors.push({ field: 'action', message: `action must be one of ${AUDIT_ACTIONS.join(', ')}.` });
  const cursor = text(names.cursor);
  const olderThan = cursor === undefined ? undefined : decodeCursor(cursor);
  if (cursor !== undefined && olderThan === undefined) errors.push({ field: names.cursor, message: 'The cursor is not valid; start from the first page.' });
  let limit: number = LIST_LIMIT.default;
  const rawLimit = text('limit');
  if (rawLimit !== undefined) {
    limit = /^\d{1,3}$/.test(rawLimit) ? Number(rawLimit) : NaN;
    if (!(limit >= LIST_LIMIT.min && limit <= LIST_LIMIT.max)) errors.push({ field: 'limit', message: `limit must be a whole number from ${LIST_LIMIT.min} to ${LIST_LIMIT.max}.` });
  }
  if (errors.length) throw validationError(errors, 'query');
  return {
    query: {
      limit,
      ...(actor !== undefined && { actor }),
      ...(product !== undefined && { productId: product }),
      ...(action !== undefined && isAuditAction(action) && { action }),
      ...(olderThan !== undefined && { olderThan }),
    },
    filters: { actor: actor ?? '', product: product ?? '', action: action ?? '' },
  };
}

export const auditEventJson = (e: AuditEvent) => ({
  id: e.id,
  at: e.at.toISOString(),
  actor: e.actor ? { username: e.actor.username, tokenId: e.actor.tokenId ?? null } : null,
  action: e.action,
  target: e.target,
  before: e.before ?? null,
  after: e.after ?? null,
  clientIp: e.clientIp,
  requestId: e.requestId,
});

/** "Tea → Green tea", "role viewer → editor", for the page's Change column. */
function describeChange(e: AuditEvent): string {
  const keys = [...new Set([...Object.keys(e.before ?? {}), ...Object.keys(e.after ?? {})])];
  return keys
    .map((key) => {
      const before = e.before?.[key];
      const after = e.after?.[key];
      const show = (v: unknown) => (v === null || v === undefined ? '—' : String(v));
      return before !== undefined && after !== undefined ? `${key}: ${show(before)} → ${show(after)}` : `${key}: ${show(before ?? after)}`;
    })
    .join('; ');
}

/** GET /api/audit (admins only), keyset-paged newest first. */
export function auditApiRouter(audit: AuditLog): Router {
  const router = caseSensitiveRouter();
  router.get('/api/audit', apiRequires(NEEDS.administer), async (req, res) => {
    const { query } = auditQuery(req.query, { product: 'productId', cursor: 'cursor' });
    const page = await audit.list(query);
    const last = page.events.at(-1);
    res.json({ items: page.events.map(auditEventJson), nextCursor: page.hasOlder && last ? encodeCursor(last.id) : null });
  });
  return router;
}

/** The /admin/audit page (admins only), with the same filters as the API. */
export function auditPageRouter(audit: AuditLog): Router {
  const router = caseSensitiveRouter();
  router.get('/admin/audit', pageRequires(NEEDS.administer), async (req, res) => {
    const { query, filters } = auditQuery(req.query, { product: 'product', cursor: 'before' });
    const page = await audit.list(query);
    const last = page.events.at(-1);
    const next = new URLSearchParams(Object.entries(filters).filter(([, v]) => v !== ''));
    if (page.hasOlder && last) next.set('before', encodeCursor(last.id));
    res.render('admin-audit', {
      events: page.events,
      filters,
      actions: AUDIT_ACTIONS,
      olderHref: page.hasOlder && last ? `/admin/audit?${next}` : undefined,
      describeChange,
    });
  });

  return router;
}
