import { insertAuditEvent } from '../../audit/mysql-audit-log.js';
import type { Execute } from '../../mysql/deadline.js';
import { sqlErrorCode, type MysqlRunner, type Row } from '../../mysql/runner.js';
import { LastAdminError, removesAnAdmin, type User } from '../accounts.js';
import { claimsChangeEvents, userCreatedEvent } from '../auth-events.js';
import { insertUser, lockEnabledAdmins, toUser, USER_COLUMNS, writeUser, type UserRow } from '../mysql-user-store.js';
import type { ChangeContext } from '../principal.js';
import type { Role } from '../roles.js';
import type { RoleDecision } from './role-from-claims.js';
import { afterClaims, changesAnything, planSsoSignIn } from './sso-account.js';
import { NoFreeUsernameError, type Identity, type IdentityStore, type SsoSignInResult } from './sso-stores.js';

/** Another replica provisioned the same identity meanwhile; this transaction was rolled back. */
class LinkedMeanwhile extends Error {}

/** Accounts linked to a provider's (issuer, sub) in user_identities (migration 005). */
export class MysqlIdentityStore implements IdentityStore {
  constructor(private readonly db: MysqlRunner) {}

  async signIn(identity: Identity, decision: RoleDecision, usernames: readonly string[], context: ChangeContext): Promise<SsoSignInResult> {
    try {
      return await this.db.transaction((execute) => this.#signIn(execute, identity, decision, usernames, context));
    } catch (error) {
      // Two first sign-ins of one person at once (two tabs, two replicas): the second finds the link now.
      if (!(error instanceof LinkedMeanwhile)) throw error;
      return this.db.transaction((execute) => this.#signIn(execute, identity, decision, usernames, context));
    }
  }

  async #signIn(execute: Execute, identity: Identity, decision: RoleDecision, usernames: readonly string[], context: ChangeContext): Promise<SsoSignInResult> {
    const now = new Date();
    const [link] = await execute<Row[]>('SELECT user_id FROM user_identities WHERE issuer = ? AND subject = ?', [identity.issuer, identity.subject]);
    if (!link) {
      const plan = planSsoSignIn(undefined, decision);
      if (plan.kind !== 'provision') return { outcome: 'refused', reason: 'no-mapped-group' };
      const user = await this.#provision(execute, identity, plan.role, usernames, context, now);
      return { outcome: 'signed-in', user, provisioned: true };
    }
    // The same lock order as MysqlUserStore.update: every enabled admin, then the account.
    const admins = await lockEnabledAdmins(execute);
    const [row] = await execute<UserRow[]>(`SELECT ${USER_COLUMNS} FROM users WHERE id = ? FOR UPDATE`, [String(link.user_id)]);
    if (!row) throw new Error(`user_identities links to account ${String(link.user_id)}, which does not exist`);
    const user = toUser(row);
    const plan = planSsoSignIn(user, decision);
    if (plan.kind === 'provision') throw new Error('unreachable: a linked account is never provisioned');
    let current = user;
    if (changesAnything(plan.change)) {
      if (removesAnAdmin(user, plan.change) && admins.length <= 1) throw new LastAdminError(user.username);
      current = afterClaims(user, plan.change, now);
      await writeUser(execute, current, { endSessions: plan.change.disabled === true });
      for (const event of claimsChangeEvents(user, plan.change, decision.groups, identity, context)) await insertAuditEvent(execute, event, now);
    }
    if (plan.kind === 'refuse') return { outcome: 'refused', reason: plan.reason, user: current };
    await execute('UPDATE user_identities SET last_sign_in_at = ? WHERE issuer = ? AND subject = ?', [now, identity.issuer, identity.subject]);
    return { outcome: 'signed-in', user: current, provisioned: false };
  }

  async #provision(execute: Execute, identity: Identity, role: Role, usernames: readonly string[], context: ChangeContext, now: Date): Promise<User> {
    let user: User | undefined;
    // A refused duplicate INSERT undoes only itself, so the transaction goes on with the next name.
    for (const username of usernames) {
      try {
        user = await insertUser(execute, { username, role, passwordHash: null }, now);
        break;
      } catch (error) {
        if (sqlErrorCode(error) !== 'ER_DUP_ENTRY') throw error;
      }
    }
    if (!user) throw new NoFreeUsernameError(usernames[0] ?? '');
    try {
      await execute('INSERT INTO user_identities (issuer, subject, user_id, created_at, last_sign_in_at) VALUES (?, ?, ?, ?, ?)', [
        identity.issuer,
        identity.subject,
        String(user.id),
        now,
        now,
      ]);
    } catch (error) {
      if (sqlErrorCode(error) === 'ER_DUP_ENTRY') throw new LinkedMeanwhile();
      throw error;
    }
    await insertAuditEvent(execute, userCreatedEvent(user, context, identity), now);
    return user;
  }

  async findUser(identity: Identity): Promise<User | undefined> {
    const [row] = await this.db.query<UserRow[]>(
      `SELECT ${USER_COLUMNS} FROM user_identities JOIN users ON users.id = user_identities.user_id WHERE user_identities.issuer = ? AND user_identities.subject = ?`,
      [identity.issuer, identity.subject],
    );
    return row && toUser(row);
  }
}
