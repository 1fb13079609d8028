import type { User } from '../accounts.js';
import type { Role } from '../roles.js';
import type { RoleDecision } from './role-from-claims.js';

/** What single sign-on does to an account itself (never its password). */
export interface ClaimsChange {
  readonly role?: Role;
  /** true: disabled by claims; false: enabled again (it was disabled by claims). */
  readonly disabled?: boolean;
}

export type SsoPlan =
  | { readonly kind: 'provision'; readonly role: Role }
  | { readonly kind: 'sign-in'; readonly change: ClaimsChange }
  | { readonly kind: 'refuse'; readonly reason: 'no-mapped-group' | 'disabled'; readonly change?: ClaimsChange };

/**
 * What a single sign-on does to the linked account `user` (undefined at the first sign-in), given
 * the role its claims map to; the one rule both stores apply, under their lock:
 * - first sign-in: an account with the mapped role, or nothing when no role is mapped;
 * - disabled by an admin: refused, and never enabled by a sign-in;
 * - role pinned by an admin: signed in with that role, whatever the claims say (enabled again if
 *   claims had disabled it);
 * - no mapped role: refused, and disabled by claims, so its sessions end and its API tokens stop;
 * - otherwise: signed in with the mapped role, enabled again if claims had disabled it.
 */
export function planSsoSignIn(user: User | undefined, decision: RoleDecision): SsoPlan {
  const refused = 'refused' in decision;
  if (!user) return refused ? { kind: 'refuse', reason: 'no-mapped-group' } : { kind: 'provision', role: decision.role };
  if (user.disabled && !user.disabledByClaims) return { kind: 'refuse', reason: 'disabled' };
  const enable: ClaimsChange = user.disabled ? { disabled: false } : {};
  if (user.rolePinned) return { kind: 'sign-in', change: enable };
  if (refused) return { kind: 'refuse', reason: 'no-mapped-group', ...(!user.disabled && { change: { disabled: true } }) };
  return { kind: 'sign-in', change: { ...enable, ...(decision.role !== user.role && { role: decision.role }) } };
}

/** The account after `change`. */
export const afterClaims = <U extends User>(user: U, change: ClaimsChange, now: Date): U => ({
  ...user,
  ...(change.role !== undefined && { role: change.role }),
  ...(change.disabled !== undefined && { disabled: change.disabled, disabledByClaims: change.disabled }),
  updatedAt: now,
});

export const changesAnything = (change: ClaimsChange | undefined): change is ClaimsChange =>
  change !== undefined && (change.role !== undefined || change.disabled !== undefined);
