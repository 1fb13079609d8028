/** Roles in increasing power; each may do everything the ones before it may. */
export const ROLES = ['viewer', 'editor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

const RANK: Readonly<Record<Role, number>> = { viewer: 1, editor: 2, admin: 3 };

export const isRole = (value: unknown): value is Role =>
  typeof value === 'string' && (ROLES as readonly string[]).includes(value);

/** Whether `role` may do what `needed` may. */
export const atLeast = (role: Role, needed: Role): boolean => RANK[role] >= RANK[needed];

/** The less powerful of two roles: a token never acts above its owner. */
export const lowerOf = (a: Role, b: Role): Role => (RANK[a] <= RANK[b] ? a : b);

/** The more powerful of two roles: a user in several mapped groups gets the highest. */
export const higherOf = (a: Role, b: Role): Role => (RANK[a] >= RANK[b] ? a : b);

/** The least role each kind of action needs (README "Access control"). */
export const NEEDS = {
  /** Pages and GET /api when PUBLIC_READ is false. */
  read: 'viewer',
  /** Create, rename and delete products. */
  changeProducts: 'editor',
  /** Create and revoke one's own API tokens. */
  ownTokens: 'editor',
  /** Accounts, everyone's tokens, the audit trail. */
  administer: 'admin',
} as const satisfies Record<string, Role>;
