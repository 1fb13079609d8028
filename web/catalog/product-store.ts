import type { AuditValues } from '../audit/audit-event.js';
import type { ChangeContext } from '../auth/principal.js';

/** A product as the catalog stores it. */
export interface Product {
  readonly productId: string;
  readonly productName: string;
  readonly createdAt: Date;
}

/** A stored product with its insertion sequence number, which orders the list and backs cursors. */
export interface StoredProduct extends Product {
  readonly seq: number;
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
  readonly nameContains?: string;
}

export interface ProductPage {
  readonly items: readonly StoredProduct[];
  readonly hasOlder: boolean;
  readonly hasNewer: boolean;
}

/**
 * The catalog's storage. The in-memory and MySQL stores both pass test/support/store-contract.ts.
 * Each change records its audit event (who, from where) in the same transaction as the change.
 */
export interface ProductStore {
  listPage(query: PageQuery): Promise<ProductPage>;
  /** Products whose name contains the text (all when absent), counting no further than `atMost`. */
  count(nameContains?: string, atMost?: number): Promise<number>;
  /** A page (without search) and the count of every product, read together: the list page's one read. */
  listPageWithTotal(query: Omit<PageQuery, 'nameContains'>): Promise<[ProductPage, number]>;
  get(productId: string): Promise<StoredProduct | undefined>;
  /** @throws DuplicateProductIdError when the ID is taken. */
  create(product: NewProduct, context: ChangeContext): Promise<StoredProduct>;
  /** The renamed product, or undefined when there is none with that ID. */
  rename(productId: string, productName: string, context: ChangeContext): Promise<StoredProduct | undefined>;
  /** The product as it was before its removal, or undefined when there was none. */
  remove(productId: string, context: ChangeContext): Promise<StoredProduct | undefined>;
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
  constructor(readonly productId: string) {
    super(`A product with ID '${productId}' already exists.`);
    this.name = 'DuplicateProductIdError';
  }
}

/** Resolves a page query against rows fetched in the query's own direction. */
export function toPage(
  query: PageQuery,
  fetched: readonly StoredProduct[],
): ProductPage {
  const hasMore = fetched.length > query.limit;
  const rows = fetched.slice(0, query.limit);
  if (query.newerThan !== undefined) {
    // Fetched oldest-first to find the rows just above the bound; show them newest first.
    return { items: rows.reverse(), hasOlder: true, hasNewer: hasMore };
  }
  return { items: rows, hasOlder: hasMore, hasNewer: query.olderThan !== undefined };
}
