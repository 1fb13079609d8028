import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import supertest from 'supertest';
import { openApiDocument } from '../web/openapi.js';
import type { StoreFixture } from './support/app.js';
import { buildProduct } from './support/factory.js';
import { storeFixtures } from './support/fixtures.js';

type Doc = { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>> };
const doc = openApiDocument as unknown as Doc;

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema({ $id: 'openapi.json', components: openApiDocument.components });

/** Finds the documented response for a real one and validates the body against its schema. */
function assertDocumented(template: string, method: string, res: supertest.Response) {
  const response = doc.paths[template]?.[method]?.responses[String(res.status)];
  assert.ok(response, `${method.toUpperCase()} ${template} ${res.status} is not documented`);
  const mediaType = res.headers['content-type']?.split(';')[0];
  if (!response.content) return assert.equal(res.text, '', 'an undocumented body');
  const content = response.content[mediaType!];
  assert.ok(content, `${mediaType} is not documented for ${method} ${template} ${res.status}`);
  const ref = JSON.stringify(content.schema).replace('#/components', 'openapi.json#/components');
  const validate = ajv.compile(JSON.parse(ref));
  assert.ok(validate(res.body), `${method} ${template} ${res.status}: ${ajv.errorsText(validate.errors)}`);
}

const [memory] = await storeFixtures();

describe('OpenAPI description', () => {
  let fx: StoreFixture;
  let api: ReturnType<typeof supertest>;
  const exercised = new Set<string>();
  const check = async (template: string, method: 'get' | 'post' | 'put' | 'delete', req: supertest.Test, status: number) => {
    const res = await req.expect(status);
    assertDocumented(template, method, res);
    exercised.add(`${method} ${template}`);
    return res;
  };
  before(async () => {
    fx = await memory!.open();
    api = supertest(fx.app);
  });
  after(async () => fx?.close());

  it('when /api/openapi.json is fetched, then it is the OpenAPI 3.1 document', async () => {
    const res = await api.get('/api/openapi.json').expect(200);
    assert.equal(res.body.openapi, '3.1.0');
    assert.deepEqual(Object.keys(res.body.paths), ['/api/products', '/api/products/{productId}']);
  });

  it('when every operation answers with success and with errors, then each response matches its schema', async () => {
    const item = '/api/products/{productId}';
    const p = buildProduct();
    await check('/api/products', 'post', api.post('/api/products').send(p), 201);
    await check('/api/products', 'post', api.post('/api/products').send(p), 409);
    await check('/api/products', 'post', api.post('/api/products').send({ productId: '' }), 400);
    await check('/api/products', 'post', api.post('/api/products').type('text').send('x'), 415);
    await check('/api/products', 'post', api.post('/api/products').send({ productName: 'x'.repeat(17_000) }), 413);
    await check('/api/products', 'get', api.get('/api/products?limit=1'), 200);
    await check('/api/products', 'get', api.get('/api/products?limit=0'), 400);
    await check(item, 'get', api.get(`/api/products/${p.productId}`), 200);
    await check(item, 'get', api.get('/api/products/none'), 404);
    await check(item, 'put', api.put(`/api/products/${p.productId}`).send({ productName: 'Renamed' }), 200);
    await check(item, 'put', api.put(`/api/products/${p.productId}`).send({ productName: '' }), 400);
    await check(item, 'put', api.put('/api/products/none').send({ productName: 'x' }), 404);
    await check(item, 'delete', api.delete(`/api/products/${p.productId}`), 204);
    await check(item, 'delete', api.delete(`/api/products/${p.productId}`), 404);
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).filter((m) => m !== 'parameters').map((m) => `${m} ${path}`),
    );
    assert.deepEqual([...exercised].sort(), documented.sort());
  });
});
