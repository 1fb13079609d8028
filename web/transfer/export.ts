import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import type { Product, ProductStore, StoredProduct } from '../catalog/product-store.js';
import { validationError } from '../http/errors.js';
import { TRANSFER_BATCH_ROWS } from '../limits.js';
import type { Logger } from '../ops/logger.js';
import { CSV_HEADER, csvRecord } from './csv.js';
import { FORMATS, isFormat, type TransferFormat } from './import-source.js';
import { ndjsonLine } from './ndjson.js';

const ENCODINGS: Record<TransferFormat, { type: string; extension: string; header: string; line: (p: Product) => string }> = {
  csv: { type: 'text/csv; charset=utf-8; header=present', extension: 'csv', header: CSV_HEADER, line: csvRecord },
  ndjson: { type: 'application/x-ndjson; charset=utf-8', extension: 'ndjson', header: '', line: ndjsonLine },
};

/** The format asked for, or undefined when the query names none. */
export function exportFormat(query: Request['query']): TransferFormat | undefined {
  if (query.format === undefined) return undefined;
  if (!isFormat(query.format)) {
    throw validationError([{ field: 'format', message: `format must be ${FORMATS.join(' or ')}.` }], 'query');
  }
  return query.format;
}

/** products-2026-11-28.csv: the day (UTC) the export was taken. */
export const exportFilename = (format: TransferFormat, at = new Date()) => `products-${at.toISOString().slice(0, 10)}.${ENCODINGS[format].extension}`;

/** The file's text, one chunk per batch; asks the store for the next batch only when the client has taken the last. */
async function* encoded(store: ProductStore, first: StoredProduct[], format: TransferFormat): AsyncGenerator<string> {
  const { header, line } = ENCODINGS[format];
  if (header) yield header;
  for (let batch = first; batch.length; batch = await store.exportBatch(batch.at(-1)!.seq, TRANSFER_BATCH_ROWS)) {
    yield batch.map(line).join('');
    if (batch.length < TRANSFER_BATCH_ROWS) return;
  }
}

/**
 * Streams every product in the order they were added, in keyset batches through the store, so
 * memory stays flat however large the catalog. The stream waits while the client is slow
 * (backpressure) and stops asking the store when the client goes away. The first batch is read
 * before answering, so an unavailable database is still a 503; a failure later cuts the response
 * off (no final chunk), so a client cannot mistake a partial file for a whole one.
 */
export async function sendExport(store: ProductStore, format: TransferFormat, res: Response, logger: Logger): Promise<void> {
  const first = await store.exportBatch(0, TRANSFER_BATCH_ROWS);
  res.status(200).set({
    'Content-Type': ENCODINGS[format].type,
    'Content-Disposition': `attachment; filename="${exportFilename(format)}"`,
    'Cache-Control': 'no-store',
  });
  try {
    await pipeline(Readable.from(encoded(store, first, format), { objectMode: false }), res);
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_STREAM_PREMATURE_CLOSE') return; // the client left
    logger.warn({ err: error, reqId: res.locals.requestId }, 'export stopped part way');
  }
}
