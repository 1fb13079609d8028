import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { createPool } from 'mysql2/promise';
import { migrate } from '../../db/migrate.js';
import { AccountService } from '../auth/account-service.js';
import { DuplicateUsernameError, LastAdminError } from '../auth/accounts.js';
import { isRole, ROLES } from '../auth/roles.js';
import { ConfigError, loadConfig, type MysqlConfig } from '../config.js';
import { HttpError } from '../http/errors.js';
import { describeDbError } from '../mysql/deadline.js';
import { MysqlRunner } from '../mysql/runner.js';
import { StoreUnavailableError } from '../storage-errors.js';
import { mysqlStores } from '../stores.js';
import { readSecretInput } from './secret-input.js';

/** sysexits(3), as scripts expect; "unknown user" is the plain failure 1. */
const EXIT = { ok: 0, failed: 1, usage: 64, dataError: 65, unavailable: 69, config: 78 } as const;

const USAGE = `Usage: npm run -s users -- <command>
  list
  add NAME --role viewer|editor|admin [--password-file F]     (password from standard input otherwise)
  set-role NAME ROLE
  set-password NAME [--password-file F]                       (standard input otherwise)
  disable NAME
  enable NAME
  pin-role NAME                                               (single sign-on no longer changes the role)
  unpin-role NAME                                             (the next single sign-on sets it again)
  create-token --user NAME --name TOKEN_NAME [--role ROLE] [--expires-days N]   (prints only the token)`;

/** A failure with the exit code and the one line to print. */
class CliError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const usage = (problem: string) => new CliError(EXIT.usage, `${problem}\n${USAGE}`);

type Values = Record<string, string | boolean | undefined>;

function parse(argv: string[]): { command: string; names: string[]; values: Values } {
  try {
    const { positionals, values } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        role: { type: 'string' },
        'password-file': { type: 'string' },
        user: { type: 'string' },
        name: { type: 'string' },
        'expires-days': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    const [command = '', ...names] = positionals;
    return { command, names, values };
  } catch (error) {
    throw usage((error as Error).message);
  }
}

/** Exactly `count` positional names, and no option outside `allowed`. */
function expect(names: string[], values: Values, count: number, allowed: string[], command: string): void {
  if (names.length !== count) throw usage(`${command} takes ${count === 1 ? 'one name' : `${count} arguments`}.`);
  const extra = Object.keys(values).filter((k) => values[k] !== undefined && !allowed.includes(k));
  if (extra.length) throw usage(`${command} does not take --${extra[0]}.`);
}

function role(value: unknown): string {
  if (!isRole(value)) throw usage(`The role must be one of ${ROLES.join(', ')}.`);
  return value;
}

async function password(values: Values): Promise<string> {
  const file = values['password-file'];
  if (typeof file === 'string') {
    try {
      return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      throw new CliError(EXIT.usage, `Cannot read --password-file: ${(error as Error).message}`);
    }
  }
  return readSecretInput('Password: ');
}

function mysqlConfig(): MysqlConfig {
  try {
    const config = loadConfig();
    if (!config.mysql) {
      throw new CliError(EXIT.config, 'MYSQL_HOST is not set: accounts live in the database the app uses (the in-memory store exists only inside a running app).');
    }
    return config.mysql;
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(EXIT.config, error.message);
    throw error;
  }
}

/** Who ran the command, for the audit trail (the CLI acts for no app account). */
const CLI_CONTEXT = { clientIp: 'cli', requestId: `cli:${userInfo().username}:${process.pid}`.slice(0, 64) };

async function run(argv: string[], out: (line: string) => void): Promise<void> {
  const { command, names, values } = parse(argv);
  if (values.help || command === '' || command === 'help') throw new CliError(command === '' ? EXIT.usage : EXIT.ok, USAGE);
  const known = ['list', 'add', 'set-role', 'set-password', 'disable', 'enable', 'pin-role', 'unpin-role', 'create-token'];
  if (!known.includes(command)) throw usage(`Unknown command '${command}'.`);

  // Every argument is checked before anything touches the database.
  const plan: () => Promise<(accounts: AccountService, stores: ReturnType<typeof mysqlStores>) => Promise<void>> = async () => {
    switch (command) {
      case 'list':
        expect(names, values, 0, [], command);
        return async (_a, stores) => {
          for (const u of await stores.users.list()) {
            out(`${u.username}\t${u.role}\t${u.disabled ? 'disabled' : 'active'}\t${u.createdAt.toISOString()}`);
          }
        };
      case 'add': {
        expect(names, values, 1, ['role', 'password-file'], command);
        const r = role(values.role);
        const secret = await password(values);
        return async (a) => {
          const user = await a.createUser({ username: names[0], role: r, password: secret }, CLI_CONTEXT);
          process.stderr.write(`Added ${user.username} (${user.role}).\n`);
        };
      }
      case 'set-role': {
        expect(names, values, 2, [], command);
        const r = role(names[1]);
        return async (a) => void (await a.updateUser(names[0]!, { role: r }, CLI_CONTEXT));
      }
      case 'set-password': {
        expect(names, values, 1, ['password-file'], command);
        const secret = await password(values);
        return async (a) => void (await a.updateUser(names[0]!, { password: secret }, CLI_CONTEXT));
      }
      case 'disable':
      case 'enable':
        expect(names, values, 1, [], command);
        return async (a) => void (await a.updateUser(names[0]!, { disabled: command === 'disable' }, CLI_CONTEXT));
      case 'pin-role':
      case 'unpin-role':
        expect(names, values, 1, [], command);
        return async (a) => void (await a.updateUser(names[0]!, { rolePinned: command === 'pin-role' }, CLI_CONTEXT));
      default: {
        expect(names, values, 0, ['user', 'name', 'role', 'expires-days'], command);
        if (typeof values.user !== 'string' || typeof values.name !== 'string') throw usage('create-token needs --user NAME and --name TOKEN_NAME.');
        const r = values.role === undefined ? undefined : role(values.role);
        const days = values['expires-days'];
        if (days !== undefined && !/^[1-9]\d{0,4}$/.test(String(days))) throw usage('--expires-days must be a whole number of days.');
        return async (a) => {
          const { token } = await a.createToken(values.user as string, { name: values.name, role: r, expiresInDays: days === undefined ? undefined : Number(days) }, CLI_CONTEXT);
          out(token);
        };
      }
    }
  };
  const work = await plan();

  const config = mysqlConfig();
  const pool = createPool({
    host: config.host,
    port: config.port,
    user: config.user,
    password: config.password,
    database: config.database,
    connectionLimit: 2,
    connectTimeout: config.connectTimeoutMs,
    charset: 'utf8mb4_unicode_ci',
    timezone: 'Z',
  });
  try {
    try {
      await migrate(pool);
    } catch (error) {
      throw new CliError(EXIT.unavailable, `The database cannot be used: ${describeDbError(error)}`);
    }
    const stores = mysqlStores(new MysqlRunner(pool, () => true, { acquireMs: config.connectTimeoutMs, queryMs: config.queryTimeoutMs }));
    await work(new AccountService(stores.users, stores.tokens), stores);
  } finally {
    await pool.end();
  }
}

/** Maps what went wrong to an exit code and one line, never a stack trace. */
function failure(error: unknown): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof HttpError) {
    if (error.status === 404) return new CliError(EXIT.failed, error.message);
    const detail = error.errors.length ? error.errors.map((e) => e.message).join(' ') : error.message;
    return new CliError(error.status === 400 ? EXIT.dataError : EXIT.failed, detail);
  }
  if (error instanceof DuplicateUsernameError || error instanceof LastAdminError) return new CliError(EXIT.failed, error.message);
  if (error instanceof StoreUnavailableError) return new CliError(EXIT.unavailable, error.message);
  return new CliError(EXIT.failed, `Failed: ${(error as Error).message ?? String(error)}`);
}

export async function main(argv = process.argv.slice(2)): Promise<number> {
  try {
    await run(argv, (line) => process.stdout.write(`${line}\n`));
    return EXIT.ok;
  } catch (error) {
    const f = failure(error);
    (f.code === EXIT.ok ? process.stdout : process.stderr).write(`${f.message}\n`);
    return f.code;
  }
}

process.exitCode = await main();
