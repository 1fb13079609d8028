import { isUtf8 } from 'node:buffer';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse, type CsvError } from 'csv-parse';
import type { Product } from '../catalog/product-store.js';
import { IMPORT_LINE_MAX_BYTES } from '../limits.js';
import { preview, UnreadableFileError, type ImportProblem, type RowValues, type SourceRow } from './import-source.js';

/** The export's columns, in order; an import needs the first two and may have the third. */
export const CSV_COLUMNS = ['product_id', 'product_name', 'created_at'] as const;
type Column = (typeof CSV_COLUMNS)[number];
const REQUIRED: readonly Column[] = ['product_id', 'product_name'];
export const CSV_HEADER = `${CSV_COLUMNS.join(',')}\r\n`;

/**
 * Spreadsheets run a cell that starts with = + - @ (and tab or CR, which some of them strip
 * first) as a formula. The export puts a ' before such a text, which makes a spreadsheet show
 * it as text, and before a text that starts with ' itself, so that the import can tell the two
 * apart: it drops a leading ' that is followed by one of = + - @ tab CR or '. Every text reads
 * back exactly; the only file written by hand that changes is one whose cell starts with ' and
 * then one of those characters.
 */
const NEEDS_GUARD = /^[=+\-@\t\r']/;
const GUARDED = /^'[=+\-@\t\r']/;

export const guardCell = (text: string): string => (NEEDS_GUARD.test(text) ? `'${text}` : text);
export const unguardCell = (text: string): string => (GUARDED.test(text) ? text.slice(1) : text);

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
function field(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One product as a CSV record, CRLF-terminated. */
export function csvRecord(p: Product): string {
  return `${field(guardCell(p.productId))},${field(guardCell(p.productName))},${p.createdAt.toISOString()}\r\n`;
}

/** Where csv-parse counted a record's lines; a record also has its raw error when it was skipped. */
type CsvSkip = CsvError & { lines?: number };

const ROW_ERRORS: Readonly<Record<string, string>> = {
  INVALID_OPENING_QUOTE: 'has a " inside a field that does not start with one; quote the whole field and double the " in it',
  CSV_INVALID_CLOSING_QUOTE: 'has a quoted field with more text after its closing "; double a " that is part of the text',
};

/**
 * The rows of a CSV file (RFC 4180, UTF-8, CRLF or LF), streamed through csv-parse: fields come
 * as bytes, so each is checked for UTF-8 and a bad one names its line and column. A record
 * longer than IMPORT_LINE_MAX_BYTES (no product needs 2 KiB) ends the reading at once: that is
 * how a quoted field that never ends, or a file without line breaks, shows itself.
 */
export async function* csvRows(bytes: AsyncIterable<Buffer>): AsyncGenerator<SourceRow> {
  /** The line after the last record parsed (csv-parse runs ahead of this loop), where the next one starts. */
  let nextLine = 1;
  const skipped: SourceRow[] = [];
  const parser = parse({
    encoding: null,
    info: true,
    relax_column_count: true,
    skip_empty_lines: true,
    record_delimiter: ['\r\n', '\n'],
    max_record_size: IMPORT_LINE_MAX_BYTES,
    skip_records_with_error: true,
    on_record: (record, context) => {
      nextLine = context.lines + 1;
      return record;
    },
    on_skip: (error) => {
      const e = error as CsvSkip | undefined;
      if (e?.code === 'CSV_MAX_RECORD_SIZE' || e?.code === 'CSV_QUOTE_NOT_CLOSED') {
        throw new UnreadableFileError(
          400,
          'Malformed file',
          `The record that starts on line ${nextLine} runs on for more than ${IMPORT_LINE_MAX_BYTES / 1024} KiB or to the end of the file: ` +
            'a quoted field that never ends (a closing " is missing), or a file without line breaks.',
          nextLine,
        );
      }
      const line = e?.lines ?? nextLine;
      skipped.push({ line, problems: [{ line, message: `Line ${line} ${ROW_ERRORS[e?.code ?? ''] ?? 'is not valid CSV'}.` }] });
      nextLine = line + 1;
      return undefined;
    },
  });
  const piping = pipeline(Readable.from(bytes), parser).catch(() => undefined);
  try {
    let columns: Column[] | undefined;
    for await (const { record, info } of parser as AsyncIterable<{ record: Buffer[]; info: { lines: number } }>) {
      yield* skipped.splice(0);
      const line = info.lines;
      if (!columns) {
        columns = header(record, line);
        continue;
      }
      yield row(record, columns, line);
    }
    yield* skipped.splice(0);
    if (!columns) throw new UnreadableFileError(400, 'Empty file', 'The file holds no header and no products.');
  } finally {
    parser.destroy();
    await piping;
  }
}

function header(cells: Buffer[], line: number): Column[] {
  const names = cells.map((c) => c.toString('utf8').trim().toLowerCase());
  const expected = `The first line must be the header ${CSV_COLUMNS.join(',')} (created_at may be left out)`;
  const raw = Buffer.concat(cells.flatMap((c, i) => (i ? [Buffer.from(','), c] : [c])));
  if (cells.some((c) => !isUtf8(c) || c.includes(0))) {
    const hint = raw.includes(0) ? 'it holds NUL bytes: is it UTF-16 text, or not a CSV file at all?' : 'it is not UTF-8 text.';
    throw new UnreadableFileError(400, 'Malformed file', `${expected}; found ${preview(raw)}: ${hint}`, line);
  }
  const unknown = names.filter((n) => !(CSV_COLUMNS as readonly string[]).includes(n));
  if (unknown.length) {
    const list = unknown.map((n) => JSON.stringify(n.slice(0, 40))).join(', ');
    throw new UnreadableFileError(400, 'Malformed file', `${expected}; found the unknown column${unknown.length > 1 ? 's' : ''} ${list}.`, line);
  }
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new UnreadableFileError(400, 'Malformed file', `The header names the column ${twice} twice.`, line);
  const missing = REQUIRED.filter((c) => !names.includes(c));
  if (missing.length) throw new UnreadableFileError(400, 'Malformed file', `${expected}; the column ${missing.join(' and ')} is missing.`, line);
  return names as Column[];
}

function row(cells: Buffer[], columns: readonly Column[], line: number): SourceRow {
  if (cells.length !== columns.length) {
    return { line, problems: [{ line, message: `Line ${line} has ${cells.length} field${cells.length === 1 ? '' : 's'}; the header has ${columns.length}.` }] };
  }
  const problems: ImportProblem[] = [];
  const values: Partial<Record<Column, string>> = {};
  columns.forEach((column, i) => {
    const cell = cells[i]!;
    if (!isUtf8(cell)) {
      problems.push({ line, field: column, message: `Not UTF-8 text (found ${preview(cell, 30)}); save the file as UTF-8.` });
      return;
    }
    const text = cell.toString('utf8');
    values[column] = column === 'created_at' ? text : unguardCell(text);
  });
  if (problems.length) return { line, problems };
  const found: RowValues = {
    productId: values.product_id,
    productName: values.product_name,
    ...(values.created_at && { createdAt: values.created_at }),
  };
  return { line, values: found };
}
