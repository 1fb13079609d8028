import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { csrfToken, mysqlFixture } from '../support/app.js';
import { buildProduct } from '../support/factory.js';
import { skipUnlessMysql } from '../support/mysql.js';
import { apiClient, pageClient, type ApiClient } from '../support/auth.js';

/** SQL, HTML, template and Unicode tricks; each must come back exactly as sent and never act. */
const HOSTILE_NAMES = [
  "Robert'); DROP TABLE products; --",
  '" OR "1"="1',
  "' OR 1=1 -- ",
  "\\'; SELECT SLEEP(5); -- ",
  '%_%\\%',
  '/* comment */ UNION SELECT product_id FROM products',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "'><svg onload=alert(1)>",
  '</textarea></td></tr></table><h1>owned</h1>',
  'javascript:alert(1)',
  '<%= process.env %> <%- 7*7 %>',
  '${7*7} {{7*7}} #{7*7}',
  // Bidi overrides are refused (test/validation.test.ts); marks and zero-width characters are kept.
  '\u200Fgnp.exe \u200B zero width \u200D',
  '𝕿𝖊𝖘𝖙 🧪 ﷽',
] as const;

describe('injection round trips on MySQL', await skipUnlessMysql(), () => {
  let fx: Awaited<ReturnType<typeof mysqlFixture>>;
  let api: ApiClient;
  before(async () => {
    fx = await mysqlFixture();
    api = await apiClient(fx.app, fx.stores, 'editor');
  });
  after(async () => fx?.close());

  for (const name of HOSTILE_NAMES) {
    it(`when the name is ${JSON.stringify(name)}, then it is stored and returned verbatim, found by search, and rendered escaped`, async () => {
      const { productId } = buildProduct();
      const created = await api.post('/api/products').send({ productId, productName: name }).expect(201);
      assert.equal(created.body.productName, name.trim());
      assert.equal((await api.get(`/api/products/${productId}`).expect(200)).body.productName, name.trim());
      const found = await api.get('/api/products').query({ q: name.trim(), limit: 100 }).expect(200);
      assert.ok(found.body.items.some((p: { productId: string }) => p.productId === productId), 'search finds it, by its literal text');

      const page = (await api.get('/').query({ q: name.trim() }).expect(200)).text;
      const escaped = name.trim().replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;');
      assert.ok(page.includes(escaped), 'shown, escaped');
      if (/[<>"']/.test(name)) assert.ok(!page.includes(name.trim()), 'never raw');
      assert.doesNotMatch(page, /\b49\b/, 'no template evaluated');
    });
  }

  it('when all of that was sent, then the table and its rows are intact', async () => {
    const rows = (await fx.db.exec('SELECT COUNT(*) AS n FROM products')) as { n: number }[];
    assert.equal(Number(rows[0]!.n), HOSTILE_NAMES.length);
  });

  it('when path IDs and searches carry SQL, then 404 or an empty result, never more rows', async () => {
    for (const id of ["' OR '1'='1", '1 OR 1=1', "x'; DELETE FROM products; --", '%', '_']) {
      await api.get(`/api/products/${encodeURIComponent(id)}`).expect(404);
      await api.delete(`/api/products/${encodeURIComponent(id)}`).expect(404);
    }
    assert.equal((await api.get('/api/products').query({ q: "' OR '1'='1", limit: 100 }).expect(200)).body.items.length, 0);
    const percent = (await api.get('/api/products').query({ q: '%', limit: 100 }).expect(200)).body.items;
    assert.equal(percent.length, HOSTILE_NAMES.filter((n) => n.includes('%')).length, 'only the names that contain %');
  });

  it('when a hostile name is sent through the form with a bad ID, then the re-rendered input holds it escaped', async () => {
    const { agent } = await pageClient(fx.app, fx.stores, 'editor');
    const token = await csrfToken(agent);
    const name = '"><script>alert(document.cookie)</script>';
    const res = await agent.post('/products').type('form').send({ _csrf: token, product_id: '-bad', product_name: name }).expect(400);
    assert.ok(res.text.includes('value="&#34;&gt;&lt;script&gt;alert(document.cookie)&lt;/script&gt;"'));
    assert.ok(!res.text.includes('<script>alert'));
  });

  it('when the notice cookie is forged with markup, then the page shows it escaped or not at all', async () => {
    const forged = encodeURIComponent('Added <img src=x onerror=alert(1)>');
    const res = await api.get('/').set('Cookie', `pc_notice=${forged}`).expect(200);
    assert.ok(!res.text.includes('<img src=x'));
  });
});
