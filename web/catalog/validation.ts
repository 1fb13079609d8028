import type { FieldError } from '../http/errors.js';

import { PRODUCT_ID_MAX, PRODUCT_NAME_MAX, SEARCH_MAX } from '../limits.js';

const PRODUCT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const CONTROL_CHARACTER = /\p{Cc}/u;

type Result<T> = { ok: true; value: T } | { ok: false; error: string };

const codePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/** Length in Unicode code points, which is what MySQL's VARCHAR(n) counts. */
export const codePointLength = (s: string) => [...s].length;

function requiredText(value: unknown, label: string): Result<string> {
  if (value === undefined || value === null) return { ok: false, error: `${label} is required.` };
  if (typeof value !== 'string') return { ok: false, error: `${label} must be a string.` };
  const trimmed = value.trim();
  if (!trimmed) return { ok: false, error: `${label} is required.` };
  return { ok: true, value: trimmed };
}

export function checkProductId(value: unknown): Result<string> {
  const text = requiredText(value, 'Product ID');
  if (!text.ok) return text;
  const id = text.value;
  if (id.length > PRODUCT_ID_MAX) {
    return { ok: false, error: `Product ID must be at most ${PRODUCT_ID_MAX} characters (it has ${codePointLength(id)}).` };
  }
  if (!PRODUCT_ID_PATTERN.test(id)) {
    const bad = [...id].find((c, i) => (i === 0 ? !/[A-Za-z0-9]/.test(c) : !/[A-Za-z0-9._-]/.test(c)))!;
    const shown = /^[\x21-\x7e]$/.test(bad) ? `'${bad}'` : codePoint(bad);
    return {
      ok: false,
      error:
        `Product ID may use only letters A-Z, digits, '.', '_' and '-', and must start with a letter or digit ` +
        `(found ${shown}${id.startsWith(bad) ? ' at the start' : ''}).`,
    };
  }
  return { ok: true, value: id };
}

export function checkProductName(value: unknown): Result<string> {
  const text = requiredText(value, 'Product name');
  if (!text.ok) return text;
  const name = text.value;
  if (!name.isWellFormed()) return { ok: false, error: 'Product name contains invalid Unicode (a lone surrogate).' };
  const length = codePointLength(name);
  if (length > PRODUCT_NAME_MAX) {
    return { ok: false, error: `Product name must be at most ${PRODUCT_NAME_MAX} characters (it has ${length}).` };
  }
  const control = CONTROL_CHARACTER.exec(name);
  if (control) {
    return { ok: false, error: `Product name must not contain control characters (found ${codePoint(control[0])}).` };
  }
  return { ok: true, value: name };
}

/**
 * IDs in paths are looked up, not created: rows adopted from the tutorial's table may not follow
 * today's ID rules, so accept any ID that could be stored and let the lookup say 404.
 */
export function checkProductIdInPath(value: string): Result<string> {
  if (value.length === 0 || value.length > PRODUCT_ID_MAX || !value.isWellFormed() || CONTROL_CHARACTER.test(value)) {
    return { ok: false, error: `Product ID in the path must be 1 to ${PRODUCT_ID_MAX} printable characters.` };
  }
  return { ok: true, value };
}

export function checkSearch(value: unknown): Result<string | undefined> {
  if (value === undefined || value === '') return { ok: true, value: undefined };
  if (typeof value !== 'string') return { ok: false, error: 'Search text must be given once, as text.' };
  const q = value.trim();
  if (!q) return { ok: true, value: undefined };
  if (!q.isWellFormed() || CONTROL_CHARACTER.test(q) || codePointLength(q) > SEARCH_MAX) {
    return { ok: false, error: `Search text must be at most ${SEARCH_MAX} printable characters.` };
  }
  return { ok: true, value: q };
}

export interface ValidProduct {
  productId: string;
  productName: string;
}

/** Checks both fields and reports every problem at once, under the API's field names. */
export function checkNewProduct(input: {
  productId: unknown;
  productName: unknown;
}): { ok: true; value: ValidProduct } | { ok: false; errors: FieldError[] } {
  const id = checkProductId(input.productId);
  const name = checkProductName(input.productName);
  if (id.ok && name.ok) return { ok: true, value: { productId: id.value, productName: name.value } };
  const errors: FieldError[] = [];
  if (!id.ok) errors.push({ field: 'productId', message: id.error });
  if (!name.ok) errors.push({ field: 'productName', message: name.error });
  return { ok: false, errors };
}
