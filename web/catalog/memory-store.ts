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

  async create(product: NewProduct): Promise<StoredProduct> {
    if (this.#byId.has(product.productId)) throw new DuplicateProductIdError(product.productId);
    const stored: StoredProduct = { ...product, createdAt: new Date(), seq: ++this.#lastSeq };
    this.#byId.set(product.productId, stored);
    return stored;
  }

  async rename(productId: string, productName: string): Promise<StoredProduct | undefined> {
    const existing = this.#byId.get(productId);
    if (!existing) return undefined;
    const renamed = { ...existing, productName };
    this.#byId.set(productId, renamed);
    return renamed;
  }

  async remove(productId: string): Promise<boolean> {
    return this.#byId.delete(productId);
  }

  #matching(nameContains: string | undefined): StoredProduct[] {
    const all = [...this.#byId.values()];
    if (!nameContains) return all;
    const needle = nameContains.toLowerCase();
    return all.filter((p) => p.productName.toLowerCase().includes(needle));
  }
}
