import type supertest from 'supertest';
import type { ProductStore, StoredProduct } from '../../web/catalog/product-store.js';
import type { Stores } from '../../web/stores.js';
import type { ApiClient } from './auth.js';

/** A superagent parser that keeps any body as text (CSV and NDJSON are not parsed otherwise). */
export const asText: Parameters<supertest.Test['parse']>[0] = (res, done) => {
  let body = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => (body += chunk));
  res.on('end', () => done(null, body));
};

/** Every product the store holds, in the order added. */
export async function allProducts(store: ProductStore): Promise<StoredProduct[]> {
  const all: StoredProduct[] = [];
  for (let batch = await store.exportBatch(0, 1000); batch.length; batch = await store.exportBatch(batch.at(-1)!.seq, 1000)) all.push(...batch);
  return all;
}

/** What an import could change: the products, the count and the import events. */
export async function catalogState(stores: Stores) {
  const products = (await allProducts(stores.products)).map((p) => [p.productId, p.productName, p.createdAt.toISOString()]);
  const imports = (await stores.audit.list({ action: 'product.import', limit: 100 })).events.length;
  return { products, count: await stores.products.count(), imports };
}

/** POSTs a file to the import API. */
export const importFile = (api: ApiClient, body: string | Buffer, type = 'text/csv', query = '') =>
  api.post(`/api/products/import${query}`).set('Content-Type', type).send(body);

/** GETs the export as text. */
export const exportFile = (api: ApiClient, format: 'csv' | 'ndjson') => api.get(`/api/products/export?format=${format}`).buffer(true).parse(asText);
