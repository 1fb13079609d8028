import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ejs from 'ejs';
import supertest from 'supertest';
import { viewEngine } from '../web/http/view-engine.js';
import { memoryStores } from '../web/stores.js';
import { appWith } from './support/app.js';
import { createAccount, signIn, TEST_CONTEXT } from './support/auth.js';

const VIEWS = fileURLToPath(new URL('../web/views', import.meta.url));

function render(file: string, locals: Record<string, unknown>, cache: boolean): Promise<string> {
  const engine = viewEngine();
  return new Promise((resolve, reject) => engine(file, { ...locals, cache }, (error, html) => (error ? reject(error as Error) : resolve(html!))));
}

/** The list page's locals, as page-routes.ts passes them, with markup in every text to escape. */
const listLocals = (signedIn: boolean) => {
  const products = Array.from({ length: 3 }, (_, i) => ({
    productId: `id-${i}&"'`,
    productName: `<b>Honey</b> & ${i}`,
    createdAt: new Date(Date.UTC(2026, 0, i + 1)),
    updatedAt: new Date(Date.UTC(2026, 0, i + 2)),
    version: i + 1,
    seq: i,
  }));
  return {
    settings: { views: VIEWS },
    storage: 'mysql',
    csrfToken: () => 'token"<>',
    principal: signedIn ? { username: 'ed<i>', role: 'admin' } : undefined,
    unavailable: false,
    rows: products.map((product, i) => ({ product, exact: i === 0 })),
    total: '3',
    range: { first: '1', last: '3' },
    search: 'q"<',
    beyondFirstPage: false,
    newerHref: '/?after=x',
    olderHref: '/?before=y',
    here: '/?q=q%22%3C',
    form: { values: { product_id: '<x', product_name: '' }, errors: { product_id: 'bad <id>' } },
    notice: { text: 'Moved “<x>” (id-0&) to the trash.', name: '<x>', undo: 'id-0&"' },
    canChange: signedIn,
    isAdmin: signedIn,
    signInHref: '/login?next=%2F',
    limits: { idMax: 64, nameMax: 200, searchMax: 100 },
  };
};

describe('the view engine', () => {
  for (const signedIn of [false, true]) {
    it(`when the list page renders ${signedIn ? 'signed in' : 'anonymously'}, cached or not, then its HTML is exactly what EJS itself renders`, async () => {
      const file = path.join(VIEWS, 'index.ejs');
      const expected = await ejs.renderFile(file, listLocals(signedIn));
      assert.match(expected, /Exact ID match/, 'the locals reach the marked exact match');
      if (signedIn) assert.match(expected, /Undo/, 'and the notice with its Undo');
      assert.equal(await render(file, listLocals(signedIn), true), expected);
      assert.equal(await render(file, listLocals(signedIn), false), expected);
    });
  }

  it('when views are cached (production), then every page an admin sees is the same as uncached', async () => {
    const stores = memoryStores();
    const admin = await createAccount(stores, 'admin');
    await stores.products.create({ productId: 'p-1', productName: 'Tea <b>' }, TEST_CONTEXT);
    const agents = [];
    for (const cache of [true, false]) {
      const app = appWith(stores);
      if (cache) app.enable('view cache');
      else app.disable('view cache');
      agents.push({ app, agent: await signIn(app, admin) });
    }
    const withoutTokens = (html: string) => html.replace(/name="_csrf" value="[^"]+"/g, 'name="_csrf"');
    const cached: string[] = [];
    const fresh: string[] = [];
    // The same pages from each app in turn, after both signed in (the audit page lists sign-ins); twice: the second render comes from the cache.
    for (const url of ['/', '/?q=Tea', '/account', '/admin/users', '/admin/audit', '/import', '/no-such-page', '/']) {
      for (const [i, { agent }] of agents.entries()) [cached, fresh][i]!.push(withoutTokens((await agent.get(url)).text));
    }
    for (const [i, { app }] of agents.entries()) [cached, fresh][i]!.push(withoutTokens((await supertest(app).get('/login')).text));
    assert.ok(cached[0]!.includes('Tea &lt;b&gt;'), 'the list shows the product, escaped');
    assert.ok(cached.at(-1)!.includes('Sign in'));
    assert.deepEqual(cached, fresh);
  });

  it('when a template reads a local the render did not pass, then it fails as in EJS; read as locals.x, it is undefined', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pc-views-'));
    try {
      writeFileSync(path.join(dir, 'missing.ejs'), '<p><%= nowhere %></p>');
      writeFileSync(path.join(dir, 'optional.ejs'), '<p><%= locals.nowhere ?? "none" %> <%= shown %></p>');
      for (const cache of [true, false]) {
        await assert.rejects(render(path.join(dir, 'missing.ejs'), {}, cache), ReferenceError);
        assert.equal(await render(path.join(dir, 'optional.ejs'), { shown: 'x' }, cache), '<p>none x</p>');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when a template throws uncached (development), then the error names its file and line, as EJS does', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pc-views-'));
    try {
      const file = path.join(dir, 'broken.ejs');
      writeFileSync(file, '<p>one</p>\n<p><%= thing.missing.deeper %></p>\n');
      await assert.rejects(render(file, { thing: {} }, false), (error: Error) => error.message.startsWith(`${file}:2\n`) && / >> 2\| <p><%= thing/.test(error.message));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when a template declares a name that a render also passes, then its own declaration wins; a local can be assigned, as inside with', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pc-views-'));
    try {
      const file = path.join(dir, 'declares.ejs');
      writeFileSync(file, '<% const title = `T: ${locals.title}`; const { a, b: renamed } = pair; other = other + 1; %><%= title %> <%= a %><%= renamed %> <%= other %>');
      for (const cache of [true, false]) assert.equal(await render(file, { title: 'x', pair: { a: 1, b: 2 }, a: 'no', renamed: 'no', other: 1 }, cache), 'T: x 12 2');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
