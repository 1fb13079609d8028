import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { PRODUCT_ID_MAX, PRODUCT_NAME_MAX } from '../../web/limits.js';
import { checkNewProduct } from '../../web/catalog/validation.js';
import { csrfToken, mysqlFixture } from '../support/app.js';
import { skipUnlessMysql } from '../support/mysql.js';
import { apiClient, pageClient, type ApiClient } from '../support/auth.js';

const PROBLEM = /^application\/problem\+json/;
const RUNS = Number(process.env.PROPERTY_RUNS ?? 120);
let inputsTried = 0;

/** Values of every JSON kind, plus the shapes most likely to trip a handler. */
const anyValue = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ minLength: PRODUCT_NAME_MAX - 2, maxLength: PRODUCT_NAME_MAX + 40, unit: 'grapheme' }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 4 }),
  fc.array(fc.string(), { maxLength: 3 }),
);
const anyField = fc.option(anyValue, { nil: undefined });
const extraKeys = fc.dictionary(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'prototype', 'id', 'seq')), anyValue, { maxKeys: 3 });

/** IDs and names the app promises to accept. */
const validId = fc.stringMatching(new RegExp(`^[A-Za-z0-9][A-Za-z0-9._-]{0,${PRODUCT_ID_MAX - 1}}$`));
const validName = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 60 })
  .filter((s) => checkNewProduct({ productId: 'x', productName: s }).ok);

describe('property-based bad input over the API and the form (MySQL store)', await skipUnlessMysql(), () => {
  let fx: Awaited<ReturnType<typeof mysqlFixture>>;
  let api: ApiClient;
  before(async () => {
    fx = await mysqlFixture();
    api = await apiClient(fx.app, fx.stores, 'editor');
  });
  after(async () => {
    await fx?.close();
    console.log(`property tests: ${inputsTried} generated inputs sent`);
  });

  it('when any JSON body is POSTed, then never a 5xx: 201 for a valid product, else a problem naming each bad field', async () => {
    await fc.assert(
      fc.asyncProperty(fc.record({ productId: anyField, productName: anyField }, { requiredKeys: [] }), extraKeys, async (fields, extra) => {
        inputsTried++;
        const body = { ...extra, ...fields };
        const res = await api.post('/api/products').send(body);
        const expected = checkNewProduct({ productId: body.productId, productName: body.productName });
        const unknown = Object.keys(body).filter((k) => k !== 'productId' && k !== 'productName');
        if (expected.ok && unknown.length === 0) {
          assert.ok(res.status === 201 || res.status === 409, `valid product refused: ${res.status} ${res.text}`);
          return;
        }
        assert.equal(res.status, 400, res.text);
        assert.match(res.headers['content-type']!, PROBLEM);
        const fieldsNamed = (res.body.errors as { field: string }[]).map((e) => e.field).sort();
        const wanted = [...unknown, ...(expected.ok ? [] : expected.errors.map((e) => e.field))].sort();
        assert.deepEqual(fieldsNamed, wanted);
      }),
      { numRuns: RUNS },
    );
  });

  it('when any valid product is POSTed, then 201 and it reads back exactly, trimmed', async () => {
    await fc.assert(
      fc.asyncProperty(validId, validName, async (productId, productName) => {
        inputsTried++;
        const res = await api.post('/api/products').send({ productId, productName });
        if (res.status === 409) return; // generated twice
        assert.equal(res.status, 201, res.text);
        const got = await api.get(`/api/products/${encodeURIComponent(productId)}`).expect(200);
        assert.deepEqual([got.body.productId, got.body.productName], [productId, productName.trim()]);
      }),
      { numRuns: RUNS },
    );
  });

  it('when any body is PUT to any path ID, then never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 80 }), fc.record({ productId: anyField, productName: anyField }, { requiredKeys: [] }), async (id, body) => {
        inputsTried++;
        const res = await api.put(`/api/products/${encodeURIComponent(id)}`).send(body);
        // An empty ID is the list's path, which takes no PUT (405).
        assert.ok([200, 400, 404, ...(id === '' ? [405] : [])].includes(res.status), `${res.status} ${res.text}`);
        assert.match(res.headers['content-type']!, res.status === 200 ? /json/ : PROBLEM);
      }),
      { numRuns: RUNS },
    );
  });

  it('when any query string is sent to the list and the page, then never a 5xx', async () => {
    const param = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom('', '0', '-1', '1e3', '%', '%00', 'czE', 'czA'));
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom('limit', 'cursor', 'q', 'before', 'after', 'x'), fc.oneof(param, fc.array(param, { maxLength: 3 }))), async (query) => {
        inputsTried++;
        const pairs = Object.entries(query).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x): [string, string] => [k, x]));
        const qs = new URLSearchParams(pairs).toString();
        for (const path of ['/api/products', '/']) {
          const res = await api.get(`${path}?${qs}`);
          assert.ok(res.status === 200 || res.status === 400, `${path}?${qs}: ${res.status}`);
          if (res.status === 400 && path.startsWith('/api')) assert.ok(res.body.errors.length > 0);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('when the form is posted with any fields, then never a 5xx, and a 400 page shows the message for each bad field', async () => {
    const { agent } = await pageClient(fx.app, fx.stores, 'editor');
    const token = await csrfToken(agent);
    const formValue = fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: 'grapheme', maxLength: 300 }), fc.array(fc.string({ maxLength: 5 }), { maxLength: 2 }));
    await fc.assert(
      fc.asyncProperty(fc.option(formValue, { nil: undefined }), fc.option(formValue, { nil: undefined }), async (id, name) => {
        inputsTried++;
        const fields: Record<string, unknown> = { _csrf: token };
        if (id !== undefined) fields.product_id = id;
        if (name !== undefined) fields.product_name = name;
        const res = await agent.post('/products').type('form').set('Accept', 'text/html').send(fields);
        // What the server receives: an empty list sends nothing, a one-element list a single value.
        const received = (v: unknown) => (Array.isArray(v) && v.length < 2 ? v[0] : v);
        const expected = checkNewProduct({ productId: received(id), productName: received(name) });
        if (expected.ok) {
          assert.ok(res.status === 303 || res.status === 409, `${res.status}`);
          return;
        }
        assert.equal(res.status, 400);
        const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;');
        for (const e of expected.errors) assert.ok(res.text.includes(escape(e.message)), `page shows: ${e.message}`);
      }),
      { numRuns: RUNS },
    );
  });
});
