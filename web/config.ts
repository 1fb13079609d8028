import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { parseSignInEnv, type SignInConfig } from './auth/oidc/oidc-config.js';
import { APP_PORT, DATABASE_NAME, DEFAULT_ADMIN_USERNAME, MYSQL_PORT, SHUTDOWN_GRACE_SECONDS } from './defaults.js';
import { IMPORT_MAX_BYTES_DEFAULT } from './limits.js';

export interface MysqlConfig {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  readonly poolSize: number;
  readonly connectTimeoutMs: number;
  readonly queryTimeoutMs: number;
}

export interface Config {
  readonly port: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly shutdownGraceMs: number;
  /** Absent: the app keeps products in memory. */
  readonly mysql?: MysqlConfig;
  readonly csrfSecret: string;
  /** True when no CSRF_SECRET was given; replicas would not accept each other's forms. */
  readonly csrfSecretGenerated: boolean;
  readonly trustProxy: number;
  /** Form and API writes per client per minute; 0 turns the limit off. */
  readonly writeRateLimitPerMinute: number;
  /** Anonymous visitors may read pages and GET /api. */
  readonly publicRead: boolean;
  /** The first admin, created at start when no enabled admin exists. */
  readonly admin: { readonly username: string; readonly password?: string };
  readonly session: { readonly idleMs: number; readonly maxMs: number };
  readonly auditRetentionDays: number;
  /** Days a product stays in the trash before the sweep deletes it for good. */
  readonly trashRetentionDays: number;
  /** Single sign-on (absent unless OIDC_ISSUER is set) and whether password sign-in is on. */
  readonly signIn: SignInConfig;
  /** Largest file an import accepts, in bytes. */
  readonly importMaxBytes: number;
  /** Processes serving the port (web/cluster.ts); 1 runs no cluster at all. */
  readonly workers: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

const integer = (min: number, max: number, fallback: number) =>
  z
    .string()
    .regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`))
    .default(fallback);

const text = z.string().min(1);

const bool = (fallback: boolean) =>
  z.enum(['true', 'false'], { message: 'must be true or false' }).transform((v) => v === 'true').default(fallback);
/** Most worker processes one server may run. */
export const WORKERS_MAX = 64;
/** Most database connections the app may open, in one process or in all its workers together. */
export const MYSQL_CONNECTIONS_MAX = 1000;

const workerCount = z
  .string()
  .regex(/^(auto|\d+)$/, `must be a whole number from 1 to ${WORKERS_MAX}, or auto`)
  .transform((v) => (v === 'auto' ? Math.min(availableParallelism(), WORKERS_MAX) : Number(v)))
  .pipe(z.number().min(1, 'must be at least 1').max(WORKERS_MAX, `must be at most ${WORKERS_MAX}`))
  .default(1);

const schema = z.object({
  PORT: integer(1, 65535, APP_PORT),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SHUTDOWN_GRACE_SECONDS: integer(1, 600, SHUTDOWN_GRACE_SECONDS),
  MYSQL_HOST: text.optional(),
  MYSQL_PORT: integer(1, 65535, MYSQL_PORT),
  MYSQL_USER: text.optional(),
  MYSQL_PASSWORD: z.string().optional(),
  MYSQL_PASSWORD_FILE: text.optional(),
  MYSQL_DATABASE: z
    .string()
    .regex(/^[A-Za-z0-9_$]{1,64}$/, 'must be 1 to 64 letters, digits, _ or $')
    .default(DATABASE_NAME),
  MYSQL_POOL_SIZE: integer(1, MYSQL_CONNECTIONS_MAX, 10),
  MYSQL_CONNECT_TIMEOUT_MS: integer(100, 600_000, 5000),
  MYSQL_QUERY_TIMEOUT_MS: integer(100, 600_000, 5000),
  CSRF_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  CSRF_SECRET_FILE: text.optional(),
  TRUST_PROXY: integer(0, 10, 0),
  WRITE_RATE_LIMIT_PER_MINUTE: integer(0, 1_000_000, 120),
  PUBLIC_READ: bool(true),
  ADMIN_USERNAME: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "must be 1 to 64 letters A-Z, digits, '.', '_' or '-'").default(DEFAULT_ADMIN_USERNAME),
  ADMIN_PASSWORD: z.string().optional(),
  ADMIN_PASSWORD_FILE: text.optional(),
  SESSION_IDLE_MINUTES: integer(1, 10_080, 60),
  SESSION_MAX_HOURS: integer(1, 8_760, 24),
  AUDIT_RETENTION_DAYS: integer(1, 36_500, 400),
  TRASH_RETENTION_DAYS: integer(1, 36_500, 30),
  IMPORT_MAX_BYTES: integer(1024, 1024 ** 3, IMPORT_MAX_BYTES_DEFAULT),
  WEB_CONCURRENCY: workerCount,
});

type Env = Readonly<Record<string, string | undefined>>;

/** Reads and checks the environment; throws ConfigError naming every variable that is wrong. */
export function loadConfig(env: Env = process.env): Config {
  // An empty variable means "not set", as in most shells and manifests.
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  // The sign-in settings are checked by their own module; their problems join the others.
  const signIn = parseSignInEnv(given);
  const parsed = schema.safeParse(given);
  if (!parsed.success) {
    throw new ConfigError([
      ...parsed.error.issues.map((issue) => {
        const name = String(issue.path[0]);
        return `${name} ${issue.message} (got ${JSON.stringify(given[name])})`;
      }),
      ...signIn.problems,
    ]);
  }
  const e = parsed.data;
  const problems: string[] = [...signIn.problems];
  const password = secret(e, 'MYSQL_PASSWORD', problems) ?? '';
  const csrfFromEnv = secret(e, 'CSRF_SECRET', problems);
  const adminPassword = secret(e, 'ADMIN_PASSWORD', problems);
  if (csrfFromEnv !== undefined && csrfFromEnv.length < 32) {
    problems.push('CSRF_SECRET_FILE must hold at least 32 characters');
  }
  if (e.MYSQL_HOST && !e.MYSQL_USER) problems.push('MYSQL_USER is required when MYSQL_HOST is set');
  if (!e.MYSQL_HOST && e.WEB_CONCURRENCY > 1) {
    problems.push(
      `WEB_CONCURRENCY must be 1 without MYSQL_HOST: the in-memory store lives in one process, so each worker would keep a catalog of its own (got ${JSON.stringify(given.WEB_CONCURRENCY)}, ${e.WEB_CONCURRENCY} workers)`,
    );
  }
  if (e.WEB_CONCURRENCY * e.MYSQL_POOL_SIZE > MYSQL_CONNECTIONS_MAX) {
    problems.push(
      `WEB_CONCURRENCY x MYSQL_POOL_SIZE must be at most ${MYSQL_CONNECTIONS_MAX} connections in total: each worker has a pool of its own (got ${e.WEB_CONCURRENCY} x ${e.MYSQL_POOL_SIZE})`,
    );
  }
  if (problems.length) throw new ConfigError(problems);

  return {
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    shutdownGraceMs: e.SHUTDOWN_GRACE_SECONDS * 1000,
    ...(e.MYSQL_HOST && {
      mysql: {
        host: e.MYSQL_HOST,
        port: e.MYSQL_PORT,
        user: e.MYSQL_USER!,
        password,
        database: e.MYSQL_DATABASE,
        poolSize: e.MYSQL_POOL_SIZE,
        connectTimeoutMs: e.MYSQL_CONNECT_TIMEOUT_MS,
        queryTimeoutMs: e.MYSQL_QUERY_TIMEOUT_MS,
      },
    }),
    csrfSecret: csrfFromEnv ?? randomBytes(32).toString('base64url'),
    csrfSecretGenerated: csrfFromEnv === undefined,
    trustProxy: e.TRUST_PROXY,
    writeRateLimitPerMinute: e.WRITE_RATE_LIMIT_PER_MINUTE,
    publicRead: e.PUBLIC_READ,
    admin: { username: e.ADMIN_USERNAME, ...(adminPassword !== undefined && { password: adminPassword }) },
    session: { idleMs: e.SESSION_IDLE_MINUTES * 60_000, maxMs: e.SESSION_MAX_HOURS * 3_600_000 },
    auditRetentionDays: e.AUDIT_RETENTION_DAYS,
    trashRetentionDays: e.TRASH_RETENTION_DAYS,
    signIn: signIn.config,
    importMaxBytes: e.IMPORT_MAX_BYTES,
    workers: e.WEB_CONCURRENCY,
  };
}

/** A secret given either directly (NAME) or as a mounted file (NAME_FILE), never both. */
function secret(
  env: Partial<Record<string, unknown>>,
  name: 'MYSQL_PASSWORD' | 'CSRF_SECRET' | 'ADMIN_PASSWORD',
  problems: string[],
): string | undefined {
  const direct = env[name] as string | undefined;
  const file = env[`${name}_FILE`] as string | undefined;
  if (direct !== undefined && file !== undefined) {
    problems.push(`Set ${name} or ${name}_FILE, not both`);
    return undefined;
  }
  if (file === undefined) return direct;
  try {
    // Secret files usually end with a newline that is not part of the secret.
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    problems.push(`${name}_FILE cannot be read: ${(error as Error).message}`);
    return undefined;
  }
}
