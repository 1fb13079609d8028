import { randomBytes } from 'node:crypto';
import type { Logger } from '../ops/logger.js';
import { DuplicateUsernameError, type UserStore } from './accounts.js';
import { hashPassword } from './password-hash.js';

export interface FirstAdminSettings {
  readonly username: string;
  /** Checked against the password rules at start-up; absent: a random one is made and logged once. */
  readonly password?: string;
  /** Where to sign in, for the log line. */
  readonly signInUrl: string;
}

export type FirstAdminOutcome = 'exists' | 'created' | 'generated' | 'name-taken';

/** Made at start, not by a person: the audit trail shows it as the system's doing. */
const STARTUP = { clientIp: 'local', requestId: 'startup' };

/**
 * Makes sure someone can administer the catalog: when no enabled admin exists, creates one named
 * ADMIN_USERNAME with ADMIN_PASSWORD, or with a random password printed once in the log (as
 * Grafana and Jenkins do). An existing account of that name is never changed. Safe when several
 * replicas start together: the name is unique, and only the replica whose insert wins logs a
 * password.
 */
export async function ensureFirstAdmin(users: UserStore, settings: FirstAdminSettings, logger: Logger): Promise<FirstAdminOutcome> {
  if ((await users.countAdmins()) > 0) return 'exists';
  const existing = await users.find(settings.username);
  if (existing) {
    logger.error(
      { username: existing.username, role: existing.role, disabled: existing.disabled },
      `No enabled admin exists, and ADMIN_USERNAME names an account that is not one; it is left unchanged. ` +
        `Run \`npm run -s users -- set-role ${existing.username} admin\` (and \`enable\`) or set another ADMIN_USERNAME.`,
    );
    return 'name-taken';
  }
  const generated = settings.password === undefined;
  const password = settings.password ?? randomBytes(18).toString('base64url');
  try {
    await users.create({ username: settings.username, role: 'admin', passwordHash: await hashPassword(password) }, STARTUP);
  } catch (error) {
    if (error instanceof DuplicateUsernameError) return 'exists'; // another replica was first
    throw error;
  }
  if (generated) {
    logger.warn(
      { username: settings.username, password, signInUrl: settings.signInUrl },
      `Created the first admin '${settings.username}' with password ${password} (shown only now). ` +
        `Sign in at ${settings.signInUrl} and change it under Account, or set ADMIN_PASSWORD_FILE.`,
    );
    return 'generated';
  }
  logger.info({ username: settings.username }, 'created the first admin from ADMIN_PASSWORD');
  return 'created';
}
