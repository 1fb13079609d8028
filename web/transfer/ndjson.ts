import { isUtf8 } from 'node:buffer';
import type { Product } from '../catalog/product-store.js';
import { IMPORT_LINE_MAX_BYTES } from '../limits.js';
import { preview, UnreadableFileError, type SourceRow } from './import-source.js';

/** The keys of a product's line: the JSON API's names. */
const KEYS = ['productId', 'productName', 'createdAt'] as const;

/** One product as an NDJSON line: the JSON API's representation, LF-terminated. */
export function ndjsonLine(p: Product): string {
  return `${JSON.stringify({ productId: p.productId, productName: p.productName, createdAt: p.createdAt.toISOString() })}\n`;
}

/** The file's lines as bytes, LF or CRLF; one longer than `maxBytes` ends the reading at once. */
async function* lines(chunks: AsyncIterable<Buffer>, maxBytes: number): AsyncGenerator<{ line: number; bytes: Buffer }> {
  let parts: Buffer[] = [];
  let size = 0;
  let line = 0;
  const tooLong = () =>
    new UnreadableFileError(400, 'Malformed file', `Line ${line + 1} is longer than ${maxBytes / 1024} KiB: no product's line is that long (is the file NDJSON, one object per line?).`, line + 1);
  for await (const chunk of chunks) {
    let start = 0;
    for (let end = chunk.indexOf(0x0a); end !== -1; end = chunk.indexOf(0x0a, start)) {
      if (size + end - start > maxBytes) throw tooLong();
      parts.push(chunk.subarray(start, end));
      const bytes = Buffer.concat(parts);
      yield { line: ++line, bytes: bytes.at(-1) === 0x0d ? bytes.subarray(0, -1) : bytes };
      parts = [];
      size = 0;
      start = end + 1;
    }
    size += chunk.length - start;
    if (size > maxBytes) throw tooLong();
    parts.push(chunk.subarray(start));
  }
  if (size > 0) yield { line: ++line, bytes: Buffer.concat(parts) };
}

const problem = (line: number, message: string, field?: string): SourceRow => ({
  line,
  problems: [{ line, message, ...(field && { field }) }],
});

/**
 * The rows of an NDJSON file: one JSON object per line with the JSON API's keys (createdAt may
 * be left out); blank lines are skipped. A line that is not UTF-8, not JSON (a trailing comma,
 * say), not an object or has other keys is a problem of that line.
 */
export async function* ndjsonRows(bytes: AsyncIterable<Buffer>): AsyncGenerator<SourceRow> {
  for await (const { line, bytes: raw } of lines(bytes, IMPORT_LINE_MAX_BYTES)) {
    if (!isUtf8(raw)) {
      yield problem(line, `Line ${line} is not UTF-8 text (found ${preview(raw, 30)}); save the file as UTF-8.`);
      continue;
    }
    const text = raw.toString('utf8').trim();
    if (!text) continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      const hint = text.endsWith(',') ? ' Each line holds one object, with no comma after it.' : '';
      yield problem(line, `Line ${line} is not valid JSON (${(error as Error).message.slice(0, 120)}).${hint}`);
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      const found = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
      yield problem(line, `Line ${line} must be a JSON object like {"productId": "P-1", "productName": "Tea"}; found ${found}.`);
      continue;
    }
    const unknown = Object.keys(value).filter((key) => !(KEYS as readonly string[]).includes(key));
    if (unknown.length) {
      yield {
        line,
        problems: unknown.map((key) => ({ line, field: key.slice(0, 64), message: `Unknown field '${key.slice(0, 64)}'; allowed: ${KEYS.join(', ')}.` })),
      };
      continue;
    }
    const v = value as Record<string, unknown>;
    yield { line, values: { productId: v.productId, productName: v.productName, ...(v.createdAt !== undefined && { createdAt: v.createdAt }) } };
  }
}
