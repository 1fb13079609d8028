import supertest from 'supertest';
import { TEST_ADMIN } from '../../support/app-process.js';

/** Where API writes go, and the token that lets them in. */
export interface ApiTarget {
  readonly url: string;
  readonly token?: string;
}

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
  target: ApiTarget,
  product: { productId: string; productName: string },
  timeoutMs = 20_000,
): Promise<{ status: number; ms: number; body: string; retryAfter: string | null }> {
  const started = performance.now();
  const res = await fetch(`${target.url}/api/products`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(target.token && { authorization: `Bearer ${target.token}` }) },
    body: JSON.stringify(product),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = await res.text();
  return { status: res.status, ms: performance.now() - started, body, retryAfter: res.headers.get('retry-after') };
}

/**
 * A browser-like session on a running app: signs in as `account` (the test admin by default),
 * then GET / (whatever its status) for the form's CSRF token, as a user would before submitting.
 */
export async function formSession(url: string, account: { username: string; password: string } = TEST_ADMIN): Promise<{ agent: supertest.Agent; token: string }> {
  const agent = supertest.agent(url);
  const login = await agent.get('/login');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(login.text)?.[1];
  const signedIn = await agent.post('/login').type('form').send({ _csrf: csrf, ...account });
  if (signedIn.status !== 303) throw new Error(`sign-in as ${account.username} answered ${signedIn.status}`);
  const page = await agent.get('/').set('Accept', 'text/html');
  const token = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
  if (!token) throw new Error(`no CSRF token on the page (status ${page.status})`);
  return { agent, token };
}
