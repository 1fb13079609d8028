import type { ResultSetHeader } from 'mysql2/promise';
import type { ChangeContext } from '../auth/principal.js';
import { insertAuditEvent } from '../audit/mysql-audit-log.js';
import type { Execute } from '../mysql/deadline.js';
import { sqlErrorCode, type MysqlRunner, type Row } from '../mysql/runner.js';
import { MysqlImporter } from './mysql-importer.js';
import {
  DuplicateProductIdError,
  IMPORT_AUDIT_TARGET,
  ImportConflictError,
  toPage,
  type ImportDecision,
  type NewProduct,
  type ProductImporter,
  type PageQuery,
  type ProductPage,
  type ProductStore,
  type StoredProduct,
  type TrashedProduct,
  type TrashQuery,
  SYSTEM_CONTEXT,
  VersionMismatchError,
} from './product-store.js';

/** The count lives in this many rows of product_counts (see migration 003), picked at random per write. */
const COUNT_SLOTS = 16;
const ADD_TO_COUNT = 'INSERT INTO product_counts (slot, n) VALUES (?, ?) ON DUPLICATE KEY UPDATE n = n + ?';
const countChange = (delta: number): string[] => [String(Math.floor(Math.random() * COUNT_SLOTS)), String(delta), String(delta)];

interface ProductRow extends Row {
  id: number;
  product_id: string;
  product_name: string;
  created_at: Date;
  updated_at: Date | null;
  version: number;
  deleted_at: Date | null;
  deleted_by: string | null;
}

/** A product in the catalog: the trash's columns are NULL there, so reads of the catalog leave them out (fewer dates to parse). */
const LIVE_COLUMNS = 'id, product_id, product_name, created_at, updated_at, version';
const COLUMNS = `${LIVE_COLUMNS}, deleted_at, deleted_by`;
const LIVE = 'deleted_at IS NULL';

/** One keyset batch of an export: products in the catalog, never the trash. */
const EXPORT_BATCH = `SELECT ${LIVE_COLUMNS} FROM products WHERE id > ? AND ${LIVE} ORDER BY id LIMIT ?`;

/** IDs are case-sensitive (utf8mb4_bin), but a search ignores case in both columns alike. */
const SEARCH = '(product_id COLLATE utf8mb4_unicode_ci LIKE ? OR product_name LIKE ?)';

/** Every product in the catalog, from the kept count (migration 003). */
const TOTAL = 'SELECT COALESCE(SUM(n), 0) AS n FROM product_counts';

/** A keyset page (newest first, or oldest first after `newerThan`), one row more than the limit to tell whether more follow. */
function listStatement(query: PageQuery, extraColumns = ''): { sql: string; params: string[] } {
  const where = [LIVE];
  const params: string[] = [];
  if (query.search) {
    where.push(SEARCH);
    params.push(...searchParams(query.search));
  }
  const newerFirst = query.newerThan === undefined;
  if (query.newerThan !== undefined) {
    where.push('id > ?');
    params.push(String(query.newerThan));
  } else if (query.olderThan !== undefined) {
    where.push('id < ?');
    params.push(String(query.olderThan));
  }
  const sql = `SELECT ${LIVE_COLUMNS}${extraColumns} FROM products WHERE ${where.join(' AND ')} ORDER BY id ${newerFirst ? 'DESC' : 'ASC'} LIMIT ?`;
  // LIMIT takes an integer; mysql2 sends JS numbers as DOUBLE, so pass it as a string.
  return { sql, params: [...params, String(query.limit + 1)] };
}

/** Thrown inside an import's transaction to roll it back, carrying the answer out. */
class RollBack<T> extends Error {
  constructor(readonly value: T) {
    super('import rolled back');
  }
}

/** Escapes LIKE wildcards so a search for "50%" means the characters, not a pattern. */
function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

const searchParams = (text: string) => [likeContains(text), likeContains(text)];

function toProduct(row: ProductRow): StoredProduct {
  return {
    seq: Number(row.id),
    productId: row.product_id,
    productName: row.product_name,
    createdAt: row.created_at,
    updatedAt: row.updated_at ?? row.created_at,
    version: Number(row.version),
  };
}

function toTrashed(row: ProductRow): TrashedProduct {
  return { ...toProduct(row), deletedAt: row.deleted_at!, deletedBy: row.deleted_by };
}

/** The product with this ID, in the catalog or the trash, locked until the transaction ends. */
async function lockProduct(execute: Execute, productId: string): Promise<ProductRow | undefined> {
  const [row] = await execute<ProductRow[]>(`SELECT ${COLUMNS} FROM products WHERE product_id = ? FOR UPDATE`, [productId]);
  return row;
}

/** The live product locked for a change, checked against the version the change was made at. */
async function lockLive(execute: Execute, productId: string, ifVersion: number | undefined): Promise<StoredProduct | undefined> {
  const row = await lockProduct(execute, productId);
  if (!row || row.deleted_at !== null) return undefined;
  const product = toProduct(row);
  if (ifVersion !== undefined && product.version !== ifVersion) throw new VersionMismatchError(product);
  return product;
}

/** Products in MySQL/MariaDB, prepared statements only. */
export class MysqlProductStore implements ProductStore {
  constructor(private readonly db: MysqlRunner) {}

  async listPage(query: PageQuery): Promise<ProductPage> {
    const { sql, params } = listStatement(query);
    const rows = await this.db.query<ProductRow[]>(sql, params);
    return toPage(query, rows.map(toProduct));
  }

  /**
   * One statement instead of a page and a count side by side: the count rides along on every
   * row (MariaDB evaluates the uncorrelated subquery once), so the page costs one round trip, and
   * list and count come from one snapshot.
   */
  async listPageWithTotal(query: Omit<PageQuery, 'search'>): Promise<[ProductPage, number]> {
    const { sql, params } = listStatement(query, `, (${TOTAL}) AS total`);
    const rows = await this.db.query<(ProductRow & { total: unknown })[]>(sql, params);
    // A page past either end has no row to carry the count.
    const total = rows[0] ? Number(rows[0].total) : await this.count();
    return [toPage(query, rows.map(toProduct)), total];
  }

  async count(search?: string, atMost?: number): Promise<number> {
    const [row] = !search
      ? await this.db.query<Row[]>(TOTAL)
      : atMost === undefined
        ? await this.db.query<Row[]>(`SELECT COUNT(*) AS n FROM products WHERE ${LIVE} AND ${SEARCH}`, searchParams(search))
        : // The scan stops at the atMost-th match instead of reading every row.
          await this.db.query<Row[]>(
            `SELECT COUNT(*) AS n FROM (SELECT 1 FROM products WHERE ${LIVE} AND ${SEARCH} LIMIT ?) AS matching`,
            [...searchParams(search), String(atMost)],
          );
    return Number(row?.n ?? 0);
  }

  async get(productId: string): Promise<StoredProduct | undefined> {
    const [row] = await this.db.query<ProductRow[]>(`SELECT ${LIVE_COLUMNS} FROM products WHERE product_id = ? AND ${LIVE}`, [productId]);
    return row && toProduct(row);
  }

  async create(product: NewProduct, context: ChangeContext): Promise<StoredProduct> {
    // Set here rather than by the server so the answer needs no second query; DATETIME(3) keeps ms.
    const createdAt = new Date();
    try {
      const insertId = await this.db.transaction(async (execute) => {
        const result = await execute<ResultSetHeader>(
          'INSERT INTO products (product_id, product_name, created_at) VALUES (?, ?, ?)',
          [product.productId, product.productName, createdAt],
        );
        await execute(ADD_TO_COUNT, countChange(1));
        await insertAuditEvent(execute, {
          context,
          action: 'product.create',
          target: { type: 'product', id: product.productId },
          after: { productName: product.productName },
        }, createdAt);
        return result.insertId;
      });
      return { ...product, createdAt, updatedAt: createdAt, version: 1, seq: Number(insertId) };
    } catch (error) {
      if (sqlErrorCode(error) !== 'ER_DUP_ENTRY') throw error;
      throw new DuplicateProductIdError(product.productId, (await this.getTrashed(product.productId)) !== undefined);
    }
  }

  async rename(productId: string, productName: string, context: ChangeContext, ifVersion?: number): Promise<StoredProduct | undefined> {
    return this.db.transaction(async (execute) => {
      const existing = await lockLive(execute, productId, ifVersion);
      if (!existing || existing.productName === productName) return existing;
      const updatedAt = new Date();
      await execute('UPDATE products SET product_name = ?, version = version + 1, updated_at = ? WHERE id = ?', [
        productName,
        updatedAt,
        String(existing.seq),
      ]);
      await insertAuditEvent(execute, {
        context,
        action: 'product.rename',
        target: { type: 'product', id: productId },
        before: { productName: existing.productName },
        after: { productName },
      }, updatedAt);
      return { ...existing, productName, updatedAt, version: existing.version + 1 };
    });
  }

  async remove(productId: string, context: ChangeContext, ifVersion?: number): Promise<TrashedProduct | undefined> {
    return this.db.transaction(async (execute) => {
      const existing = await lockLive(execute, productId, ifVersion);
      if (!existing) return undefined;
      const deletedAt = new Date();
      const deletedBy = context.actor?.username ?? null;
      await execute('UPDATE products SET deleted_at = ?, deleted_by = ?, version = version + 1, updated_at = ? WHERE id = ?', [
        deletedAt,
        deletedBy,
        deletedAt,
        String(existing.seq),
      ]);
      await execute(ADD_TO_COUNT, countChange(-1));
      await insertAuditEvent(execute, {
        context,
        action: 'product.delete',
        target: { type: 'product', id: productId },
        before: { productName: existing.productName },
      }, deletedAt);
      return { ...existing, version: existing.version + 1, updatedAt: deletedAt, deletedAt, deletedBy };
    });
  }

  async listTrash(query: TrashQuery): Promise<ProductPage<TrashedProduct>> {
    const bound = query.newerThan ?? query.olderThan;
    const newerFirst = query.newerThan === undefined;
    const [cmp, order] = newerFirst ? ['<', 'DESC'] : ['>', 'ASC'];
    const sql =
      `SELECT ${COLUMNS} FROM products WHERE deleted_at IS NOT NULL` +
      (bound ? ` AND (deleted_at ${cmp} ? OR (deleted_at = ? AND id ${cmp} ?))` : '') +
      ` ORDER BY deleted_at ${order}, id ${order} LIMIT ?`;
    const params = bound ? [bound.deletedAt, bound.deletedAt, String(bound.seq)] : [];
    const rows = await this.db.query<ProductRow[]>(sql, [...params, String(query.limit + 1)]);
    return toPage(query, rows.map(toTrashed));
  }

  async getTrashed(productId: string): Promise<TrashedProduct | undefined> {
    const [row] = await this.db.query<ProductRow[]>(`SELECT ${COLUMNS} FROM products WHERE product_id = ? AND deleted_at IS NOT NULL`, [
      productId,
    ]);
    return row && toTrashed(row);
  }

  async restore(productId: string, context: ChangeContext): Promise<StoredProduct | undefined> {
    return this.db.transaction(async (execute) => {
      const row = await lockProduct(execute, productId);
      if (!row || row.deleted_at === null) return undefined;
      const updatedAt = new Date();
      await execute('UPDATE products SET deleted_at = NULL, deleted_by = NULL, version = version + 1, updated_at = ? WHERE id = ?', [
        updatedAt,
        String(row.id),
      ]);
      await execute(ADD_TO_COUNT, countChange(1));
      await insertAuditEvent(execute, {
        context,
        action: 'product.restore',
        target: { type: 'product', id: productId },
        after: { productName: row.product_name },
      }, updatedAt);
      return { ...toProduct(row), updatedAt, version: Number(row.version) + 1 };
    });
  }

  async purge(productId: string, context: ChangeContext): Promise<TrashedProduct | undefined> {
    return this.db.transaction(async (execute) => {
      const row = await lockProduct(execute, productId);
      if (!row || row.deleted_at === null) return undefined;
      await execute('DELETE FROM products WHERE id = ?', [String(row.id)]);
      await insertAuditEvent(execute, {
        context,
        action: 'product.purge',
        target: { type: 'product', id: productId },
        before: { productName: row.product_name },
      });
      return toTrashed(row);
    });
  }

  async sweepTrash(deletedBefore: Date, limit: number): Promise<number> {
    return this.db.transaction(async (execute) => {
      // SKIP LOCKED: replicas sweeping at once take different rows instead of waiting on each other.
      const rows = await execute<ProductRow[]>(
        `SELECT ${COLUMNS} FROM products WHERE deleted_at < ? ORDER BY deleted_at, id LIMIT ? FOR UPDATE SKIP LOCKED`,
        [deletedBefore, String(limit)],
      );
      if (!rows.length) return 0;
      await execute(`DELETE FROM products WHERE id IN (${rows.map(() => '?').join(', ')})`, rows.map((r) => String(r.id)));
      for (const row of rows) {
        await insertAuditEvent(execute, {
          context: SYSTEM_CONTEXT,
          action: 'product.purge',
          target: { type: 'product', id: row.product_id },
          before: { productName: row.product_name },
        });
      }
      return rows.length;
    });
  }

  async exportBatch(afterSeq: number, limit: number): Promise<StoredProduct[]> {
    const rows = await this.db.query<ProductRow[]>(EXPORT_BATCH, [String(afterSeq), String(limit)]);
    return rows.map(toProduct);
  }

  async importProducts<T>(context: ChangeContext, feed: (importer: ProductImporter) => Promise<ImportDecision<T>>): Promise<T> {
    const importedAt = new Date();
    try {
      // The transaction lasts as long as the upload; each statement has its own deadline.
      return await this.db.run(
        async (execute) => {
          // The first read fixes the snapshot MysqlImporter relies on.
          const [top] = await execute<Row[]>('SELECT COALESCE(MAX(id), 0) AS id FROM products');
          const importer = new MysqlImporter(execute, Number(top?.id ?? 0), importedAt);
          const decision = await feed(importer);
          if (!decision.commit) throw new RollBack(decision.value);
          await importer.flush();
          // The count's slot is locked only from here to the commit, not for the whole upload.
          if (importer.inserted) await execute(ADD_TO_COUNT, countChange(importer.inserted));
          await insertAuditEvent(execute, { context, action: 'product.import', target: IMPORT_AUDIT_TARGET, after: decision.summary }, importedAt);
          return decision.value;
        },
        { transaction: true, deadline: 'each statement' },
      );
    } catch (error) {
      if (error instanceof RollBack) return error.value as T;
      // Created by someone else after the snapshot: the insert met their row.
      if (sqlErrorCode(error) === 'ER_DUP_ENTRY') throw new ImportConflictError();
      throw error;
    }
  }

}
