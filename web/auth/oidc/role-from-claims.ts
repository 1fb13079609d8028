import type { OidcConfig } from './oidc-config.js';
import { higherOf, type Role } from '../roles.js';

export type RoleDecision =
  /** `groups`: the user's groups that the role map knows (empty when the default role applied). */
  | { readonly role: Role; readonly groups: readonly string[] }
  | { readonly refused: 'no-mapped-group'; readonly groups: readonly string[] };

/**
 * The role a single sign-on user gets from their claims, recomputed at every sign-in: the
 * highest role any of their groups maps to; with none, OIDC_DEFAULT_ROLE (`viewer`, or `none`,
 * which refuses them).
 */
export function roleFromClaims(
  claims: Readonly<Record<string, unknown>>,
  policy: Pick<OidcConfig, 'rolesClaim' | 'roleMap' | 'defaultRole'>,
): RoleDecision {
  const mapped = groupsIn(claims[policy.rolesClaim]).filter((group) => policy.roleMap.has(group));
  if (mapped.length === 0) {
    return policy.defaultRole === 'none' ? { refused: 'no-mapped-group', groups: [] } : { role: policy.defaultRole, groups: [] };
  }
  const role = mapped.map((group) => policy.roleMap.get(group)!).reduce(higherOf);
  return { role, groups: mapped };
}

/**
 * Group names from a claim value. Providers send a JSON array (Keycloak, Dex, Entra ID) or, more
 * rarely, one string separated by spaces or commas. Anything else counts as no groups.
 */
export function groupsIn(value: unknown): string[] {
  const names = Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : typeof value === 'string' ? value.split(/[\s,]+/) : [];
  return [...new Set(names.filter((name) => name !== ''))];
}
