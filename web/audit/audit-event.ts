import type { ChangeContext } from '../auth/principal.js';

/** Every kind of event the audit trail records. */
export const AUDIT_ACTIONS = [
  'product.create',
  'product.rename',
  'product.delete',
  'product.restore',
  'product.purge',
  'product.import',
  'user.create',
  'user.role',
  'user.disable',
  'user.enable',
  'user.password',
  'user.role_pin',
  'user.role_unpin',
  'token.create',
  'token.revoke',
  'auth.sign_in',
  'auth.sign_in_failed',
  'auth.sign_out',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const isAuditAction = (value: unknown): value is AuditAction =>
  typeof value === 'string' && (AUDIT_ACTIONS as readonly string[]).includes(value);

export type TargetType = 'product' | 'user' | 'token' | 'catalog';

/** Values before or after a change: only what changed, never a secret. */
export type AuditValues = Readonly<Record<string, string | number | boolean | null>>;

/** An event as a change records it; the log adds its id and time. */
export interface NewAuditEvent {
  readonly context: ChangeContext;
  readonly action: AuditAction;
  readonly target: { readonly type: TargetType; readonly id: string };
  readonly before?: AuditValues;
  readonly after?: AuditValues;
}

export interface AuditEvent {
  readonly id: number;
  readonly at: Date;
  /** Absent for anonymous requests. */
  readonly actor?: { readonly userId: number; readonly username: string; readonly tokenId?: number };
  readonly action: AuditAction;
  readonly target: { readonly type: TargetType; readonly id: string };
  readonly before?: AuditValues;
  readonly after?: AuditValues;
  readonly clientIp: string;
  readonly requestId: string;
}

/** Filters of the audit views; every one optional. Pages go newest first, keyset by id. */
export interface AuditQuery {
  readonly actor?: string;
  readonly productId?: string;
  readonly action?: AuditAction;
  /** Only events with a smaller id (the next page). */
  readonly olderThan?: number;
  readonly limit: number;
}

export interface AuditPage {
  readonly events: readonly AuditEvent[];
  readonly hasOlder: boolean;
}

/**
 * The audit trail. Changes record their events in their own transaction (the stores do it);
 * `record` is for events that change nothing else (a failed sign-in).
 */
export interface AuditLog {
  record(event: NewAuditEvent): Promise<void>;
  list(query: AuditQuery): Promise<AuditPage>;
  /** Deletes events older than `before`, at most `batch` of them; returns how many. */
  sweep(before: Date, batch: number): Promise<number>;
}

/** The event as stored, from what the change recorded. */
export function toAuditEvent(id: number, at: Date, event: NewAuditEvent): AuditEvent {
  const actor = event.context.actor;
  return {
    id,
    at,
    ...(actor && {
      actor: { userId: actor.userId, username: actor.username, ...(actor.tokenId !== undefined && { tokenId: actor.tokenId }) },
    }),
    action: event.action,
    target: event.target,
    ...(event.before && { before: event.before }),
    ...(event.after && { after: event.after }),
    clientIp: event.context.clientIp,
    requestId: event.context.requestId,
  };
}

/** Whether an event passes a query's filters (the in-memory log; SQL does the same). */
export function matchesAuditQuery(event: AuditEvent, query: AuditQuery): boolean {
  if (query.actor !== undefined && event.actor?.username.toLowerCase() !== query.actor.toLowerCase()) return false;
  if (query.productId !== undefined && !(event.target.type === 'product' && event.target.id === query.productId)) return false;
  if (query.action !== undefined && event.action !== query.action) return false;
  return query.olderThan === undefined || event.id < query.olderThan;
}
