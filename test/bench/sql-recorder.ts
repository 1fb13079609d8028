import type { Pool, PoolConnection } from 'mysql2/promise';
import { MysqlProductStore } from '../../web/catalog/mysql-store.js';
import { MysqlRunner } from '../../web/mysql/runner.js';
import type { ProductStore } from '../../web/catalog/product-store.js';

type Sql = string | { sql: string; timeout?: number };
type Params = (string | number | Date)[];
type Step = { readonly sql: Sql; readonly params: Params } | 'begin' | 'commit' | 'rollback';
/** Statements run on one connection in order: a lone pool statement, or a transaction. */
type Unit = Step[];

const QUERY_TIMEOUT_MS = 5000;

/** The statement's text: replayed without the store's per-statement timeout, which is the app's own cost. */
const textOf = (sql: Sql) => (typeof sql === 'string' ? sql : sql.sql);

function fakeResult(sql: Sql): [unknown, unknown[]] {
  const text = typeof sql === 'string' ? sql : sql.sql;
  // Rows for reads; for writes, "one row changed" so the store goes on to its next statement.
  return /^\s*SELECT/i.test(text) ? [[], []] : [{ insertId: 1, affectedRows: 1 }, []];
}

/**
 * The floor servers (peers/floor-server.ts) issue exactly the SQL the store issues: a store over
 * this recording pool runs its method without a database, and the statements it would have sent
 * are replayed through a real mysql2 pool, with no validation, deadlines or rendering around them.
 */
export function recordCall(call: (store: ProductStore) => Promise<unknown>): Promise<Unit[]> {
  const units: Unit[] = [];
  const pool = {
    async execute(sql: Sql, params: Params) {
      units.push([{ sql, params }]);
      return fakeResult(sql);
    },
    async query(sql: Sql, params: Params) {
      units.push([{ sql, params }]);
      return fakeResult(sql);
    },
    async getConnection() {
      const unit: Unit = [];
      units.push(unit);
      const run = async (sql: Sql, params: Params) => {
        unit.push({ sql, params });
        return fakeResult(sql);
      };
      return {
        execute: run,
        query: run,
        beginTransaction: async () => void unit.push('begin'),
        commit: async () => void unit.push('commit'),
        rollback: async () => void unit.push('rollback'),
        release: () => undefined,
        destroy: () => undefined,
      };
    },
  };
  const store = new MysqlProductStore(new MysqlRunner(pool as unknown as Pool, () => true, { acquireMs: QUERY_TIMEOUT_MS, queryMs: QUERY_TIMEOUT_MS }));
  return call(store).then(() => units);
}

/** The one statement a store call sends, as text and parameters. */
export async function singleStatement(call: (store: ProductStore) => Promise<unknown>): Promise<{ sql: string; params: Params }> {
  const steps = (await recordCall(call)).flat();
  const [step] = steps;
  if (steps.length !== 1 || typeof step !== 'object') throw new Error(`expected one statement, got ${JSON.stringify(steps)}`);
  return { sql: textOf(step.sql), params: step.params };
}

async function runUnit(pool: Pool, unit: Unit): Promise<void> {
  const [only] = unit;
  if (unit.length === 1 && typeof only === 'object') {
    await pool.execute(textOf(only.sql), only.params);
    return;
  }
  const conn: PoolConnection = await pool.getConnection();
  try {
    for (const step of unit) {
      if (step === 'begin') await conn.beginTransaction();
      else if (step === 'commit') await conn.commit();
      else if (step === 'rollback') await conn.rollback();
      else await conn.execute(textOf(step.sql), step.params);
    }
  } finally {
    conn.release();
  }
}

/** Replays recorded calls: the calls run concurrently, each call's units in order. */
export async function replay(pool: Pool, calls: readonly Unit[][]): Promise<void> {
  await Promise.all(
    calls.map(async (units) => {
      for (const unit of units) await runUnit(pool, unit);
    }),
  );
}
