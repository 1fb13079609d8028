import type { AuditValues, NewAuditEvent } from '../audit/audit-event.js';
import type { ApiToken, Session, User, UserChange } from './accounts.js';
import type { ClaimsChange } from './oidc/sso-account.js';
import type { Identity } from './oidc/sso-stores.js';
import type { ChangeContext } from './principal.js';

/** The audit events of account, token and session changes, the same for every store. */

/** Marks what single sign-on did on the provider's word (its claims), for one identity. */
const byClaims = (identity: Identity): AuditValues => ({ by: 'oidc', issuer: identity.issuer, subject: identity.subject });

/** A new account: made by an admin, or provisioned at the first single sign-on of `identity`. */
export const userCreatedEvent = (user: User, context: ChangeContext, identity?: Identity): NewAuditEvent => ({
  context,
  action: 'user.create',
  target: { type: 'user', id: user.username },
  after: { role: user.role, ...(identity && byClaims(identity)) },
});

/** One event per kind of change that `change` really makes to `user` (none when nothing changes). */
export function userChangeEvents(user: User, change: UserChange, context: ChangeContext): NewAuditEvent[] {
  const target = { type: 'user' as const, id: user.username };
  const events: NewAuditEvent[] = [];
  if (change.role !== undefined && change.role !== user.role) {
    events.push({ context, action: 'user.role', target, before: { role: user.role }, after: { role: change.role } });
  }
  if (change.rolePinned !== undefined && change.rolePinned !== user.rolePinned) {
    events.push({ context, action: change.rolePinned ? 'user.role_pin' : 'user.role_unpin', target, after: { role: change.role ?? user.role } });
  }
  // An admin disabling an account that claims disabled takes it over: only an admin enables it now.
  if (change.disabled !== undefined && (change.disabled !== user.disabled || (change.disabled && user.disabledByClaims))) {
    events.push({ context, action: change.disabled ? 'user.disable' : 'user.enable', target });
  }
  // The hash itself is a secret: the event says only that the password changed.
  if (change.passwordHash !== undefined) events.push({ context, action: 'user.password', target });
  return events;
}

/** What a single sign-on's claims changed (planSsoSignIn), with the mapped groups that decided the role. */
export function claimsChangeEvents(user: User, change: ClaimsChange, groups: readonly string[], identity: Identity, context: ChangeContext): NewAuditEvent[] {
  const target = { type: 'user' as const, id: user.username };
  const by = byClaims(identity);
  const events: NewAuditEvent[] = [];
  if (change.role !== undefined && change.role !== user.role) {
    events.push({ context, action: 'user.role', target, before: { role: user.role }, after: { role: change.role, groups: groups.join(', '), ...by } });
  }
  if (change.disabled === true && !user.disabled) {
    events.push({ context, action: 'user.disable', target, after: { reason: 'no mapped group', ...by } });
  }
  if (change.disabled === false && user.disabled) events.push({ context, action: 'user.enable', target, after: by });
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

/** The sign-in that started `session`: with a password, or through the provider (which account there). */
export const signInEvent = (context: ChangeContext, session: Pick<Session, 'oidc'>): NewAuditEvent => ({
  context,
  action: 'auth.sign_in',
  target: { type: 'user', id: context.actor?.username ?? '' },
  after: session.oidc ? { method: 'oidc', issuer: session.oidc.issuer, subject: session.oidc.subject } : { method: 'password' },
});

export const signOutEvent = (context: ChangeContext, details?: AuditValues): NewAuditEvent => ({
  context,
  action: 'auth.sign_out',
  target: { type: 'user', id: context.actor?.username ?? '' },
  ...(details && { after: details }),
});

/** A single sign-on the app refused (no mapped group, a disabled account), naming the account at the provider. */
export const ssoSignInRefusedEvent = (username: string, reason: string, identity: Identity, context: ChangeContext): NewAuditEvent => ({
  context,
  action: 'auth.sign_in_failed',
  target: { type: 'user', id: username },
  after: { reason, method: 'oidc', issuer: identity.issuer, subject: identity.subject },
});

/** A failed sign-in names the account tried, which may not exist; never the password. */
export const signInFailedEvent = (username: string, reason: string, context: ChangeContext): NewAuditEvent => ({
  context,
  action: 'auth.sign_in_failed',
  target: { type: 'user', id: username },
  after: { reason },
});
