import type { SessionStore, ThrottleStore, TokenStore, UserStore } from './auth/accounts.js';
import type { AuditLog } from './audit/audit-event.js';
import { MemoryAuditLog } from './audit/memory-audit-log.js';
import { MysqlAuditLog } from './audit/mysql-audit-log.js';
import { memoryAuthStores } from './auth/memory-auth-stores.js';
import { MysqlSessionStore } from './auth/mysql-session-store.js';
import { MysqlThrottleStore } from './auth/mysql-throttle-store.js';
import { MysqlTokenStore } from './auth/mysql-token-store.js';
import { MysqlUserStore } from './auth/mysql-user-store.js';
import { MysqlIdentityStore } from './auth/oidc/mysql-identity-store.js';
import { MysqlPendingSignInStore } from './auth/oidc/mysql-pending-store.js';
import type { IdentityStore, PendingSignInStore } from './auth/oidc/sso-stores.js';
import { MemoryProductStore } from './catalog/memory-store.js';
import { MysqlProductStore } from './catalog/mysql-store.js';
import type { ProductStore } from './catalog/product-store.js';
import type { MysqlRunner } from './mysql/runner.js';

/** Everything the app keeps, behind one interface per kind; in memory or in MySQL. */
export interface Stores {
  readonly products: ProductStore;
  readonly users: UserStore;
  readonly tokens: TokenStore;
  readonly sessions: SessionStore;
  readonly throttle: ThrottleStore;
  /** Accounts linked to an OpenID Provider's (issuer, sub). */
  readonly identities: IdentityStore;
  /** Single sign-ons under way at the provider. */
  readonly pendingSignIns: PendingSignInStore;
  readonly audit: AuditLog;
}

/** All stores in process memory, sharing one audit trail: nothing survives a restart. */
export function memoryStores(): Stores {
  const audit = new MemoryAuditLog();
  return { products: new MemoryProductStore(audit), ...memoryAuthStores(audit), audit };
}

/** All stores on one MySQL pool. */
export function mysqlStores(db: MysqlRunner): Stores {
  return {
    products: new MysqlProductStore(db),
    users: new MysqlUserStore(db),
    tokens: new MysqlTokenStore(db),
    sessions: new MysqlSessionStore(db),
    throttle: new MysqlThrottleStore(db),
    identities: new MysqlIdentityStore(db),
    pendingSignIns: new MysqlPendingSignInStore(db),
    audit: new MysqlAuditLog(db),
  };
}
