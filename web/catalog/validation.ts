import type { FieldError } from '../http/errors.js';

import { PRODUCT_ID_MAX, PRODUCT_NAME_MAX, SEARCH_MAX } from '../limits.js';

/** The rule for new product IDs; the OpenAPI document and the page's `pattern` read it. */
export const PRODUCT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const CONTROL_CHARACTER = /\p{Cc}/u;

/**
 * Characters a product name must not contain, each range with the words its messages use. Bidi
 * overrides and isolates reorder the text around them (a name can pose as "exe.txt"); control
 * characters and line breaks cannot be shown in one line. The OpenAPI schema reads this list.
 */
export const NAME_REFUSED_RANGES: ReadonlyArray<{ readonly from: number; readonly to: number; readonly words: string }> = [
  { from: 0x00, to: 0x1f, words: 'control characters (such as a tab or a line break)' },
  { from: 0x7f, to: 0x9f, words: 'control characters' },
  { from: 0x2028, to: 0x2029, words: 'line and paragraph separators' },
  { from: 0x202a, to: 0x202e, words: 'bidirectional embeddings and overrides (such as a right-to-left override)' },
  { from: 0x2066, to: 0x2069, words: 'bidirectional isolates' },
];

const hex = (n: number) => n.toString(16).toUpperCase().padStart(4, '0');
const rangeClass = NAME_REFUSED_RANGES.map(({ from, to }) => `\\u${hex(from)}-\\u${hex(to)}`).join('');
const REFUSED_IN_NAME = new RegExp(`[${rangeClass}]`, 'u');

/**
 * Characters that show nothing: whitespace, format characters (zero-width space, word joiner,
 * BOM, soft hyphen...) and the Hangul fillers, which are letters that render blank.
 */
const INVISIBLE = '\\s\\p{Cf}\\u034F\\u115F\\u1160\\u17B4\\u17B5\\u180B-\\u180F\\u3164\\uFE00-\\uFE0F\\uFFA0\\u{E0100}-\\u{E01EF}';
// The class lists combining marks (U+034F, variation selectors) on purpose, each on its own.
// eslint-disable-next-line no-misleading-character-class
const ONLY_INVISIBLE = new RegExp(`^[${INVISIBLE}]*$`, 'u');

/**
 * A JSON Schema `pattern` (ECMA-262 with the u flag) for the names the server accepts: whitespace
 * around it (trimmed), then text with at least one visible character and none of NAME_REFUSED_RANGES.
 */
export const PRODUCT_NAME_SCHEMA_PATTERN = `^\\s*(?=[\\s\\S]*[^${INVISIBLE}])[^${rangeClass}]*\\s*$`;

/** What the name rules refuse, in words, for the page's hint and the OpenAPI description. */
export const NAME_RULES_IN_WORDS =
  `1 to ${PRODUCT_NAME_MAX} characters after trimming surrounding spaces, with at least one visible character; ` +
  `no ${NAME_REFUSED_RANGES.map((r) => r.words).join(', ')}.`;

const CHARACTER_WORDS: Record<string, string> = {
  ' ': 'a space',
  '\u00A0': 'a no-break space',
  '\t': 'a tab',
  '\n': 'a line break',
  '\r': 'a line break',
  '\u000B': 'a line break',
  '\u000C': 'a line break',
  '\u0085': 'a line break',
  '\u2028': 'a line break',
  '\u2029': 'a line break',
  '\u0000': 'a null character',
  '\u001B': 'an escape character',
  '\u007F': 'a delete character',
  '\u202A': 'a left-to-right embedding',
  '\u202B': 'a right-to-left embedding',
  '\u202C': 'a pop directional formatting character',
  '\u202D': 'a left-to-right override',
  '\u202E': 'a right-to-left override',
  '\u2066': 'a left-to-right isolate',
  '\u2067': 'a right-to-left isolate',
  '\u2068': 'a first-strong isolate',
  '\u2069': 'a pop directional isolate',
};

/** A character as a message names it: in words when it is invisible or special, else quoted. */
export function describeCharacter(c: string): string {
  const named = CHARACTER_WORDS[c];
  if (named) return named;
  if (/\p{Cc}/u.test(c)) return 'a control character';
  if (/\p{Z}/u.test(c)) return 'a space character';
  if (/\p{Cf}/u.test(c) || ONLY_INVISIBLE.test(c)) return 'an invisible formatting character';
  if (/\p{Cs}/u.test(c)) return 'invalid Unicode (a lone surrogate)';
  return `'${c}'`;
}

type Result<T> = { ok: true; value: T } | { ok: false; error: string };

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
    const shown = describeCharacter(bad);
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
  const refused = REFUSED_IN_NAME.exec(name) ?? CONTROL_CHARACTER.exec(name);
  if (refused) {
    return { ok: false, error: `Product name must not contain ${describeCharacter(refused[0])}; remove it and try again.` };
  }
  if (ONLY_INVISIBLE.test(name)) {
    return { ok: false, error: 'Product name is required: it has only spaces and invisible formatting characters.' };
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
