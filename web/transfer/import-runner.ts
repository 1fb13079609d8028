import type { ChangeContext } from '../auth/principal.js';
import type { ImportBatchResult, ImportRow, ProductImporter, ProductStore } from '../catalog/product-store.js';
import { checkNewProduct } from '../catalog/validation.js';
import { IMPORT_PROBLEMS_MAX, TRANSFER_BATCH_ROWS } from '../limits.js';
import { UnreadableFileError, type ImportProblem, type RowValues, type SourceRow, type TransferFormat } from './import-source.js';

export const IMPORT_MODES = ['all-or-nothing', 'skip-existing'] as const;
export type ImportMode = (typeof IMPORT_MODES)[number];
export const isImportMode = (value: unknown): value is ImportMode => (IMPORT_MODES as readonly unknown[]).includes(value);

export interface ImportReport {
  readonly mode: ImportMode;
  readonly format: TransferFormat;
  /** Rows read (blank lines and the CSV header not counted). */
  readonly read: number;
  readonly created: number;
  /** Rows whose ID existed, in skip-existing mode. */
  readonly skipped: number;
  /** Rows with at least one problem. */
  readonly rejected: number;
  /** The first problems by line, at most IMPORT_PROBLEMS_MAX. */
  readonly problems: readonly ImportProblem[];
  /** False when reading stopped before the end of the file (too many problems, or a malformed file). */
  readonly complete: boolean;
}

/** How an import ended, as the routes answer it. */
export interface ImportOutcome {
  readonly status: 200 | 400 | 409 | 413 | 415;
  readonly title: string;
  readonly detail: string;
  readonly report: ImportReport;
}

/** What each field is called in a file of each format. */
const FIELD_NAMES: Record<TransferFormat, Record<keyof RowValues, string>> = {
  csv: { productId: 'product_id', productName: 'product_name', createdAt: 'created_at' },
  ndjson: { productId: 'productId', productName: 'productName', createdAt: 'createdAt' },
};

/** What the export writes (Date.toISOString), with 0 to 3 decimals; DATETIME(3) holds years 1000 to 9999. */
const UTC_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

function checkCreatedAt(value: unknown): { ok: true; value: Date | undefined } | { ok: false; error: string } {
  if (value === undefined || value === null || value === '') return { ok: true, value: undefined };
  const date = typeof value === 'string' && UTC_TIME.test(value) ? new Date(value) : undefined;
  const year = date?.getUTCFullYear() ?? NaN;
  if (!date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 19) !== String(value).slice(0, 19) || year < 1000 || year > 9999) {
    return { ok: false, error: 'Created time must be a UTC time like 2026-11-28T22:16:42.123Z (or left out for now).' };
  }
  return { ok: true, value: date };
}

/** The row checked as a single create would be, plus its optional creation time. */
function checkRow(row: { line: number; values: RowValues }, names: Record<keyof RowValues, string>): ImportRow | ImportProblem[] {
  const checked = checkNewProduct(row.values);
  const createdAt = checkCreatedAt(row.values.createdAt);
  const problems: ImportProblem[] = checked.ok ? [] : checked.errors.map((e) => ({ line: row.line, field: names[e.field as keyof RowValues], message: e.message }));
  if (!createdAt.ok) problems.push({ line: row.line, field: names.createdAt, message: createdAt.error });
  if (!checked.ok || !createdAt.ok) return problems;
  return { line: row.line, ...checked.value, ...(createdAt.value && { createdAt: createdAt.value }) };
}

/**
 * Reads the file's rows into the store as one transaction, a batch at a time, and decides: the
 * import commits only when no row has a problem. An ID that exists is a problem in
 * all-or-nothing mode and is skipped in skip-existing mode; an ID repeated within the file is a
 * problem on its later line. After IMPORT_PROBLEMS_MAX problems reading stops, and a malformed
 * file (UnreadableFileError) stops it at once; either way nothing changes.
 */
export async function runImport(
  store: ProductStore,
  rows: AsyncIterable<SourceRow>,
  options: { readonly mode: ImportMode; readonly format: TransferFormat; readonly context: ChangeContext },
): Promise<ImportOutcome> {
  const { mode, format } = options;
  const names = FIELD_NAMES[format];
  return store.importProducts(options.context, async (importer: ProductImporter) => {
    let read = 0;
    let accepted = 0;
    let skipped = 0;
    const rejectedLines = new Set<number>();
    let problems: ImportProblem[] = [];
    let onlyExisting = true;
    let batch: ImportRow[] = [];
    let unreadable: UnreadableFileError | undefined;
    let complete = true;

    const reject = (found: readonly ImportProblem[], existing = false) => {
      if (!found.length) return;
      for (const p of found) rejectedLines.add(p.line);
      problems.push(...found);
      onlyExisting &&= existing;
    };
    const send = async () => {
      if (!batch.length) return;
      const result: ImportBatchResult = await importer.add(batch);
      batch = [];
      accepted += result.accepted;
      if (mode === 'skip-existing') skipped += result.existing.length;
      else reject(result.existing.map((r) => ({ line: r.line, field: names.productId, message: `A product with ID '${r.productId}' exists already.` })), true);
      reject(result.repeated.map((r) => ({ line: r.line, field: names.productId, message: `Product ID '${r.productId}' is on an earlier line too.` })));
      // Rows come in file order, but a batch's problems only when it is sent.
      problems = problems.sort((a, b) => a.line - b.line).slice(0, IMPORT_PROBLEMS_MAX);
    };

    try {
      for await (const row of rows) {
        read++;
        const checked = 'problems' in row ? [...row.problems] : checkRow(row, names);
        if (Array.isArray(checked)) reject(checked);
        else batch.push(checked);
        if (batch.length >= TRANSFER_BATCH_ROWS || problems.length >= IMPORT_PROBLEMS_MAX) await send();
        if (problems.length >= IMPORT_PROBLEMS_MAX) {
          complete = false;
          break;
        }
      }
      await send();
    } catch (error) {
      if (!(error instanceof UnreadableFileError)) throw error;
      unreadable = error;
      complete = false;
      problems = [...problems, { line: error.line ?? read + 1, message: error.message }].sort((a, b) => a.line - b.line).slice(0, IMPORT_PROBLEMS_MAX);
    }

    const report = { mode, format, read, created: 0, skipped: 0, rejected: rejectedLines.size, problems, complete };
    if (unreadable) {
      return { commit: false, value: { status: unreadable.status, title: unreadable.title, detail: `${unreadable.message} Nothing was imported.`, report } };
    }
    if (problems.length) {
      const first = problems[0]!;
      const more = `${complete ? '' : ` Reading stopped after ${IMPORT_PROBLEMS_MAX} problems.`} First: line ${first.line}${first.field ? `, ${first.field}` : ''}: ${first.message}`;
      const outcome: ImportOutcome = onlyExisting
        ? { status: 409, title: 'Products exist already', detail: `${rejectedLines.size} product ID${rejectedLines.size === 1 ? '' : 's'} in the file exist${rejectedLines.size === 1 ? 's' : ''} already; nothing was imported. Import again with mode skip-existing to add the others.${more}`, report }
        : { status: 400, title: 'Import rejected', detail: `${rejectedLines.size} row${rejectedLines.size === 1 ? '' : 's'} of the file ${rejectedLines.size === 1 ? 'has' : 'have'} problems; nothing was imported.${more}`, report };
      return { commit: false, value: outcome };
    }
    if (read === 0) {
      const outcome: ImportOutcome = { status: 400, title: 'Empty file', detail: 'The file holds no products: there is nothing to import.', report };
      return { commit: false, value: outcome };
    }
    const done = { ...report, created: accepted, skipped };
    return {
      commit: true,
      value: { status: 200, title: 'Imported', detail: `Imported ${accepted} product${accepted === 1 ? '' : 's'}${skipped ? `; skipped ${skipped} that existed already` : ''}.`, report: done },
      summary: { format, mode, read, created: accepted, skipped },
    };
  });
}
