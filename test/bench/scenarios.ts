import { encodeCursor } from '../../web/http/cursor.js';
import { LIST_LIMIT } from '../../web/limits.js';
import type { HttpRequest } from './load.js';
import { SEEDED_ID_PREFIX, WRITTEN_ID_PREFIX } from './seed.js';
import { mintToken, signInSession } from '../../web/ops/admin-client.js';
import { BENCH_ADMIN, type SideKey } from './sides.js';

export interface ScenarioContext {
  readonly size: number;
  /** The app (one process) on this size's database: e.g. to sign in and take the session cookie. */
  readonly appUrl: string;
}

/** One thing a user does, as the HTTP request every side measured for it receives. */
export interface Scenario {
  readonly key: string;
  readonly title: string;
  readonly kind: 'read' | 'write' | 'page';
  /** Whether the 1,000 -> 1,000,000 latency target applies. */
  readonly mustNotGrow: boolean;
  /** The sides measured, the app first: its peers are the ones that do the same work. */
  readonly sides: readonly SideKey[];
  /** The request, made once per catalog size, before the scenario's first run. */
  request(context: ScenarioContext): HttpRequest | Promise<HttpRequest>;
}

/** An editor's API token on the app at `appUrl`, made once through the app's own sign-in and /account (as a person would). */
const tokens = new Map<string, Promise<string>>();
function editorToken(appUrl: string): Promise<string> {
  if (!tokens.has(appUrl)) tokens.set(appUrl, mintToken(appUrl, BENCH_ADMIN, { name: 'bench', role: 'editor' }).then((t) => t.token));
  return tokens.get(appUrl)!;
}

/** The editor the signed-in page is measured as (made by the bench admin through the API when missing). */
const BENCH_EDITOR = { username: 'bench-editor', password: 'bench editor password, long and unlisted' } as const;

/**
 * The Cookie header of an editor's browser after signing in through the app's own /login form
 * (session, form-token and client cookies, as a browser sends them), made once per app.
 */
const sessions = new Map<string, Promise<string>>();
function editorSessionCookie(appUrl: string): Promise<string> {
  if (!sessions.has(appUrl)) sessions.set(appUrl, signInEditor(appUrl));
  return sessions.get(appUrl)!;
}

async function signInEditor(appUrl: string): Promise<string> {
  const admin = await mintToken(appUrl, BENCH_ADMIN, { name: 'bench-users', role: 'admin' });
  try {
    const created = await fetch(new URL('/api/users', appUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin.token}` },
      body: JSON.stringify({ ...BENCH_EDITOR, role: 'editor' }),
    });
    // 409: made by an earlier run on a kept database.
    if (created.status !== 201 && created.status !== 409) throw new Error(`creating ${BENCH_EDITOR.username} failed: HTTP ${created.status} ${await created.text()}`);
  } finally {
    await admin.dispose();
  }
  const browser = await signInSession(appUrl, BENCH_EDITOR);
  // The page a signed-in browser then asks for: it must show the editor's forms, not the anonymous page.
  const page = await browser.request('/');
  if (page.status !== 200 || !(await page.text()).includes(BENCH_EDITOR.username)) throw new Error(`the page does not show ${BENCH_EDITOR.username} signed in`);
  return browser.cookieHeader();
}

/** Deep enough to be near the oldest end of any catalog size measured. */
const DEEP_CURSOR_SEQ = 50;

/**
 * The scenarios, in the order they run. To add one, append it here; a target about it goes in
 * report.ts's TARGETS.
 */
export const SCENARIOS: readonly Scenario[] = [
  {
    key: 'list',
    title: `GET /api/products?limit=${LIST_LIMIT.default}`,
    kind: 'read',
    mustNotGrow: true,
    sides: ['app', 'app-workers', 'express', 'http'],
    request: () => ({ method: 'GET', path: `/api/products?limit=${LIST_LIMIT.default}` }),
  },
  {
    key: 'deep',
    title: `GET /api/products?limit=${LIST_LIMIT.default}&cursor=(id ${DEEP_CURSOR_SEQ})`,
    kind: 'read',
    mustNotGrow: true,
    sides: ['app'],
    request: () => ({ method: 'GET', path: `/api/products?limit=${LIST_LIMIT.default}&cursor=${encodeCursor(DEEP_CURSOR_SEQ)}` }),
  },
  {
    key: 'get',
    title: 'GET /api/products/:id (random)',
    kind: 'read',
    mustNotGrow: false,
    sides: ['app', 'express', 'http'],
    request: ({ size }) => ({
      method: 'GET',
      path: '/api/products/',
      vary: { kind: 'random-id', pathPrefix: '/api/products/', idPrefix: SEEDED_ID_PREFIX, count: size },
    }),
  },
  {
    key: 'page',
    title: 'GET / (HTML page: list + total)',
    kind: 'page',
    mustNotGrow: true,
    sides: ['app', 'app-workers', 'php'],
    request: () => ({ method: 'GET', path: '/' }),
  },
  {
    key: 'page-signed-in',
    title: 'GET / signed in (an editor\'s session cookie)',
    kind: 'page',
    mustNotGrow: false,
    sides: ['app', 'app-workers'],
    request: async ({ appUrl }) => ({ method: 'GET', path: '/', headers: { cookie: await editorSessionCookie(appUrl) } }),
  },
  {
    key: 'search',
    title: 'GET /?q=Honey (HTML page, search)',
    kind: 'page',
    mustNotGrow: false,
    sides: ['app'],
    request: () => ({ method: 'GET', path: '/?q=Honey' }),
  },
  {
    key: 'post',
    title: 'POST /api/products (new IDs)',
    kind: 'write',
    mustNotGrow: false,
    sides: ['app', 'express', 'http'],
    // Writes need a token; the floors ignore it (they check no credentials).
    request: async ({ appUrl }) => ({
      method: 'POST',
      path: '/api/products',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await editorToken(appUrl)}` },
      vary: { kind: 'new-product', idPrefix: WRITTEN_ID_PREFIX },
    }),
  },
];
