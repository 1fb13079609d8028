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
  get(productId: string): Promise<StoredProduct | undefined>;
  /** @throws DuplicateProductIdError when the ID is taken. */
  create(product: NewProduct, context: ChangeContext): Promise<StoredProduct>;
  /** The renamed product, or undefined when there is none with that ID. */
  rename(productId: string, productName: string, context: ChangeContext): Promise<StoredProduct | undefined>;
  /** The product as it was before its removal, or undefined when there was none. */
  remove(productId: string, context: ChangeContext): Promise<StoredProduct | undefined>;
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
