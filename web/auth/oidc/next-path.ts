const BASE = 'http://same-origin.invalid';
const NEXT_MAX = 2048;

/**
 * `next` when it is a path on this site, else `/`. Refuses absolute and scheme-relative URLs
 * (`//evil.example`), backslashes (browsers read `/\evil.example` as another host) and control
 * characters, so a sign-in can never send the user to another site.
 */
export function sameOriginPath(next: unknown): string {
  if (typeof next !== 'string' || next.length > NEXT_MAX || !next.startsWith('/') || /[\\\p{Cc}]/u.test(next)) return '/';
  const url = new URL(next, BASE);
  return url.origin === BASE ? `${url.pathname}${url.search}${url.hash}` : '/';
}
