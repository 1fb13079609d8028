import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Pool, PoolConnection, RowDataPacket } from 'mysql2/promise';

/** Numbered `.sql` files; `NNN_name.check.sql` beside one is a precondition (rows returned = refusal). */
export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/** Server-wide named lock, so replicas starting together migrate one at a time. */
const LOCK_NAME = 'product_catalog.schema_migrations';
const LOCK_WAIT_SECONDS = 60;

interface Migration {
  readonly version: string;
  readonly sql: string;
  readonly check?: string;
}

/** A migration's precondition found rows it cannot safely change; nothing was changed. */
export class MigrationRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationRefusedError';
  }
}

export interface MigrateOptions {
  readonly directory?: string;
  readonly onApplied?: (version: string) => void;
}

/** Applies pending migrations in order under the named lock; returns the versions applied. */
export async function migrate(pool: Pool, options: MigrateOptions = {}): Promise<string[]> {
  const migrations = await loadMigrations(options.directory ?? MIGRATIONS_DIR);
  const conn = await pool.getConnection();
  try {
    const [[lock]] = await conn.execute<RowDataPacket[]>('SELECT GET_LOCK(?, ?) AS acquired', [
      LOCK_NAME,
      String(LOCK_WAIT_SECONDS),
    ]);
    if (Number(lock?.acquired) !== 1) {
      throw new Error(
        `Waited ${LOCK_WAIT_SECONDS}s for the migration lock '${LOCK_NAME}' held by another process.`,
      );
    }
    try {
      return await applyPending(conn, migrations, options.onApplied);
    } finally {
      await conn.execute('SELECT RELEASE_LOCK(?)', [LOCK_NAME]);
    }
  } finally {
    conn.release();
  }
}

async function applyPending(
  conn: PoolConnection,
  migrations: readonly Migration[],
  onApplied: ((version: string) => void) | undefined,
): Promise<string[]> {
  await conn.query(
    `CREATE TABLE IF NOT EXISTS schema_migrations (
       version VARCHAR(191) NOT NULL PRIMARY KEY,
       applied_at DATETIME(3) NOT NULL
     ) CHARACTER SET utf8mb4`,
  );
  const [rows] = await conn.query<RowDataPacket[]>('SELECT version FROM schema_migrations');
  const applied = new Set(rows.map((row) => String(row.version)));
  const pending = migrations.filter((m) => !applied.has(m.version));
  for (const migration of pending) {
    if (migration.check) await assertPrecondition(conn, migration.version, migration.check);
    for (const statement of splitStatements(migration.sql)) await conn.query(statement);
    await conn.execute('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)', [
      migration.version,
      new Date(),
    ]);
    onApplied?.(migration.version);
  }
  return pending.map((m) => m.version);
}

async function assertPrecondition(conn: PoolConnection, version: string, check: string) {
  const [rows] = await conn.query<RowDataPacket[]>(check);
  if (rows.length === 0) return;
  const reason = leadingComment(check) ?? 'its precondition failed';
  const listed = rows.map((row) => Object.entries(row).map(([k, v]) => `${k}=${formatValue(v)}`).join(' '));
  throw new MigrationRefusedError(
    `Migration ${version} refused, nothing was changed: ${reason}\n` +
      `Resolve these ${rows.length} case(s) by hand, then start again:\n  ${listed.join('\n  ')}`,
  );
}

function formatValue(value: unknown): string {
  if (value === null) return 'NULL';
  if (typeof value === 'string') return `'${value}'`;
  return String(value);
}

async function loadMigrations(directory: string): Promise<Migration[]> {
  const files = (await readdir(directory)).filter((f) => /^\d+_[\w-]+\.sql$/.test(f)).sort();
  return Promise.all(
    files.map(async (file) => {
      const version = file.slice(0, -'.sql'.length);
      const sql = await readFile(join(directory, file), 'utf8');
      const check = await readFile(join(directory, `${version}.check.sql`), 'utf8').catch(
        (error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT') return undefined;
          throw error;
        },
      );
      return { version, sql, ...(check ? { check } : {}) };
    }),
  );
}

function leadingComment(sql: string): string | undefined {
  const lines = sql.split('\n').filter((l) => l.startsWith('--'));
  return lines.length ? lines.map((l) => l.replace(/^--\s*/, '')).join(' ') : undefined;
}

/** Our migrations hold plain statements (no procedures), each ending with `;` at a line end. */
export function splitStatements(sql: string): string[] {
  return sql
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n')
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter(Boolean);
}
