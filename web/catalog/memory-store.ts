import type { ChangeContext } from '../auth/principal.js';
import { MemoryAuditLog } from '../audit/memory-audit-log.js';
import {
  DuplicateProductIdError,
  IMPORT_AUDIT_TARGET,
  ImportConflictError,
  SYSTEM_CONTEXT,
  toPage,
  VersionMismatchError,
  type ImportDecision,
  type ImportRow,
  type NewProduct,
  type ProductImporter,
  type PageQuery,
  type ProductPage,
  type ProductStore,
  type StoredProduct,
  type TrashedProduct,
  type TrashKey,
  type TrashQuery,
} from './product-store.js';

/** A record of the map: a product in the catalog, or one in the trash (with deletedAt). */
type Held = StoredProduct | TrashedProduct;

const inTrash = (p: Held): p is TrashedProduct => 'deletedAt' in p;
const live = ({ seq, productId, productName, createdAt, updatedAt, version }: Held): StoredProduct => ({
  seq,
  productId,
  productName,
  createdAt,
  updatedAt,
  version,
});

/** Trash order, most recently deleted first; negative when `a` comes first. */
const trashOrder = (a: TrashKey, b: TrashKey) => b.deletedAt.getTime() - a.deletedAt.getTime() || b.seq - a.seq;

/** Keeps products in process memory: for trying the app out and for tests. Nothing survives a restart. */
export class MemoryProductStore implements ProductStore {
  // Map iteration follows insertion order, which is sequence order; trashed products keep their place.
  readonly #byId = new Map<string, Held>();
  #lastSeq = 0;

  constructor(private readonly audit = new MemoryAuditLog()) {}

  async listPage(query: PageQuery): Promise<ProductPage> {
    const matching = this.#matching(query.search);
    const fetched =
      query.newerThan !== undefined
        ? matching.filter((p) => p.seq > query.newerThan!)
        : matching.reverse().filter((p) => query.olderThan === undefined || p.seq < query.olderThan);
    return toPage(query, fetched.slice(0, query.limit + 1));
  }

  async count(search?: string, atMost = Infinity): Promise<number> {
    return Math.min(this.#matching(search).length, atMost);
  }

  async listPageWithTotal(query: Omit<PageQuery, 'search'>): Promise<[ProductPage, number]> {
    return [await this.listPage(query), await this.count()];
  }

  async get(productId: string): Promise<StoredProduct | undefined> {
    const held = this.#byId.get(productId);
    return held && !inTrash(held) ? held : undefined;
  }

  async create(product: NewProduct, context: ChangeContext): Promise<StoredProduct> {
    const held = this.#byId.get(product.productId);
    if (held) throw new DuplicateProductIdError(product.productId, inTrash(held));
    const now = new Date();
    const stored: StoredProduct = { ...product, createdAt: now, updatedAt: now, version: 1, seq: ++this.#lastSeq };
    this.#byId.set(product.productId, stored);
    this.audit.append({
      context,
      action: 'product.create',
      target: { type: 'product', id: product.productId },
      after: { productName: product.productName },
    });
    return stored;
  }

  async rename(productId: string, productName: string, context: ChangeContext, ifVersion?: number): Promise<StoredProduct | undefined> {
    const existing = this.#live(productId, ifVersion);
    if (!existing || existing.productName === productName) return existing;
    const renamed = { ...existing, productName, updatedAt: new Date(), version: existing.version + 1 };
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

  async remove(productId: string, context: ChangeContext, ifVersion?: number): Promise<TrashedProduct | undefined> {
    const existing = this.#live(productId, ifVersion);
    if (!existing) return undefined;
    const deletedAt = new Date();
    const trashed: TrashedProduct = {
      ...existing,
      version: existing.version + 1,
      updatedAt: deletedAt,
      deletedAt,
      deletedBy: context.actor?.username ?? null,
    };
    this.#byId.set(productId, trashed);
    this.audit.append({
      context,
      action: 'product.delete',
      target: { type: 'product', id: productId },
      before: { productName: existing.productName },
    });
    return trashed;
  }

  async listTrash(query: TrashQuery): Promise<ProductPage<TrashedProduct>> {
    const trash = [...this.#byId.values()].filter(inTrash).sort(trashOrder);
    const fetched =
      query.newerThan !== undefined
        ? trash.filter((p) => trashOrder(p, query.newerThan!) < 0).reverse()
        : trash.filter((p) => query.olderThan === undefined || trashOrder(p, query.olderThan) > 0);
    return toPage(query, fetched.slice(0, query.limit + 1));
  }

  async getTrashed(productId: string): Promise<TrashedProduct | undefined> {
    const held = this.#byId.get(productId);
    return held && inTrash(held) ? held : undefined;
  }

  async restore(productId: string, context: ChangeContext): Promise<StoredProduct | undefined> {
    const trashed = await this.getTrashed(productId);
    if (!trashed) return undefined;
    const restored = { ...live(trashed), updatedAt: new Date(), version: trashed.version + 1 };
    this.#byId.set(productId, restored);
    this.audit.append({ context, action: 'product.restore', target: { type: 'product', id: productId }, after: { productName: restored.productName } });
    return restored;
  }

  async purge(productId: string, context: ChangeContext): Promise<TrashedProduct | undefined> {
    const trashed = await this.getTrashed(productId);
    if (!trashed) return undefined;
    this.#byId.delete(productId);
    this.audit.append({ context, action: 'product.purge', target: { type: 'product', id: productId }, before: { productName: trashed.productName } });
    return trashed;
  }

  async sweepTrash(deletedBefore: Date, limit: number): Promise<number> {
    const expired = [...this.#byId.values()]
      .filter(inTrash)
      .filter((p) => p.deletedAt < deletedBefore)
      .sort((a, b) => -trashOrder(a, b))
      .slice(0, limit);
    for (const p of expired) await this.purge(p.productId, SYSTEM_CONTEXT);
    return expired.length;
  }

  async exportBatch(afterSeq: number, limit: number): Promise<StoredProduct[]> {
    const batch: StoredProduct[] = [];
    for (const p of this.#byId.values()) {
      if (p.seq <= afterSeq || inTrash(p)) continue;
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
          // A trashed ID is taken too: importing it would need a restore, not a second product.
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
      const createdAt = row.createdAt ?? importedAt;
      this.#byId.set(productId, { productId, productName, createdAt, updatedAt: createdAt, version: 1, seq: ++this.#lastSeq });
    }
    this.audit.append({ context, action: 'product.import', target: IMPORT_AUDIT_TARGET, after: decision.summary });
    return decision.value;
  }

  /** The live product with this ID, checked against the version a change was made at. */
  #live(productId: string, ifVersion: number | undefined): StoredProduct | undefined {
    const held = this.#byId.get(productId);
    if (!held || inTrash(held)) return undefined;
    if (ifVersion !== undefined && held.version !== ifVersion) throw new VersionMismatchError(held);
    return held;
  }

  #matching(search: string | undefined): StoredProduct[] {
    const all = [...this.#byId.values()].filter((p) => !inTrash(p));
    if (!search) return all;
    const needle = search.toLowerCase();
    return all.filter((p) => p.productId.toLowerCase().includes(needle) || p.productName.toLowerCase().includes(needle));
  }
}
