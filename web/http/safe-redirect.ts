/**
 * A redirect target taken from the request (`next`), kept only when it is a path on this site:
 * "/", "/?q=tea", never "//evil.example", "/\\evil", "https://..." or anything odd. Falls back to "/".
 */
export function sameOriginPath(value: unknown, fallback = '/'): string {
  if (typeof value !== 'string' || value.length > 2000 || !value.startsWith('/') || /^\/[/\\]/.test(value)) return fallback;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return fallback;
  try {
    const base = 'http://same.invalid';
    const url = new URL(value, base);
    return url.origin === base ? `${url.pathname}${url.search}` : fallback;
  } catch {
    return fallback;
  }
}
