import type { ChangeContext } from '../auth/principal.js';
import { MemoryAuditLog } from '../audit/memory-audit-log.js';
import {
  DuplicateProductIdError,
  IMPORT_AUDIT_TARGET,
  ImportConflictError,
  toPage,
  type ImportDecision,
  type ImportRow,
  type NewProduct,
  type ProductImporter,
  type PageQuery,
  type ProductPage,
  type ProductStore,
  type StoredProduct,
} from './product-store.js';

/** Keeps products in process memory: for trying the app out and for tests. Nothing survives a restart. */
export class MemoryProductStore implements ProductStore {
  // Map iteration follows insertion order, which is sequence order.
  readonly #byId = new Map<string, StoredProduct>();
  #lastSeq = 0;

  constructor(private readonly audit = new MemoryAuditLog()) {}

  async listPage(query: PageQuery): Promise<ProductPage> {
    const matching = this.#matching(query.nameContains);
    const fetched =
      query.newerThan !== undefined
        ? matching.filter((p) => p.seq > query.newerThan!)
        : matching.reverse().filter((p) => query.olderThan === undefined || p.seq < query.olderThan);
    return toPage(query, fetched.slice(0, query.limit + 1));
  }

  async count(nameContains?: string, atMost = Infinity): Promise<number> {
    return Math.min(this.#matching(nameContains).length, atMost);
  }

  async listPageWithTotal(query: Omit<PageQuery, 'nameContains'>): Promise<[ProductPage, number]> {
    return [await this.listPage(query), await this.count()];
  }

  async get(productId: string): Promise<StoredProduct | undefined> {
    return this.#byId.get(productId);
  }

  async create(product: NewProduct, context: ChangeContext): Promise<StoredProduct> {
    if (this.#byId.has(product.productId)) throw new DuplicateProductIdError(product.productId);
    const stored: StoredProduct = { ...product, createdAt: new Date(), seq: ++this.#lastSeq };
    this.#byId.set(product.productId, stored);
    this.audit.append({
      context,
      action: 'product.create',
      target: { type: 'product', id: product.productId },
      after: { productName: product.productName },
    });
    return stored;
  }

  async rename(productId: string, productName: string, context: ChangeContext): Promise<StoredProduct | undefined> {
    const existing = this.#byId.get(productId);
    if (!existing || existing.productName === productName) return existing;
    const renamed = { ...existing, productName };
    this.#byId.set(productId, renamed);
    this.audit.append({
      context,
      action: 'product.rename',
      target: { type: 'product', id: productId },
      before: { productName: existing.productName },
      after: { productName },
    });
    return renamed;
  }

  async remove(productId: string, context: ChangeContext): Promise<StoredProduct | undefined> {
    const existing = this.#byId.get(productId);
    if (!existing) return undefined;
    this.#byId.delete(productId);
    this.audit.append({
      context,
      action: 'product.delete',
      target: { type: 'product', id: productId },
      before: { productName: existing.productName },
    });
    return existing;
  }

  async exportBatch(afterSeq: number, limit: number): Promise<StoredProduct[]> {
    const batch: StoredProduct[] = [];
    for (const p of this.#byId.values()) {
      if (p.seq <= afterSeq) continue;
      batch.push(p);
      if (batch.length === limit) break;
    }
    return batch;
  }

  async importProducts<T>(context: ChangeContext, feed: (importer: ProductImporter) => Promise<ImportDecision<T>>): Promise<T> {
    const importedAt = new Date();
    const staged = new Map<string, ImportRow>();
    const decision = await feed({
      add: async (rows) => {
        const existing: ImportRow[] = [];
        const repeated: ImportRow[] = [];
        for (const row of rows) {
          if (this.#byId.has(row.productId)) existing.push(row);
          else if (staged.has(row.productId)) repeated.push(row);
          else staged.set(row.productId, row);
        }
        return { accepted: rows.length - existing.length - repeated.length, existing, repeated };
      },
    });
    if (!decision.commit) return decision.value;
    // One synchronous step from here on, which is what a transaction gives the MySQL store.
    for (const productId of staged.keys()) if (this.#byId.has(productId)) throw new ImportConflictError();
    for (const row of staged.values()) {
      const { productId, productName } = row;
      this.#byId.set(productId, { productId, productName, createdAt: row.createdAt ?? importedAt, seq: ++this.#lastSeq });
    }
    this.audit.append({ context, action: 'product.import', target: IMPORT_AUDIT_TARGET, after: decision.summary });
    return decision.value;
  }

  #matching(nameContains: string | undefined): StoredProduct[] {
    const all = [...this.#byId.values()];
    if (!nameContains) return all;
    const needle = nameContains.toLowerCase();
    return all.filter((p) => p.productName.toLowerCase().includes(needle));
  }
}
