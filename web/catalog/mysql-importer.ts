import type { Execute } from '../mysql/deadline.js';
import type { Row } from '../mysql/runner.js';
import { TRANSFER_BATCH_ROWS } from '../limits.js';
import type { ImportBatchResult, ImportRow, ProductImporter } from './product-store.js';

/**
 * Statement sizes, largest first. Each size is one prepared statement the server keeps per
 * connection; sending every odd batch size as its own statement would pile up thousands of them
 * and run into the server's max_prepared_stmt_count for everyone.
 */
const STATEMENT_ROWS = [TRANSFER_BATCH_ROWS, 100, 10, 1];

/** `items` cut into runs of the sizes above, largest first. */
function* inStatementSizes<T>(items: readonly T[]): Generator<T[]> {
  let start = 0;
  for (const size of STATEMENT_ROWS) {
    for (; items.length - start >= size; start += size) yield items.slice(start, start + size);
  }
}

const placeholders = (n: number, one: string) => Array.from({ length: n }, () => one).join(', ');

/** IDs the catalog holds, trashed ones included: the trash is a flag on these rows (migration 006). */
const HELD_IDS = (n: number) => `SELECT id, product_id FROM products WHERE product_id IN (${placeholders(n, '?')})`;
const INSERT_ROWS = (n: number) => `INSERT INTO products (product_id, product_name, created_at) VALUES ${placeholders(n, '(?, ?, ?)')}`;

/**
 * The rows of one import, inserted in full statements inside the import's transaction.
 *
 * Telling an ID the catalog held before from one this file added needs no memory of the file:
 * the transaction's first read fixed its snapshot after `lastIdBefore`, so a row it sees with a
 * larger id can only be one it inserted itself. Rows not yet inserted are kept until a full
 * statement's worth is there, at most a batch.
 */
export class MysqlImporter implements ProductImporter {
  #pending: ImportRow[] = [];
  readonly #pendingIds = new Set<string>();
  #inserted = 0;

  constructor(
    private readonly execute: Execute,
    private readonly lastIdBefore: number,
    private readonly importedAt: Date,
  ) {}

  /** Rows inserted so far; after `flush`, every row taken. */
  get inserted(): number {
    return this.#inserted;
  }

  async add(rows: readonly ImportRow[]): Promise<ImportBatchResult> {
    const held = new Map<string, number>();
    for (const ids of inStatementSizes([...new Set(rows.map((r) => r.productId))])) {
      for (const row of await this.execute<Row[]>(HELD_IDS(ids.length), ids)) held.set(row.product_id as string, Number(row.id));
    }
    const existing: ImportRow[] = [];
    const repeated: ImportRow[] = [];
    for (const row of rows) {
      const id = held.get(row.productId);
      if (id !== undefined && id <= this.lastIdBefore) existing.push(row);
      else if (id !== undefined || this.#pendingIds.has(row.productId)) repeated.push(row);
      else {
        this.#pending.push(row);
        this.#pendingIds.add(row.productId);
      }
    }
    await this.#insert(TRANSFER_BATCH_ROWS);
    return { accepted: rows.length - existing.length - repeated.length, existing, repeated };
  }

  /** Inserts what is still pending, before the commit. */
  flush(): Promise<void> {
    return this.#insert(1);
  }

  /** Inserts pending rows in statements of at least `smallest` rows. */
  async #insert(smallest: number): Promise<void> {
    const statements = [...inStatementSizes(this.#pending)].filter((s) => s.length >= smallest);
    for (const rows of statements) {
      const params = rows.flatMap((r) => [r.productId, r.productName, r.createdAt ?? this.importedAt]);
      await this.execute(INSERT_ROWS(rows.length), params);
      this.#inserted += rows.length;
    }
    const done = statements.reduce((n, s) => n + s.length, 0);
    for (const row of this.#pending.slice(0, done)) this.#pendingIds.delete(row.productId);
    this.#pending = this.#pending.slice(done);
  }
}
