import supertest from 'supertest';

/** The app settings every fault test shares: short timeouts so an outage shows up as a quick 503. */
export function appEnvFor(port: number, database: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    MYSQL_HOST: '127.0.0.1',
    MYSQL_PORT: String(port),
    MYSQL_USER: 'root',
    MYSQL_DATABASE: database,
    MYSQL_CONNECT_TIMEOUT_MS: '1000',
    MYSQL_QUERY_TIMEOUT_MS: '1500',
    ...extra,
  };
}

/** POSTs a product to the API; the status and how long the answer took. Network errors reject. */
export async function postProduct(
  url: string,
  product: { productId: string; productName: string },
  timeoutMs = 20_000,
): Promise<{ status: number; ms: number; body: string; retryAfter: string | null }> {
  const started = performance.now();
  const res = await fetch(`${url}/api/products`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(product),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = await res.text();
  return { status: res.status, ms: performance.now() - started, body, retryAfter: res.headers.get('retry-after') };
}

/**
 * A browser-like session on a running app: GET / (whatever its status) to receive the cookies and
 * the form's CSRF token, as a user would before submitting the form.
 */
export async function formSession(url: string): Promise<{ agent: supertest.Agent; token: string }> {
  const agent = supertest.agent(url);
  const page = await agent.get('/').set('Accept', 'text/html');
  const token = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
  if (!token) throw new Error(`no CSRF token on the page (status ${page.status})`);
  return { agent, token };
}
