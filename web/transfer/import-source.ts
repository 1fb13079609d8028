/** The file formats of import and export. */
export const FORMATS = ['csv', 'ndjson'] as const;
export type TransferFormat = (typeof FORMATS)[number];

export const isFormat = (value: unknown): value is TransferFormat => (FORMATS as readonly unknown[]).includes(value);

/** The fields of one row as the file gives them, not yet checked. */
export interface RowValues {
  readonly productId: unknown;
  readonly productName: unknown;
  readonly createdAt?: unknown;
}

/** One problem of an import, in the file's own words: its line and column (CSV) or key (NDJSON). */
export interface ImportProblem {
  readonly line: number;
  readonly field?: string;
  readonly message: string;
}

/** A row read from the file: its values, or why it could not be read. */
export type SourceRow =
  | { readonly line: number; readonly values: RowValues }
  | { readonly line: number; readonly problems: readonly ImportProblem[] };

/** The file cannot be read as a whole (not one bad row): reading stops and nothing changes. */
export class UnreadableFileError extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    readonly title: string,
    message: string,
    readonly line?: number,
  ) {
    super(message);
    this.name = 'UnreadableFileError';
  }
}

const BOMS: ReadonlyArray<[Buffer, string]> = [
  [Buffer.from([0xff, 0xfe, 0x00, 0x00]), 'UTF-32'],
  [Buffer.from([0x00, 0x00, 0xfe, 0xff]), 'UTF-32'],
  [Buffer.from([0xff, 0xfe]), 'UTF-16'],
  [Buffer.from([0xfe, 0xff]), 'UTF-16'],
];
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

const mebibytes = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MiB`;

/**
 * The upload's bytes, checked as they pass: at most `maxBytes` (413 as soon as one more arrives,
 * without reading the rest), not empty, and UTF-8: a UTF-8 byte order mark is dropped, one of
 * UTF-16 or UTF-32 is refused (Excel's "Unicode text" is UTF-16).
 */
export async function* checkedBytes(chunks: AsyncIterable<Buffer>, maxBytes: number): AsyncGenerator<Buffer> {
  let total = 0;
  let head: Buffer | undefined = Buffer.alloc(0);
  for await (const chunk of chunks) {
    total += chunk.length;
    if (total > maxBytes) {
      throw new UnreadableFileError(413, 'File too large', `The file is larger than ${mebibytes(maxBytes)} (IMPORT_MAX_BYTES); split it into smaller files.`);
    }
    if (head === undefined) {
      yield chunk;
      continue;
    }
    // The byte order mark is looked for in the first 4 bytes, however the upload is cut into chunks.
    head = Buffer.concat([head, chunk]);
    if (head.length < 4) continue;
    yield startOfFile(head);
    head = undefined;
  }
  if (head?.length) yield startOfFile(head);
  if (total === 0) throw new UnreadableFileError(400, 'Empty file', 'The file is empty: there is nothing to import.');
}

function startOfFile(head: Buffer): Buffer {
  for (const [bom, encoding] of BOMS) {
    if (head.subarray(0, bom.length).equals(bom)) {
      throw new UnreadableFileError(415, 'Unsupported encoding', `The file is ${encoding} text; save it as UTF-8 (in Excel: "CSV UTF-8") and try again.`, 1);
    }
  }
  return head.subarray(0, 3).equals(UTF8_BOM) ? head.subarray(3) : head;
}

/** A short, printable rendering of what the file holds where it went wrong. */
export function preview(bytes: Buffer, max = 60): string {
  const text = bytes.subarray(0, max * 4).toString('utf8');
  const shown = [...text].slice(0, max).join('');
  return JSON.stringify(shown) + ([...text].length > max ? '…' : '');
}
