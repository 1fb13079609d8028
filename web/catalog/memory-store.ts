import type { ChangeContext } from '../auth/principal.js';
import { MemoryAuditLog } from '../audit/memory-audit-log.js';
import {
  DuplicateProductIdError,
  toPage,
  type NewProduct,
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

  #matching(nameContains: string | undefined): StoredProduct[] {
    const all = [...this.#byId.values()];
    if (!nameContains) return all;
    const needle = nameContains.toLowerCase();
    return all.filter((p) => p.productName.toLowerCase().includes(needle));
  }
}
