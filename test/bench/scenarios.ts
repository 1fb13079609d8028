import { encodeCursor } from '../../web/http/cursor.js';
import { LIST_LIMIT, PAGE_SIZE, SEARCH_COUNT_CAP } from '../../web/limits.js';
import type { HttpRequest } from './load.js';
import { SEEDED_ID_PREFIX, WRITTEN_ID_PREFIX } from './seed.js';
import { recordCall } from './sql-recorder.js';
import { TEST_CONTEXT } from '../support/auth.js';

type Calls = Awaited<ReturnType<typeof recordCall>>[];

/** One thing a user does, as an HTTP request to the app and as the SQL the store issues for it. */
export interface Scenario {
  readonly key: string;
  readonly title: string;
  /** Whether the 1,000 -> 1,000,000 latency target applies. */
  readonly mustNotGrow: boolean;
  readonly kind: 'read' | 'write' | 'page';
  http(size: number): HttpRequest;
  /** The store calls behind one request, recorded fresh for each (IDs vary). */
  raw(size: number): () => Promise<Calls>;
}

/** Deep enough to be near the oldest end of any catalog size measured. */
const DEEP_CURSOR_SEQ = 50;
const randomSeededId = (size: number) => `${SEEDED_ID_PREFIX}${1 + Math.floor(Math.random() * size)}`;

let written = 0;
const runTag = Date.now().toString(36);
const nextNewProduct = () => {
  written += 1;
  return { productId: `${WRITTEN_ID_PREFIX}${runTag}-${written}`, productName: `Bench product ${written}` };
};

const one = (call: Parameters<typeof recordCall>[0]) => async () => [await recordCall(call)];

export const SCENARIOS: readonly Scenario[] = [
  {
    key: 'list',
    title: `GET /api/products?limit=${LIST_LIMIT.default}`,
    mustNotGrow: true,
    kind: 'read',
    http: () => ({ method: 'GET', path: `/api/products?limit=${LIST_LIMIT.default}` }),
    raw: () => one((s) => s.listPage({ limit: LIST_LIMIT.default })),
  },
  {
    key: 'deep',
    title: `GET /api/products?limit=${LIST_LIMIT.default}&cursor=(id ${DEEP_CURSOR_SEQ})`,
    mustNotGrow: true,
    kind: 'read',
    http: () => ({ method: 'GET', path: `/api/products?limit=${LIST_LIMIT.default}&cursor=${encodeCursor(DEEP_CURSOR_SEQ)}` }),
    raw: () => one((s) => s.listPage({ limit: LIST_LIMIT.default, olderThan: DEEP_CURSOR_SEQ })),
  },
  {
    key: 'get',
    title: 'GET /api/products/:id (random)',
    mustNotGrow: false,
    kind: 'read',
    http: (size) => ({ method: 'GET', path: '/api/products/x', vary: () => ({ path: `/api/products/${randomSeededId(size)}` }) }),
    raw: (size) => one((s) => s.get(randomSeededId(size))),
  },
  {
    key: 'page',
    title: 'GET / (HTML page: list + total)',
    mustNotGrow: true,
    kind: 'page',
    http: () => ({ method: 'GET', path: '/' }),
    // The page asks for its list and its total at once; so does the replay.
    raw: () => async () => Promise.all([recordCall((s) => s.listPage({ limit: PAGE_SIZE })), recordCall((s) => s.count())]),
  },
  {
    key: 'search',
    title: 'GET /?q=Honey (HTML page, search)',
    mustNotGrow: false,
    kind: 'page',
    http: () => ({ method: 'GET', path: '/?q=Honey' }),
    // As the page does: the list first, then (the page being full) a count that stops past the cap.
    raw: () => one(async (s) => {
      await s.listPage({ limit: PAGE_SIZE, nameContains: 'Honey' });
      await s.count('Honey', SEARCH_COUNT_CAP + 1);
    }),
  },
  {
    key: 'post',
    title: 'POST /api/products (new IDs)',
    mustNotGrow: false,
    kind: 'write',
    http: () => ({
      method: 'POST',
      path: '/api/products',
      headers: { 'content-type': 'application/json' },
      vary: () => ({ body: JSON.stringify(nextNewProduct()) }),
    }),
    raw: () => one((s) => s.create(nextNewProduct(), TEST_CONTEXT)),
  },
];
