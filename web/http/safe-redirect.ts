const BASE = 'http://same-origin.invalid';
const NEXT_MAX = 2048;

/**
 * A redirect target taken from the request (`next`), kept only when it is a path on this site,
 * else `fallback` ("/"). Refuses absolute and scheme-relative URLs (`//evil.example`),
 * backslashes (browsers read `/\\evil.example` as another host) and control characters, so a
 * sign-in can never send the user to another site.
 */
export function sameOriginPath(next: unknown, fallback = '/'): string {
  if (typeof next !== 'string' || next.length > NEXT_MAX || !next.startsWith('/') || /[\\\p{Cc}]/u.test(next)) return fallback;
  const url = new URL(next, BASE);
  return url.origin === BASE ? `${url.pathname}${url.search}${url.hash}` : fallback;
}
