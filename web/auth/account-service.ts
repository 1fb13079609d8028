import { HttpError, notFound, validationError, type FieldError } from '../http/errors.js';
import type { ApiToken, TokenStore, User, UserStore } from './accounts.js';
import { newToken, TOKEN_EXPIRY_DAYS_MAX, TOKEN_NAME_MAX } from './api-tokens.js';
import { checkNewPassword, checkUsername, normalizePassword } from './credentials-rules.js';
import { hashPassword, verifyPassword } from './password-hash.js';
import type { ChangeContext } from './principal.js';
import { atLeast, isRole, ROLES, type Role } from './roles.js';

const DAY_MS = 24 * 3600_000;

function checkRole(value: unknown, errors: FieldError[], field = 'role'): Role | undefined {
  if (isRole(value)) return value;
  errors.push({ field, message: `Role must be one of ${ROLES.join(', ')}.` });
  return undefined;
}

/** What the API, the pages and the operator CLI may do to accounts and tokens: one set of rules for all three. */
export class AccountService {
  constructor(
    private readonly users: UserStore,
    private readonly tokens: TokenStore,
  ) {}

  /** @throws HttpError 400 naming each bad field; DuplicateUsernameError. */
  async createUser(input: { username: unknown; role: unknown; password: unknown }, context: ChangeContext): Promise<User> {
    const errors: FieldError[] = [];
    const name = checkUsername(input.username);
    if (!name.ok) errors.push({ field: 'username', message: name.error });
    const role = checkRole(input.role, errors);
    const password = await checkNewPassword(input.password, name.ok ? name.value : '');
    if (!password.ok) errors.push({ field: 'password', message: password.error });
    if (errors.length || !name.ok || !role || !password.ok) throw validationError(errors);
    return this.users.create({ username: name.value, role, passwordHash: await hashPassword(password.value) }, context);
  }

  /**
   * An administrator's change: role, disabled, a new password, whether the role is pinned against
   * single sign-on (any of them).
   * @throws HttpError 400 / 404; LastAdminError.
   */
  async updateUser(
    username: string,
    input: { role?: unknown; disabled?: unknown; password?: unknown; rolePinned?: unknown },
    context: ChangeContext,
    keepSession?: Buffer,
  ): Promise<User> {
    const errors: FieldError[] = [];
    const role = input.role === undefined ? undefined : checkRole(input.role, errors);
    if (input.disabled !== undefined && typeof input.disabled !== 'boolean') errors.push({ field: 'disabled', message: 'disabled must be true or false.' });
    if (input.rolePinned !== undefined && typeof input.rolePinned !== 'boolean') errors.push({ field: 'rolePinned', message: 'rolePinned must be true or false.' });
    let passwordHash: string | undefined;
    if (input.password !== undefined) {
      const password = await checkNewPassword(input.password, username);
      if (password.ok) passwordHash = await hashPassword(password.value);
      else errors.push({ field: 'password', message: password.error });
    }
    if (errors.length) throw validationError(errors);
    const change = {
      ...(role && { role }),
      ...(typeof input.disabled === 'boolean' && { disabled: input.disabled }),
      ...(typeof input.rolePinned === 'boolean' && { rolePinned: input.rolePinned }),
      ...(passwordHash && { passwordHash }),
    };
    const updated = await this.users.update(username, change, context, keepSession);
    if (!updated) throw notFound(`No account is named '${username}'.`);
    return updated;
  }

  /** False for an account made by single sign-on that no admin gave a password. */
  async hasPassword(username: string): Promise<boolean> {
    return !!(await this.users.find(username))?.passwordHash;
  }

  /** The signed-in user's own change: the current password must be given, and other sessions end. */
  async changeOwnPassword(username: string, current: unknown, next: unknown, context: ChangeContext, keepSession?: Buffer): Promise<void> {
    const user = await this.users.find(username);
    const currentOk = typeof current === 'string' && !!user?.passwordHash && (await verifyPassword(normalizePassword(current), user.passwordHash));
    if (!currentOk) throw validationError([{ field: 'currentPassword', message: 'The current password is not right.' }]);
    await this.updateUser(username, { password: next }, context, keepSession);
  }

  /**
   * A new token for `ownerName`, shown once. Its role defaults to the owner's and may not be above it.
   * `expiresInDays` absent or null: it never expires.
   */
  async createToken(
    ownerName: string,
    input: { name: unknown; role?: unknown; expiresInDays?: unknown },
    context: ChangeContext,
  ): Promise<{ token: string; record: ApiToken }> {
    const owner = await this.users.find(ownerName);
    if (!owner) throw notFound(`No account is named '${ownerName}'.`);
    const errors: FieldError[] = [];
    const name = typeof input.name === 'string' ? input.name.trim() : '';
    if (!name || [...name].length > TOKEN_NAME_MAX || /\p{Cc}/u.test(name) || !name.isWellFormed()) {
      errors.push({ field: 'name', message: `Token name is required: 1 to ${TOKEN_NAME_MAX} printable characters, to tell tokens apart.` });
    }
    const role = input.role === undefined ? owner.role : checkRole(input.role, errors);
    if (role && !atLeast(owner.role, role)) {
      errors.push({ field: 'role', message: `A token cannot have a role above its owner's (${owner.role}).` });
    }
    const days = input.expiresInDays;
    if (days !== undefined && days !== null && !(Number.isInteger(days) && (days as number) >= 1 && (days as number) <= TOKEN_EXPIRY_DAYS_MAX)) {
      errors.push({ field: 'expiresInDays', message: `expiresInDays must be a whole number from 1 to ${TOKEN_EXPIRY_DAYS_MAX}, or null for no expiry.` });
    }
    if (owner.disabled) throw new HttpError('account-disabled', `'${owner.username}' is disabled; enable it before giving it tokens.`);
    if (errors.length || !role) throw validationError(errors);
    const { token, hash } = newToken();
    const expiresAt = typeof days === 'number' ? new Date(Date.now() + days * DAY_MS) : undefined;
    const record = await this.tokens.create(
      { userId: owner.id, username: owner.username, name, role, hash, ...(expiresAt && { expiresAt }) },
      context,
    );
    return { token, record };
  }

  /** Revokes a token; `ownerId` limits it to that account's tokens (anyone but an admin). */
  async revokeToken(id: number, context: ChangeContext, ownerId?: number): Promise<ApiToken> {
    const revoked = await this.tokens.revoke(id, context, ownerId);
    if (!revoked) throw notFound(`No API token has id ${id}${ownerId === undefined ? '' : ' among yours'}.`);
    return revoked;
  }
}
