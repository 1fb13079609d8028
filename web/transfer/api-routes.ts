import { Router, type Request, type RequestHandler, type Response } from 'express';
import { apiRequires } from '../auth/authorize.js';
import { NEEDS } from '../auth/roles.js';
import { ImportConflictError, type ProductStore } from '../catalog/product-store.js';
import { HttpError, validationError } from '../http/errors.js';
import { problemSlugFor, problemTypeUri } from '../http/problems.js';
import { changeContext } from '../http/locals.js';
import type { Logger } from '../ops/logger.js';
import { csvRows } from './csv.js';
import { exportFormat, sendExport } from './export.js';
import { isImportMode, IMPORT_MODES, runImport, type ImportMode, type ImportOutcome } from './import-runner.js';
import { checkedBytes, type SourceRow, type TransferFormat } from './import-source.js';
import { ndjsonRows } from './ndjson.js';
import { bodyChunks, stopUploadOnEarlyAnswer } from './upload.js';
import { caseSensitiveRouter } from '../http/routing.js';

export interface TransferOptions {
  readonly store: ProductStore;
  /** Counts each import as one write. */
  readonly writeLimit: RequestHandler;
  readonly importMaxBytes: number;
  readonly logger: Logger;
  /** Lets one import at a time run per user (oneImportAtATime), shared by the API and the page. */
  readonly importLimit: RequestHandler;
}

/** The parser for a file of `format`, over its bytes checked for size and encoding. */
export function fileRows(format: TransferFormat, chunks: AsyncIterable<Buffer>, maxBytes: number): AsyncIterable<SourceRow> {
  const bytes = checkedBytes(chunks, maxBytes);
  return format === 'csv' ? csvRows(bytes) : ndjsonRows(bytes);
}

export function importModeOf(value: unknown): ImportMode {
  if (value === undefined || value === '') return 'all-or-nothing';
  if (isImportMode(value)) return value;
  const message = `mode must be ${IMPORT_MODES.join(' or ')}.`;
  throw validationError([{ field: 'mode', message }], 'query');
}

/** An import's answer when the file was read: the report, as JSON or inside problem+json. */
function sendOutcome(req: Request, res: Response, outcome: ImportOutcome) {
  if (outcome.status === 200) return res.json(outcome.report);
  const { status, title, detail, report } = outcome;
  res.status(status).type('application/problem+json').send(JSON.stringify({ type: problemTypeUri(problemSlugFor(status, title)), title, status, detail, instance: req.originalUrl, ...report }));
}

/** The one import error the error handler does not know. */
export function importConflict(error: unknown): unknown {
  return error instanceof ImportConflictError ? new HttpError('import-conflict', error.message) : error;
}

function apiImportFormat(req: Request, maxBytes: number): TransferFormat {
  const format = req.is('text/csv') ? 'csv' : req.is('application/x-ndjson') ? 'ndjson' : undefined;
  if (!format) {
    throw new HttpError('unsupported-media-type', `Send the file as text/csv or application/x-ndjson (got ${req.get('content-type') ?? 'no Content-Type'}).`);
  }
  const charset = /;\s*charset="?([^";]+)/i.exec(req.get('content-type') ?? '')?.[1];
  if (charset && !/^utf-?8$/i.test(charset)) throw new HttpError('unsupported-encoding', `Send the file as UTF-8 (got charset=${charset}).`);
  const encoding = req.get('content-encoding');
  if (encoding && encoding !== 'identity') throw new HttpError('unsupported-encoding', `Send the file without Content-Encoding (got ${encoding}).`);
  if (Number(req.get('content-length') ?? 0) > maxBytes) {
    throw new HttpError('file-too-large', `The file is larger than the ${maxBytes} bytes (IMPORT_MAX_BYTES) an import accepts; split it into smaller files.`);
  }
  return format;
}

/**
 * GET /api/products/export?format=csv|ndjson (a read) and POST /api/products/import (an editor's
 * write, one of the write limit's, one at a time per user). Mounted before the catalog's
 * /api/products/:productId: without `format` the export's path is the product whose ID is "export".
 */
export function transferApiRouter(options: TransferOptions): Router {
  const { store, importMaxBytes } = options;
  const router = caseSensitiveRouter();

  router.get('/api/products/export', async (req, res, next) => {
    const format = exportFormat(req.query);
    if (!format) return next();
    await sendExport(store, format, res, options.logger);
  });

  router.post(
    '/api/products/import',
    stopUploadOnEarlyAnswer,
    apiRequires(NEEDS.changeProducts),
    options.writeLimit,
    options.importLimit,
    async (req, res) => {
      const mode = importModeOf(req.query.mode);
      const format = apiImportFormat(req, importMaxBytes);
      try {
        const rows = fileRows(format, bodyChunks(req), importMaxBytes);
        sendOutcome(req, res, await runImport(store, rows, { mode, format, context: changeContext(req, res) }));
      } catch (error) {
        throw importConflict(error);
      }
    },
  );

  return router;
}
