import { Router, type Request, type RequestHandler, type Response } from 'express';
import { pageRequires } from '../auth/authorize.js';
import { NEEDS } from '../auth/roles.js';
import { HttpError } from '../http/errors.js';
import { changeContext } from '../http/locals.js';
import { IMPORT_PROBLEMS_MAX } from '../limits.js';
import { fileRows, importConflict, importModeOf, type TransferOptions } from './api-routes.js';
import { CSV_COLUMNS } from './csv.js';
import { exportFormat, sendExport } from './export.js';
import { IMPORT_MODES, runImport, type ImportMode, type ImportOutcome } from './import-runner.js';
import { bodyChunks, readFormUpload, stopUploadOnEarlyAnswer, uploadFormat } from './upload.js';
import { caseSensitiveRouter } from '../http/routing.js';

interface ImportPage {
  mode: ImportMode;
  filename?: string;
  outcome?: ImportOutcome;
  /** A problem with the form rather than the file. */
  formError?: string;
}

/** Runs a middleware (csrf-csrf's check) at a point of the handler's choosing. */
const pass = (handler: RequestHandler, req: Request, res: Response) =>
  new Promise<void>((resolve, reject) => {
    void handler(req, res, (error?: unknown) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve()));
  });

/**
 * The pages: GET /products/export (the Export links; a read) and the import page, GET and
 * POST /import (editors), which works without JavaScript: a multipart form with the CSRF token
 * and the mode before the file, answered with the report.
 */
export function transferPagesRouter(options: TransferOptions & { readonly csrfProtect: RequestHandler }): Router {
  const { store, importMaxBytes } = options;
  const router = caseSensitiveRouter();
  const editor = pageRequires(NEEDS.changeProducts);

  const render = (res: Response, page: ImportPage, status = 200) =>
    res.status(status).render('import', {
      outcome: undefined,
      formError: undefined,
      filename: undefined,
      ...page,
      modes: IMPORT_MODES,
      columns: CSV_COLUMNS,
      limits: { maxMiB: Math.floor(importMaxBytes / 1024 / 1024), problemsMax: IMPORT_PROBLEMS_MAX },
    });

  router.get('/products/export', async (req, res, next) => {
    const format = exportFormat(req.query);
    if (!format) return next();
    await sendExport(store, format, res, options.logger);
  });

  router.get('/import', editor, (_req, res) => {
    render(res, { mode: 'all-or-nothing' });
  });

  router.post('/import', stopUploadOnEarlyAnswer, options.writeLimit, editor, options.importLimit, async (req, res) => {
    let upload;
    try {
      upload = await readFormUpload(req, importMaxBytes);
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      return render(res, { mode: 'all-or-nothing', formError: error.message }, error.status);
    }
    req.body = upload.fields;
    await pass(options.csrfProtect, req, res);
    const page: ImportPage = { mode: 'all-or-nothing', filename: upload.filename };
    try {
      page.mode = importModeOf(upload.fields.mode);
    } catch (error) {
      return render(res, { ...page, formError: (error as Error).message }, 400);
    }
    const format = uploadFormat(upload.filename, upload.mimeType);
    try {
      const rows = fileRows(format, bodyChunks(upload.file), importMaxBytes);
      const outcome = await runImport(store, rows, { mode: page.mode, format, context: changeContext(req, res) });
      render(res, { ...page, outcome }, outcome.status);
    } catch (error) {
      throw importConflict(error);
    }
  });

  return router;
}
