/**
 * The account roles of access control (issue 9), lowest first. The accounts module in web/auth/
 * is meant to own this list; import it from there once it exists.
 */
export const ROLES = ['viewer', 'editor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** The higher of two roles. */
export const higherRole = (a: Role, b: Role): Role => (ROLES.indexOf(a) >= ROLES.indexOf(b) ? a : b);
