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

/** The catalog's storage. The in-memory and MySQL stores both pass test/store-contract.ts. */
export interface ProductStore {
  listPage(query: PageQuery): Promise<ProductPage>;
  /** Products whose name contains the text (all when absent), counting no further than `atMost`. */
  count(nameContains?: string, atMost?: number): Promise<number>;
  get(productId: string): Promise<StoredProduct | undefined>;
  /** @throws DuplicateProductIdError when the ID is taken. */
  create(product: NewProduct): Promise<StoredProduct>;
  rename(productId: string, productName: string): Promise<StoredProduct | undefined>;
  remove(productId: string): Promise<boolean>;
}

export class DuplicateProductIdError extends Error {
  constructor(readonly productId: string) {
    super(`A product with ID '${productId}' already exists.`);
    this.name = 'DuplicateProductIdError';
  }
}

/** The store cannot answer now (database down, not yet migrated, timed out); worth retrying. */
export class StoreUnavailableError extends Error {
  /** True when the statement may have reached the database, so a write may still be applied. */
  readonly outcomeUnknown: boolean;

  constructor(reason: string, options?: { cause?: unknown; outcomeUnknown?: boolean }) {
    super(reason, options);
    this.name = 'StoreUnavailableError';
    this.outcomeUnknown = options?.outcomeUnknown ?? false;
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
