import type { Role } from './roles.js';

/** Who a request acts for, once signed in (page session) or authenticated (API token). */
export interface Principal {
  readonly userId: number;
  readonly username: string;
  /** The role this request acts with: the account's, or the token's when that is lower. */
  readonly role: Role;
  readonly via: 'session' | 'token';
  /** The API token used, when `via` is 'token'. */
  readonly tokenId?: number;
}

/** Who did something and from where, recorded with every change in the audit trail. */
export interface ChangeContext {
  /** Absent for anonymous requests (a failed sign-in, say). */
  readonly actor?: Principal;
  readonly clientIp: string;
  readonly requestId: string;
}
