import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import supertest from 'supertest';
import { openApiDocument } from '../web/openapi.js';
import type { StoreFixture } from './support/app.js';
import { buildProduct } from './support/factory.js';
import { storeFixtures } from './support/fixtures.js';
import { apiAs, apiClient, type ApiClient } from './support/auth.js';

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
  const ref = JSON.stringify(content.schema).replaceAll('#/components', 'openapi.json#/components');
  const validate = ajv.compile(JSON.parse(ref));
  assert.ok(validate(res.body), `${method} ${template} ${res.status}: ${ajv.errorsText(validate.errors)}`);
}

const [memory] = await storeFixtures();

describe('OpenAPI description', () => {
  let fx: StoreFixture;
  let api: Awaited<ReturnType<typeof apiClient>>;
  let admin: ApiClient;
  let anonymous: ApiClient;
  const exercised = new Set<string>();
  const check = async (template: string, method: 'get' | 'post' | 'put' | 'patch' | 'delete', req: supertest.Test, status: number) => {
    const res = await req.expect(status);
    assertDocumented(template, method, res);
    exercised.add(`${method} ${template}`);
    return res;
  };
  before(async () => {
    fx = await memory!.open();
    api = await apiClient(fx.app, fx.stores, 'editor');
    admin = await apiClient(fx.app, fx.stores, 'admin');
    anonymous = apiAs(fx.app, undefined);
  });
  after(async () => fx?.close());

  it('when /api/openapi.json is fetched, then it is the OpenAPI 3.1 document', async () => {
    const res = await api.get('/api/openapi.json').expect(200);
    assert.equal(res.body.openapi, '3.1.0');
    assert.deepEqual(Object.keys(res.body.paths), [
      '/api/products',
      '/api/products/{productId}',
      '/api/trash',
      '/api/trash/{productId}/restore',
      '/api/trash/{productId}',
      '/api/products/export',
      '/api/products/import',
      '/api/me',
      '/api/tokens',
      '/api/tokens/{tokenId}',
      '/api/users',
      '/api/users/{username}',
      '/api/audit',
      '/api/openapi.json',
    ]);
    assert.deepEqual(res.body.components.securitySchemes.bearerAuth, { ...res.body.components.securitySchemes.bearerAuth, type: 'http', scheme: 'bearer' });
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
    await check(item, 'patch', api.patch(`/api/products/${p.productId}`).type('application/merge-patch+json').send('{"productName":"Patched"}'), 200);
    await check(item, 'put', api.put(`/api/products/${p.productId}`).set('If-Match', '"v1"').send({ productName: 'Late' }), 412);
    await check(item, 'delete', api.delete(`/api/products/${p.productId}`), 204);
    await check(item, 'delete', api.delete(`/api/products/${p.productId}`), 404);
    await check('/api/trash', 'get', api.get('/api/trash'), 200);
    await check('/api/trash/{productId}/restore', 'post', api.post(`/api/trash/${p.productId}/restore`), 200);
    await api.delete(`/api/products/${p.productId}`).expect(204);
    await check('/api/products', 'post', api.post('/api/products').send(p), 409);
    await check('/api/trash/{productId}', 'delete', admin.delete(`/api/trash/${p.productId}`), 204);
    await check('/api/openapi.json', 'get', anonymous.get('/api/openapi.json'), 200);
    await check('/api/products', 'post', anonymous.post('/api/products').send(buildProduct()), 401);
    await check(item, 'delete', (await apiClient(fx.app, fx.stores, 'viewer')).delete(`/api/products/${p.productId}`), 403);

    const text: Parameters<supertest.Test['parse']>[0] = (res, done) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => done(null, body));
    };
    const exportPath = '/api/products/export';
    await check(exportPath, 'get', api.get(`${exportPath}?format=csv`).parse(text), 200);
    await check(exportPath, 'get', anonymous.get(`${exportPath}?format=ndjson`).parse(text), 200);
    await check(exportPath, 'get', api.get(`${exportPath}?format=xlsx`), 400);
    const importPath = '/api/products/import';
    const csv = (body: string) => api.post(importPath).set('Content-Type', 'text/csv').send(body);
    await check(importPath, 'post', csv(`product_id,product_name\n${buildProduct().productId},Tea\n`), 200);
    const existing = buildProduct();
    await api.post('/api/products').send(existing).expect(201);
    await check(importPath, 'post', csv(`product_id,product_name\n${existing.productId},Tea\n`), 409);
    await check(importPath, 'post', csv('product_id,product_name\nbad id,\n'), 400);
    await check(importPath, 'post', api.post(importPath).set('Content-Type', 'text/csv; charset=latin1').send('x'), 415);
    await check(importPath, 'post', csv('product_id,product_name\n').set('Content-Length', String(2 ** 40)), 413);
    await check(importPath, 'post', anonymous.post(importPath).set('Content-Type', 'text/csv').send('x'), 401);
    await check(importPath, 'post', (await apiClient(fx.app, fx.stores, 'viewer')).post(importPath).set('Content-Type', 'text/csv').send('x'), 403);

    await check('/api/me', 'get', api.get('/api/me'), 200);
    await check('/api/me', 'get', anonymous.get('/api/me'), 401);
    const created = await check('/api/tokens', 'post', api.post('/api/tokens').send({ name: 'docs', expiresInDays: 30 }), 201);
    await check('/api/tokens', 'post', api.post('/api/tokens').send({ name: 'too strong', role: 'admin' }), 400);
    await check('/api/tokens', 'get', api.get('/api/tokens'), 200);
    await check('/api/tokens', 'get', admin.get(`/api/tokens?user=${api.account.username}`), 200);
    await check('/api/tokens/{tokenId}', 'delete', api.delete(`/api/tokens/${created.body.id}`), 204);
    await check('/api/tokens/{tokenId}', 'delete', api.delete('/api/tokens/999999'), 404);
    await check('/api/users', 'get', admin.get('/api/users'), 200);
    await check('/api/users', 'get', api.get('/api/users'), 403);
    const user = { username: `doc-${Date.now()}`, role: 'viewer', password: 'correct horse battery staple' };
    await check('/api/users', 'post', admin.post('/api/users').send(user), 201);
    await check('/api/users', 'post', admin.post('/api/users').send(user), 409);
    await check('/api/users/{username}', 'patch', admin.patch(`/api/users/${user.username}`).send({ role: 'editor' }), 200);
    await check('/api/users/{username}', 'patch', admin.patch('/api/users/nobody-here').send({ disabled: true }), 404);
    await check('/api/audit', 'get', admin.get(`/api/audit?productId=${p.productId}`), 200);
    await check('/api/audit', 'get', admin.get('/api/audit?action=nope'), 400);
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).filter((m) => m !== 'parameters').map((m) => `${m} ${path}`),
    );
    assert.deepEqual([...exercised].sort(), documented.sort());
  });
});
