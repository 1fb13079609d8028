import type { Request } from 'express';
import { decodeCursor, encodeCursor } from '../http/cursor.js';
import { HttpError, type FieldError } from '../http/errors.js';
import { sameOriginPath } from '../http/safe-redirect.js';
import { PAGE_SIZE } from '../limits.js';
import { checkSearch } from './validation.js';

/** Positions beyond this are not believed (a hand-edited link); the range is then left out. */
const POSITION_MAX = 1_000_000_000;

/** Which page of the list the user is on: the search, the keyset bound and where the page starts. */
export interface ListPlace {
  readonly search: string | undefined;
  readonly olderThan?: number;
  readonly newerThan?: number;
  /**
   * 1-based position of the page's first product, carried in the page links ("from"), so the
   * page can say "21–40 of 45" without counting the rows above it. Undefined: not known.
   */
  readonly from?: number;
}

/** Reads a list page's query (`q`, `before`/`after`, `from`); a bad search or cursor is a 400. */
export function listPlace(query: Request['query'] | Record<string, unknown>): ListPlace {
  const errors: FieldError[] = [];
  const search = checkSearch(query.q);
  if (!search.ok) errors.push({ field: 'q', message: search.error });
  const cursor = (name: 'before' | 'after') => {
    const raw = query[name];
    if (raw === undefined) return undefined;
    const seq = typeof raw === 'string' ? decodeCursor(raw) : undefined;
    if (seq === undefined) errors.push({ field: name, message: 'This page link is not valid; start again from the first page.' });
    return seq;
  };
  const olderThan = cursor('before');
  const newerThan = cursor('after');
  if (errors.length) throw new HttpError(400, 'Invalid request', errors.map((e) => e.message).join(' '), errors);
  const rawFrom = query.from;
  const from = typeof rawFrom === 'string' && /^[1-9]\d{0,9}$/.test(rawFrom) && Number(rawFrom) <= POSITION_MAX ? Number(rawFrom) : undefined;
  const onFirstPage = olderThan === undefined && newerThan === undefined;
  return { search: search.ok ? search.value : undefined, olderThan, newerThan, from: onFirstPage ? 1 : from };
}

/** The link to a list page: `/` with its search, cursor and start position. */
export function listHref(search: string | undefined, cursor?: { name: 'before' | 'after'; seq: number; from?: number }): string {
  const params = new URLSearchParams();
  if (search) params.set('q', search);
  if (cursor) {
    params.set(cursor.name, encodeCursor(cursor.seq));
    if (cursor.from !== undefined) params.set('from', String(cursor.from));
  }
  const query = params.toString();
  return query ? `/?${query}` : '/';
}

/** Start positions of the pages before and after one that starts at `from` and shows `shown` products. */
export function neighbourStarts(from: number | undefined, shown: number): { newer?: number; older?: number } {
  if (from === undefined) return {};
  return { newer: Math.max(1, from - PAGE_SIZE), older: from + shown };
}

/** The list paths a form may send the user back to; anything else goes to the first page. */
const LIST_PATHS = new Set(['/', '/trash']);

/**
 * Where a form sends the user back to after the change (the `return` field): the list page they
 * came from, same search and page, when it is a list path of this site; otherwise `/`.
 */
export function returnPath(raw: unknown, fallback = '/'): string {
  const path = sameOriginPath(raw, fallback);
  const url = new URL(path, 'http://same-origin.invalid');
  return LIST_PATHS.has(url.pathname) ? `${url.pathname}${url.search}` : fallback;
}

/** The query of a list path as `listPlace` reads it; a repeated parameter stays a list, so it is refused. */
export function queryOf(path: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of new URL(path, 'http://same-origin.invalid').searchParams) {
    const seen = query[key];
    query[key] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return query;
}
