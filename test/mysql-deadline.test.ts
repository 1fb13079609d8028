import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createConnection, createPool, type Pool, type ResultSetHeader, type RowDataPacket } from 'mysql2/promise';
import { DatabaseUnresponsiveError, runWithin, type Deadlines } from '../web/mysql/deadline.js';
import { createTestDatabase, skipUnlessMysql, TEST_SERVER, type TestDatabase } from './support/mysql.js';
import { waitFor } from './support/wait.js';

const DEADLINES: Deadlines = { acquireMs: 1000, queryMs: 1000 };

describe('runWithin: what happens to a connection when the work fails', await skipUnlessMysql(), () => {
  let db: TestDatabase;
  let pool: Pool;

  before(async () => {
    db = await createTestDatabase('pc_deadline');
    await db.exec('CREATE TABLE t (k INT PRIMARY KEY) ENGINE=InnoDB');
    pool = createPool({ ...TEST_SERVER, database: db.name, connectionLimit: 1 });
  });
  after(async () => {
    await pool?.end();
    await db?.drop();
  });

  const connectionId = () =>
    runWithin(pool, DEADLINES, async (execute) => Number((await execute<RowDataPacket[]>('SELECT CONNECTION_ID() AS id'))[0]!.id));
  const keys = async () => ((await db.exec('SELECT k FROM t ORDER BY k')) as { k: number }[]).map((r) => r.k);

  it('when the server sends an error inside a transaction, then the earlier statements are rolled back and the connection is reused', async () => {
    const before = await connectionId();
    await assert.rejects(
      runWithin(pool, DEADLINES, async (execute) => {
        await execute<ResultSetHeader>('INSERT INTO t (k) VALUES (1)');
        await execute('INSERT INTO t (k) VALUES (1)');
      }, { transaction: true }),
      { code: 'ER_DUP_ENTRY' },
    );
    assert.deepEqual(await keys(), []);
    assert.equal(await connectionId(), before, 'the sound connection went back to the pool');
  });

  it('when the work throws between statements, then the transaction is rolled back and the connection is reused', async () => {
    const before = await connectionId();
    await assert.rejects(
      runWithin(pool, DEADLINES, async (execute) => {
        await execute('INSERT INTO t (k) VALUES (2)');
        throw new Error('the caller changed its mind');
      }, { transaction: true }),
      /changed its mind/,
    );
    assert.deepEqual(await keys(), []);
    assert.equal(await connectionId(), before);
  });

  it('when a statement outlasts the deadline, then its connection is closed at once and the server undoes its transaction', async () => {
    const stuck = await connectionId();
    const locker = await createConnection({ ...TEST_SERVER, database: db.name });
    try {
      await locker.query('LOCK TABLES t WRITE');
      await assert.rejects(
        runWithin(pool, DEADLINES, async (execute) => {
          await execute('INSERT INTO t (k) VALUES (3)');
        }, { transaction: true }),
        (error: unknown) => error instanceof DatabaseUnresponsiveError && error.outcomeUnknown,
      );
    } finally {
      await locker.query('UNLOCK TABLES');
      await locker.end();
    }
    await waitFor('the server to end the closed session', async () => {
      const [rows] = await pool.query<RowDataPacket[]>('SELECT ID FROM information_schema.PROCESSLIST WHERE ID = ?', [stuck]);
      return rows.length === 0;
    });
    assert.deepEqual(await keys(), [], 'the server rolled the INSERT back when the connection closed');
    assert.notEqual(await connectionId(), stuck, 'a fresh connection replaced the closed one');
  });
});
