import type { NewAuditEvent } from '../audit/audit-event.js';
import type { ApiToken, User, UserChange } from './accounts.js';
import type { ChangeContext } from './principal.js';

/** The audit events of account, token and session changes, the same for every store. */

export const userCreatedEvent = (user: User, context: ChangeContext): NewAuditEvent => ({
  context,
  action: 'user.create',
  target: { type: 'user', id: user.username },
  after: { role: user.role },
});

/** One event per kind of change that `change` really makes to `user` (none when nothing changes). */
export function userChangeEvents(user: User, change: UserChange, context: ChangeContext): NewAuditEvent[] {
  const target = { type: 'user' as const, id: user.username };
  const events: NewAuditEvent[] = [];
  if (change.role !== undefined && change.role !== user.role) {
    events.push({ context, action: 'user.role', target, before: { role: user.role }, after: { role: change.role } });
  }
  if (change.disabled !== undefined && change.disabled !== user.disabled) {
    events.push({ context, action: change.disabled ? 'user.disable' : 'user.enable', target });
  }
  // The hash itself is a secret: the event says only that the password changed.
  if (change.passwordHash !== undefined) events.push({ context, action: 'user.password', target });
  return events;
}

export const tokenCreatedEvent = (token: ApiToken, context: ChangeContext): NewAuditEvent => ({
  context,
  action: 'token.create',
  target: { type: 'token', id: String(token.id) },
  after: { name: token.name, owner: token.username, role: token.role, expiresAt: token.expiresAt?.toISOString() ?? null },
});

export const tokenRevokedEvent = (token: ApiToken, context: ChangeContext): NewAuditEvent => ({
  context,
  action: 'token.revoke',
  target: { type: 'token', id: String(token.id) },
  before: { name: token.name, owner: token.username },
});

export const signInEvent = (context: ChangeContext): NewAuditEvent => ({
  context,
  action: 'auth.sign_in',
  target: { type: 'user', id: context.actor?.username ?? '' },
});

export const signOutEvent = (context: ChangeContext): NewAuditEvent => ({
  context,
  action: 'auth.sign_out',
  target: { type: 'user', id: context.actor?.username ?? '' },
});

/** A failed sign-in names the account tried, which may not exist; never the password. */
export const signInFailedEvent = (username: string, reason: string, context: ChangeContext): NewAuditEvent => ({
  context,
  action: 'auth.sign_in_failed',
  target: { type: 'user', id: username },
  after: { reason },
});
