import type { Pool, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import {
  DuplicateProductIdError,
  StoreUnavailableError,
  toPage,
  type NewProduct,
  type PageQuery,
  type ProductPage,
  type ProductStore,
  type StoredProduct,
} from './product-store.js';
import { DatabaseUnresponsiveError, runWithin, type Deadlines, type Execute, type SqlParams } from '../mysql/deadline.js';

/** The count lives in this many rows of product_counts (see migration 003), picked at random per write. */
const COUNT_SLOTS = 16;
const ADD_TO_COUNT = 'INSERT INTO product_counts (slot, n) VALUES (?, ?) ON DUPLICATE KEY UPDATE n = n + ?';
const countChange = (delta: 1 | -1): string[] => [String(Math.floor(Math.random() * COUNT_SLOTS)), String(delta), String(delta)];

interface ProductRow extends RowDataPacket {
  id: number;
  product_id: string;
  product_name: string;
  created_at: Date;
}

const COLUMNS = 'id, product_id, product_name, created_at';

/** Connection-level failures: the database is down, unreachable, restarting or too slow. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_ACCESS_DENIED_ERROR',
  'ER_BAD_DB_ERROR',
  'ER_NO_SUCH_TABLE',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_QUERY_INTERRUPTED',
]);

/** Escapes LIKE wildcards so a search for "50%" means the characters, not a pattern. */
function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function toProduct(row: ProductRow): StoredProduct {
  return {
    seq: Number(row.id),
    productId: row.product_id,
    productName: row.product_name,
    createdAt: row.created_at,
  };
}

/**
 * Products in MySQL/MariaDB through one mysql2 pool, prepared statements only.
 * `isReady` gates every call until the schema is migrated.
 */
export class MysqlProductStore implements ProductStore {
  constructor(
    private readonly pool: Pool,
    private readonly isReady: () => boolean,
    private readonly deadlines: Deadlines,
  ) {}

  async listPage(query: PageQuery): Promise<ProductPage> {
    const where: string[] = [];
    const params: string[] = [];
    if (query.nameContains) {
      where.push('product_name LIKE ?');
      params.push(likeContains(query.nameContains));
    }
    const newerFirst = query.newerThan === undefined;
    if (query.newerThan !== undefined) {
      where.push('id > ?');
      params.push(String(query.newerThan));
    } else if (query.olderThan !== undefined) {
      where.push('id < ?');
      params.push(String(query.olderThan));
    }
    const sql =
      `SELECT ${COLUMNS} FROM products` +
      (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
      ` ORDER BY id ${newerFirst ? 'DESC' : 'ASC'} LIMIT ?`;
    // LIMIT takes an integer; mysql2 sends JS numbers as DOUBLE, so pass it as a string.
    const rows = await this.#query<ProductRow[]>(sql, [...params, String(query.limit + 1)]);
    return toPage(query, rows.map(toProduct));
  }

  async count(nameContains?: string, atMost?: number): Promise<number> {
    const [row] = !nameContains
      ? await this.#query<RowDataPacket[]>('SELECT COALESCE(SUM(n), 0) AS n FROM product_counts', [])
      : atMost === undefined
        ? await this.#query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM products WHERE product_name LIKE ?', [
            likeContains(nameContains),
          ])
        : // The scan stops at the atMost-th match instead of reading every row.
          await this.#query<RowDataPacket[]>(
            'SELECT COUNT(*) AS n FROM (SELECT 1 FROM products WHERE product_name LIKE ? LIMIT ?) AS matching',
            [likeContains(nameContains), String(atMost)],
          );
    return Number(row?.n ?? 0);
  }

  async get(productId: string): Promise<StoredProduct | undefined> {
    const [row] = await this.#query<ProductRow[]>(
      `SELECT ${COLUMNS} FROM products WHERE product_id = ?`,
      [productId],
    );
    return row && toProduct(row);
  }

  async create(product: NewProduct): Promise<StoredProduct> {
    // Set here rather than by the server so the answer needs no second query; DATETIME(3) keeps ms.
    const createdAt = new Date();
    try {
      const insertId = await this.#transaction(async (execute) => {
        const result = await execute<ResultSetHeader>(
          'INSERT INTO products (product_id, product_name, created_at) VALUES (?, ?, ?)',
          [product.productId, product.productName, createdAt],
        );
        await execute(ADD_TO_COUNT, countChange(1));
        return result.insertId;
      });
      return { ...product, createdAt, seq: Number(insertId) };
    } catch (error) {
      if ((error as { code?: string }).code === 'ER_DUP_ENTRY') {
        throw new DuplicateProductIdError(product.productId);
      }
      throw error;
    }
  }

  async rename(productId: string, productName: string): Promise<StoredProduct | undefined> {
    const result = await this.#query<ResultSetHeader>(
      'UPDATE products SET product_name = ? WHERE product_id = ?',
      [productName, productId],
    );
    // affectedRows counts matched rows (mysql2 sets CLIENT_FOUND_ROWS), so 0 means absent.
    if (result.affectedRows === 0) return undefined;
    return this.get(productId);
  }

  async remove(productId: string): Promise<boolean> {
    return this.#transaction(async (execute) => {
      const result = await execute<ResultSetHeader>('DELETE FROM products WHERE product_id = ?', [productId]);
      if (result.affectedRows === 0) return false;
      await execute(ADD_TO_COUNT, countChange(-1));
      return true;
    });
  }

  /** Runs `work` on one connection (as one transaction if asked), within the deadlines. */
  async #run<T>(work: (execute: Execute) => Promise<T>, options: { transaction?: boolean } = {}): Promise<T> {
    if (!this.isReady()) throw new StoreUnavailableError('The database is not ready yet.');
    try {
      return await runWithin(this.pool, this.deadlines, work, options);
    } catch (error) {
      if (error instanceof DatabaseUnresponsiveError) {
        throw new StoreUnavailableError(`The database is unavailable (${error.message}).`, {
          cause: error,
          outcomeUnknown: error.outcomeUnknown,
        });
      }
      const code = (error as { code?: string }).code;
      if (code && UNAVAILABLE_CODES.has(code)) {
        throw new StoreUnavailableError(`The database is unavailable (${code}).`, { cause: error });
      }
      throw error;
    }
  }

  #query<T extends RowDataPacket[] | ResultSetHeader>(sql: string, params: SqlParams): Promise<T> {
    return this.#run((execute) => execute<T>(sql, params));
  }

  /** A product and the count change together or not at all. */
  #transaction<T>(work: (execute: Execute) => Promise<T>): Promise<T> {
    return this.#run(work, { transaction: true });
  }
}
