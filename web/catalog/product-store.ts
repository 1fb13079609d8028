import type { AuditValues } from '../audit/audit-event.js';
import type { ChangeContext } from '../auth/principal.js';

/** A product as the catalog stores it. */
export interface Product {
  readonly productId: string;
  readonly productName: string;
  readonly createdAt: Date;
  /** When it last changed (renamed, trashed, restored); its creation time until then. */
  readonly updatedAt: Date;
  /** 1 when created, one more on every change: what ETags and edit forms compare. */
  readonly version: number;
}

/** A stored product with its insertion sequence number, which orders the list and backs cursors. */
export interface StoredProduct extends Product {
  readonly seq: number;
}

/** A product in the trash: its ID stays taken until it is purged. */
export interface TrashedProduct extends StoredProduct {
  readonly deletedAt: Date;
  /** Who moved it there; null when the change was anonymous. */
  readonly deletedBy: string | null;
}

export interface NewProduct {
  readonly productId: string;
  readonly productName: string;
}

/** One page of the list, newest first. `olderThan` and `newerThan` are exclusive sequence bounds. */
export interface PageQuery {
  readonly limit: number;
  readonly olderThan?: number;
  readonly newerThan?: number;
  /** Products whose ID or name contains this text, ignoring case. */
  readonly search?: string;
}

export interface ProductPage<T extends StoredProduct = StoredProduct> {
  readonly items: readonly T[];
  readonly hasOlder: boolean;
  readonly hasNewer: boolean;
}

/** Where a trash page starts: deletion time, then sequence number break ties. */
export interface TrashKey {
  readonly deletedAt: Date;
  readonly seq: number;
}

/** One page of the trash, most recently deleted first; the bounds are exclusive. */
export interface TrashQuery {
  readonly limit: number;
  readonly olderThan?: TrashKey;
  readonly newerThan?: TrashKey;
}

/**
 * The catalog's storage. The in-memory and MySQL stores both pass test/support/store-contract.ts.
 * Each change records its audit event (who, from where) in the same transaction as the change.
 */
export interface ProductStore {
  /** Products in the catalog; never those in the trash. */
  listPage(query: PageQuery): Promise<ProductPage>;
  /** Products whose ID or name contains the text (all when absent), counting no further than `atMost`. */
  count(search?: string, atMost?: number): Promise<number>;
  /** A page (without search) and the count of every product in the catalog, read together: the list page's one read. */
  listPageWithTotal(query: Omit<PageQuery, 'search'>): Promise<[ProductPage, number]>;
  /** The product in the catalog with this ID; undefined when there is none or it is in the trash. */
  get(productId: string): Promise<StoredProduct | undefined>;
  /** @throws DuplicateProductIdError when the ID is taken, in the catalog or in the trash. */
  create(product: NewProduct, context: ChangeContext): Promise<StoredProduct>;
  /**
   * The renamed product (unchanged, same version, when the name is the same), or undefined when
   * the catalog has none with that ID.
   * @throws VersionMismatchError when `ifVersion` is given and the product is at another version.
   */
  rename(productId: string, productName: string, context: ChangeContext, ifVersion?: number): Promise<StoredProduct | undefined>;
  /**
   * Moves the product to the trash: the product as it is there, or undefined when the catalog has
   * none with that ID.
   * @throws VersionMismatchError when `ifVersion` is given and the product is at another version.
   */
  remove(productId: string, context: ChangeContext, ifVersion?: number): Promise<TrashedProduct | undefined>;
  listTrash(query: TrashQuery): Promise<ProductPage<TrashedProduct>>;
  getTrashed(productId: string): Promise<TrashedProduct | undefined>;
  /** Puts a trashed product back in the catalog, at its old place: undefined when it is not in the trash. */
  restore(productId: string, context: ChangeContext): Promise<StoredProduct | undefined>;
  /** Deletes a trashed product for good, freeing its ID: undefined when it is not in the trash. */
  purge(productId: string, context: ChangeContext): Promise<TrashedProduct | undefined>;
  /** Purges up to `limit` products trashed before `deletedBefore`, oldest first; how many it purged. */
  sweepTrash(deletedBefore: Date, limit: number): Promise<number>;
  /**
   * One batch of an export: up to `limit` products added after sequence number `afterSeq`, in the
   * order they were added. Keyset, so each batch costs the same however far the export has got.
   */
  exportBatch(afterSeq: number, limit: number): Promise<StoredProduct[]>;
  /**
   * One import, as one transaction: `feed` hands the file's rows to the importer in batches and
   * then decides. On commit the rows, the catalog count and one audit event (`product.import`
   * with the decision's summary) are stored together; otherwise nothing is.
   * @throws ImportConflictError when someone else created one of the file's IDs meanwhile.
   */
  importProducts<T>(context: ChangeContext, feed: (importer: ProductImporter) => Promise<ImportDecision<T>>): Promise<T>;
}

/** A checked row of an import file, with the line it came from. */
export interface ImportRow {
  readonly line: number;
  readonly productId: string;
  readonly productName: string;
  /** Absent: the time of the import. */
  readonly createdAt?: Date;
}

export interface ImportBatchResult {
  /** Rows taken, to be created on commit. */
  readonly accepted: number;
  /** Rows whose ID the catalog held before the import; not taken. */
  readonly existing: readonly ImportRow[];
  /** Rows whose ID an earlier row of the file has; not taken. */
  readonly repeated: readonly ImportRow[];
}

export interface ProductImporter {
  add(rows: readonly ImportRow[]): Promise<ImportBatchResult>;
}

export type ImportDecision<T> =
  | { readonly commit: true; readonly value: T; /** What the audit event records. */ readonly summary: AuditValues }
  | { readonly commit: false; readonly value: T };

/** What an import's audit event is about: the catalog as a whole, not one product. */
export const IMPORT_AUDIT_TARGET = { type: 'catalog', id: 'products' } as const;

/** Someone else created one of an import's IDs while it ran; the import was rolled back whole. */
export class ImportConflictError extends Error {
  constructor() {
    super('A product with one of the IDs in this file was created by someone else while the import ran. Nothing was imported; try again.');
    this.name = 'ImportConflictError';
  }
}

export class DuplicateProductIdError extends Error {
  constructor(
    readonly productId: string,
    /** The ID belongs to a product in the trash, which can be restored. */
    readonly inTrash = false,
  ) {
    super(
      inTrash
        ? `A product with ID '${productId}' is in the trash. Restore it, or use another ID.`
        : `A product with ID '${productId}' already exists.`,
    );
    this.name = 'DuplicateProductIdError';
  }
}

/** A change said which version it was made against, and the product has moved on since. */
export class VersionMismatchError extends Error {
  constructor(readonly current: StoredProduct) {
    super(`Product '${current.productId}' has changed since you read it: it is at version ${current.version} now.`);
    this.name = 'VersionMismatchError';
  }
}

/** Who made a change the app makes on its own (the trash sweep), for the audit trail. */
export const SYSTEM_CONTEXT: ChangeContext = { clientIp: '-', requestId: 'trash-sweep' };

/** Resolves a page query against rows fetched in the query's own direction. */
export function toPage<T extends StoredProduct>(
  query: { readonly limit: number; readonly newerThan?: unknown; readonly olderThan?: unknown },
  fetched: readonly T[],
): ProductPage<T> {
  const hasMore = fetched.length > query.limit;
  const rows = fetched.slice(0, query.limit);
  if (query.newerThan !== undefined) {
    // Fetched oldest-first to find the rows just above the bound; show them newest first.
    return { items: rows.reverse(), hasOlder: true, hasNewer: hasMore };
  }
  return { items: rows, hasOlder: hasMore, hasNewer: query.olderThan !== undefined };
}
