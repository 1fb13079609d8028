import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { Express } from 'express';
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import { Database } from '../web/mysql/database.js';
import { appWith, mysqlFixture, silentLogger } from './support/app.js';
import { API_TYPES_FILE, generateApiTypes } from './support/api-types.js';
import { createAccount, createToken } from './support/auth.js';
import { buildProduct } from './support/factory.js';
import { skipUnlessMysql } from './support/mysql.js';
import type { paths } from './generated/api-schema.js';

/**
 * A client nobody here wrote: openapi-typescript's types and openapi-fetch, generated from the
 * served document, drive every operation and every status the document lists against a real app
 * on MySQL. Every response is checked against the document (status, media type, body schema,
 * headers); one the document does not describe fails the test.
 */

type Doc = {
  paths: Record<string, Record<string, Operation>>;
  components: { headers: Record<string, { schema: object; required?: boolean }> };
};
interface Operation {
  operationId: string;
  responses: Record<string, { headers?: Record<string, { $ref: string }>; content?: Record<string, { schema: object }> }>;
}

/** Headers whose presence the document must announce for the response that carries them. */
const ANNOUNCED_HEADERS = ['etag', 'location', 'link', 'retry-after', 'ratelimit', 'ratelimit-policy', 'allow', 'www-authenticate', 'content-disposition'];
const IMPORT_MAX_BYTES = 4096;
const MERGE_PATCH = { 'Content-Type': 'application/merge-patch+json' };
const MALFORMED_AUTH = { Authorization: 'Basic dXNlcjpwYXNz' };
const text = (body: unknown) => String(body);

async function listen(app: Express): Promise<{ url: string; server: Server }> {
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('a generated client (openapi-typescript + openapi-fetch) against the app on MySQL', await skipUnlessMysql(), () => {
  let fx: Awaited<ReturnType<typeof mysqlFixture>>;
  const servers: Server[] = [];
  let down: Database;
  let doc: Doc;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  const covered = new Set<string>();
  const failures: string[] = [];

  /** Checks each response against the document before the client sees it. */
  const conformance: Middleware = {
    async onResponse({ schemaPath, request, response }) {
      const method = request.method.toLowerCase();
      const op = doc.paths[schemaPath]?.[method];
      const where = `${method.toUpperCase()} ${schemaPath} → ${response.status}`;
      const fail = (message: string) => {
        failures.push(`${where}: ${message}`);
        throw new Error(`${where}: ${message}`);
      };
      if (!op) return fail('no such operation in the document');
      const documented = op.responses[String(response.status)];
      if (!documented) return fail('status not in the document');
      covered.add(`${op.operationId} ${response.status}`);
      const body = await response.clone().text();
      const mediaType = response.headers.get('content-type')?.split(';')[0]?.trim();
      if (!documented.content) {
        if (body !== '') fail(`an undocumented body: ${body.slice(0, 100)}`);
      } else {
        const media = mediaType && documented.content[mediaType];
        if (!media) return fail(`media type ${mediaType} not documented`);
        const validate = ajv.compile(JSON.parse(JSON.stringify(media.schema).replaceAll('#/components', 'openapi.json#/components')));
        const value = /^application\/(?:[\w.-]+\+)?json$/.test(mediaType!) ? JSON.parse(body) : body;
        if (!validate(value)) fail(`body: ${ajv.errorsText(validate.errors)} in ${body.slice(0, 300)}`);
      }
      const headers = Object.fromEntries(Object.entries(documented.headers ?? {}).map(([name, ref]) => [name.toLowerCase(), ref]));
      for (const [name, ref] of Object.entries(headers)) {
        if (doc.components.headers[ref.$ref.split('/').pop()!]!.required && !response.headers.has(name)) fail(`the required header ${name} is missing`);
      }
      for (const name of ANNOUNCED_HEADERS) {
        const value = response.headers.get(name);
        if (value === null) continue;
        const ref = headers[name];
        if (!ref) {
          fail(`header ${name}: ${value} is not documented`);
          continue;
        }
        const schema = doc.components.headers[ref.$ref.split('/').pop()!]!.schema as { type?: string };
        const validate = ajv.compile(schema);
        if (!validate(schema.type === 'integer' ? Number(value) : value)) fail(`header ${name}: ${value}: ${ajv.errorsText(validate.errors)}`);
      }
    },
  };

  const clientFor = (url: string, token?: string): Client<paths> => {
    const client = createClient<paths>({ baseUrl: url, headers: token ? { Authorization: `Bearer ${token}` } : {} });
    client.use(conformance);
    return client;
  };

  let editor: Client<paths>;
  let viewer: Client<paths>;
  let admin: Client<paths>;
  let anonymous: Client<paths>;
  let unknownToken: Client<paths>;
  let downEditor: Client<paths>;
  let limitedEditor: Client<paths>;
  let limitedAdmin: Client<paths>;
  let adminName: string;
  let editorName: string;

  before(async () => {
    fx = await mysqlFixture({ importMaxBytes: IMPORT_MAX_BYTES });
    const main = await listen(fx.app);
    // The same database with a write limit of one a minute per client.
    const limited = await listen(appWith(fx.stores, { storage: 'mysql', writeRateLimitPerMinute: 1, importMaxBytes: IMPORT_MAX_BYTES }));
    // A database that is never started: every store call answers that it is unavailable.
    down = new Database(fx.db.config, silentLogger);
    const unavailable = await listen(appWith(down.stores, { storage: 'mysql' }));
    servers.push(main.server, limited.server, unavailable.server);

    const editorAccount = await createAccount(fx.stores, 'editor');
    const adminAccount = await createAccount(fx.stores, 'admin');
    const viewerAccount = await createAccount(fx.stores, 'viewer');
    editorName = editorAccount.username;
    adminName = adminAccount.username;
    const editorToken = await createToken(fx.stores, editorAccount.username);
    const adminToken = await createToken(fx.stores, adminAccount.username);
    editor = clientFor(main.url, editorToken);
    admin = clientFor(main.url, adminToken);
    viewer = clientFor(main.url, await createToken(fx.stores, viewerAccount.username));
    anonymous = clientFor(main.url);
    unknownToken = clientFor(main.url, `pc_${'A'.repeat(43)}`);
    downEditor = clientFor(unavailable.url, editorToken);
    limitedEditor = clientFor(limited.url, editorToken);
    limitedAdmin = clientFor(limited.url, adminToken);

    doc = (await (await fetch(`${main.url}/api/openapi.json`)).json()) as Doc;
    ajv.addSchema({ $id: 'openapi.json', components: doc.components });
  });

  after(async () => {
    for (const server of servers) await new Promise((resolve) => server.close(resolve));
    await down?.close();
    await fx?.close();
  });

  it('when the types are generated from the served document again, then they equal the committed ones', async () => {
    assert.equal(await generateApiTypes(doc), await readFile(API_TYPES_FILE, 'utf8'), 'run npm run api:types');
  });

  it('when the products operations are driven through every documented status, then each answer matches the document', async () => {
    const p = buildProduct();
    const id = { path: { productId: p.productId } };
    const status = (r: { response: Response }, expected: number) => assert.equal(r.response.status, expected);

    status(await editor.POST('/api/products', { body: p }), 201);
    status(await editor.POST('/api/products', { body: p }), 409);
    status(await editor.POST('/api/products', { body: { productId: 'ok', productName: '\u202Eexe' } }), 400);
    status(await editor.POST('/api/products', { body: { productId: 'big', productName: 'x'.repeat(20_000) } }), 413);
    status(await editor.POST('/api/products', { body: text('x') as never, headers: { 'Content-Type': 'text/plain' }, bodySerializer: text }), 415);

    status(await editor.GET('/api/products', { params: { query: { q: p.productId, limit: 1 } } }), 200);
    status(await editor.GET('/api/products', { params: { query: { limit: 0 } } }), 400);
    const got = await editor.GET('/api/products/{productId}', { params: id });
    status(got, 200);
    assert.equal(got.response.headers.get('etag'), '"v1"');
    assert.equal(got.data?.version, 1);
    status(await editor.GET('/api/products/{productId}', { params: { ...id, header: { 'If-None-Match': '"v1"' } } }), 304);
    status(await editor.GET('/api/products/{productId}', { params: { path: { productId: 'a\u0000b' } } }), 400);
    status(await editor.GET('/api/products/{productId}', { params: { path: { productId: 'none-such' } } }), 404);

    const replaced = await editor.PUT('/api/products/{productId}', { params: { ...id, header: { 'If-Match': '"v1"' } }, body: { ...got.data!, productName: 'Renamed' } });
    status(replaced, 200);
    assert.equal(replaced.data?.version, 2);
    status(await editor.PUT('/api/products/{productId}', { params: { ...id, header: { 'If-Match': '"v1"' } }, body: { productName: 'Late' } }), 412);
    status(await editor.PUT('/api/products/{productId}', { params: id, body: { productName: '' } }), 400);
    status(await editor.PUT('/api/products/{productId}', { params: { path: { productId: 'none-such' } }, body: { productName: 'x' } }), 404);
    status(await editor.PUT('/api/products/{productId}', { params: id, body: { productName: 'x'.repeat(20_000) } }), 413);
    status(await editor.PUT('/api/products/{productId}', { params: id, body: text('x') as never, headers: { 'Content-Type': 'text/plain' }, bodySerializer: text }), 415);

    const patched = await editor.PATCH('/api/products/{productId}', { params: { ...id, header: { 'If-Match': '"v2"' } }, body: { productName: 'Patched' }, headers: MERGE_PATCH });
    status(patched, 200);
    assert.equal(patched.data?.productName, 'Patched');
    status(await editor.PATCH('/api/products/{productId}', { params: { ...id, header: { 'If-Match': '"v1"' } }, body: { productName: 'Late' }, headers: MERGE_PATCH }), 412);
    status(await editor.PATCH('/api/products/{productId}', { params: id, body: { productName: null } as never, headers: MERGE_PATCH }), 400);
    status(await editor.PATCH('/api/products/{productId}', { params: { path: { productId: 'none-such' } }, body: {}, headers: MERGE_PATCH }), 404);
    status(await editor.PATCH('/api/products/{productId}', { params: id, body: { productName: 'x'.repeat(20_000) }, headers: MERGE_PATCH }), 413);
    status(await editor.PATCH('/api/products/{productId}', { params: id, body: { productName: 'json' } }), 415);

    status(await editor.DELETE('/api/products/{productId}', { params: { ...id, header: { 'If-Match': '"v1"' } } }), 412);
    status(await editor.DELETE('/api/products/{productId}', { params: { ...id, header: { 'If-Match': '"v3"' } } }), 204);
    status(await editor.DELETE('/api/products/{productId}', { params: id }), 404);
    status(await editor.DELETE('/api/products/{productId}', { params: { path: { productId: 'x'.repeat(65) } } }), 400);

    const trash = await editor.GET('/api/trash', { params: { query: { limit: 1 } } });
    status(trash, 200);
    assert.equal(trash.data?.items[0]?.deletedBy, editorName);
    status(await editor.GET('/api/trash', { params: { query: { cursor: 'nope' } } }), 400);
    const inTrash = await editor.POST('/api/products', { body: p });
    status(inTrash, 409);
    assert.equal(inTrash.error?.type, '/problems/in-trash');
    const restored = await editor.POST('/api/trash/{productId}/restore', { params: id });
    status(restored, 200);
    assert.equal(restored.data?.productId, p.productId);
    status(await editor.POST('/api/trash/{productId}/restore', { params: id }), 404);
    status(await editor.POST('/api/trash/{productId}/restore', { params: { path: { productId: 'a\u0001' } } }), 400);
    status(await editor.DELETE('/api/products/{productId}', { params: id }), 204);
    status(await admin.DELETE('/api/trash/{productId}', { params: id }), 204);
    status(await admin.DELETE('/api/trash/{productId}', { params: id }), 404);
    status(await admin.DELETE('/api/trash/{productId}', { params: { path: { productId: 'a\u0001' } } }), 400);
  });

  it('when export and import are driven through every documented status, then each answer matches the document', async () => {
    const status = (r: { response: Response }, expected: number) => assert.equal(r.response.status, expected);
    status(await editor.GET('/api/products/export', { params: { query: { format: 'csv' } }, parseAs: 'text' }), 200);
    status(await anonymous.GET('/api/products/export', { params: { query: { format: 'ndjson' } }, parseAs: 'text' }), 200);
    status(await editor.GET('/api/products/export', { params: { query: { format: 'xlsx' as 'csv' } } }), 400);

    const csv = (body: string, query: { mode?: 'all-or-nothing' | 'skip-existing' } = {}, type = 'text/csv') =>
      editor.POST('/api/products/import', { params: { query }, body: body as never, headers: { 'Content-Type': type }, bodySerializer: text });
    const existing = buildProduct();
    status(await csv(`product_id,product_name\n${existing.productId},Tea\n`), 200);
    status(await csv(`product_id,product_name\n${existing.productId},Tea\n`), 409);
    status(await csv('product_id,product_name\nbad id,\n'), 400);
    status(await csv(`product_id,product_name\n${'x'.repeat(IMPORT_MAX_BYTES)}\n`), 413);
    status(await csv('x', {}, 'text/plain'), 415);
  });

  it('when the account and audit operations are driven through every documented status, then each answer matches the document', async () => {
    const status = (r: { response: Response }, expected: number) => assert.equal(r.response.status, expected);
    status(await editor.GET('/api/me'), 200);
    status(await editor.GET('/api/tokens'), 200);
    status(await admin.GET('/api/tokens', { params: { query: { user: 'nobody-here' } } }), 404);
    const created = await editor.POST('/api/tokens', { body: { name: 'client test', expiresInDays: 7 } });
    status(created, 201);
    status(await editor.POST('/api/tokens', { body: { name: 'too strong', role: 'admin' } }), 400);
    status(await admin.POST('/api/tokens', { body: { name: 'x', user: 'nobody-here' } }), 404);
    status(await editor.POST('/api/tokens', { body: { name: 'x'.repeat(20_000) } }), 413);
    status(await editor.POST('/api/tokens', { body: text('x') as never, headers: { 'Content-Type': 'text/plain' }, bodySerializer: text }), 415);
    status(await editor.DELETE('/api/tokens/{tokenId}', { params: { path: { tokenId: created.data!.id } } }), 204);
    status(await editor.DELETE('/api/tokens/{tokenId}', { params: { path: { tokenId: 999_999 } } }), 404);
    status(await editor.DELETE('/api/tokens/{tokenId}', { params: { path: { tokenId: 'x' as unknown as number } } }), 400);

    status(await admin.GET('/api/users'), 200);
    const user = { username: `client-${Date.now()}`, role: 'viewer' as const, password: 'correct horse battery staple' };
    status(await admin.POST('/api/users', { body: user }), 201);
    status(await admin.POST('/api/users', { body: user }), 409);
    status(await admin.POST('/api/users', { body: { ...user, username: 'bad name!' } }), 400);
    status(await admin.POST('/api/users', { body: { ...user, password: 'x'.repeat(20_000) } }), 413);
    status(await admin.POST('/api/users', { body: text('x') as never, headers: { 'Content-Type': 'text/plain' }, bodySerializer: text }), 415);
    const username = { path: { username: user.username } };
    status(await admin.PATCH('/api/users/{username}', { params: username, body: { disabled: true } }), 200);
    status(await admin.POST('/api/tokens', { body: { name: 'for a disabled account', user: user.username } }), 409);
    status(await admin.PATCH('/api/users/{username}', { params: username, body: { role: 'boss' as 'admin' } }), 400);
    status(await admin.PATCH('/api/users/{username}', { params: { path: { username: 'nobody-here' } }, body: { disabled: true } }), 404);
    status(await admin.PATCH('/api/users/{username}', { params: { path: { username: adminName } }, body: { disabled: true } }), 409);
    status(await admin.PATCH('/api/users/{username}', { params: username, body: { password: 'x'.repeat(20_000) } }), 413);
    status(await admin.PATCH('/api/users/{username}', { params: username, body: text('x') as never, headers: { 'Content-Type': 'text/plain' }, bodySerializer: text }), 415);

    status(await admin.GET('/api/audit', { params: { query: { limit: 5 } } }), 200);
    status(await admin.GET('/api/audit', { params: { query: { action: 'nope' as 'product.create' } } }), 400);
    status(await anonymous.GET('/api/openapi.json'), 200);
  });

  it('when any operation is called without a usable token, by too low a role, with a malformed Authorization header or with the database down, then 401, 403, 400 or 503 as documented', async () => {
    const p = buildProduct();
    await editor.POST('/api/products', { body: p });
    await editor.POST('/api/products', { body: buildProduct() }).then(async (r) => editor.DELETE('/api/products/{productId}', { params: { path: { productId: r.data!.productId } } }));
    const id = { path: { productId: p.productId } };
    const user = { path: { username: editorName } };
    const csvImport = { body: 'product_id,product_name\n' as never, headers: { 'Content-Type': 'text/csv' }, bodySerializer: text };
    /** One call of each operation, with the client and extra headers given. */
    const everyOperation = (c: Client<paths>, headers: Record<string, string> = {}) => [
      () => c.GET('/api/products', { headers }),
      () => c.POST('/api/products', { body: buildProduct(), headers }),
      () => c.GET('/api/products/{productId}', { params: id, headers }),
      () => c.PUT('/api/products/{productId}', { params: id, body: { productName: 'x' }, headers }),
      () => c.PATCH('/api/products/{productId}', { params: id, body: { productName: 'x' }, headers: { ...MERGE_PATCH, ...headers } }),
      () => c.DELETE('/api/products/{productId}', { params: id, headers }),
      () => c.GET('/api/trash', { headers }),
      () => c.POST('/api/trash/{productId}/restore', { params: { path: { productId: 'not-in-trash' } }, headers }),
      () => c.DELETE('/api/trash/{productId}', { params: { path: { productId: 'not-in-trash' } }, headers }),
      () => c.GET('/api/products/export', { params: { query: { format: 'csv' } }, parseAs: 'text', headers }),
      () => c.POST('/api/products/import', { ...csvImport, headers: { ...csvImport.headers, ...headers } }),
      () => c.GET('/api/me', { headers }),
      () => c.GET('/api/tokens', { headers }),
      () => c.POST('/api/tokens', { body: { name: 'x' }, headers }),
      () => c.DELETE('/api/tokens/{tokenId}', { params: { path: { tokenId: 999_999 } }, headers }),
      () => c.GET('/api/users', { headers }),
      () => c.POST('/api/users', { body: { username: 'x', role: 'viewer', password: 'correct horse battery staple' }, headers }),
      () => c.PATCH('/api/users/{username}', { params: user, body: { disabled: false }, headers }),
      () => c.GET('/api/audit', { headers }),
      () => c.GET('/api/openapi.json', { headers }),
    ];
    for (const call of everyOperation(unknownToken)) assert.equal((await call()).response.status, 401);
    for (const call of everyOperation(editor, MALFORMED_AUTH)) assert.equal((await call()).response.status, 400);
    for (const call of everyOperation(downEditor)) assert.equal((await call()).response.status, 503);
    // Anonymous writes are refused before the database is asked.
    for (const call of everyOperation(anonymous).slice(1, 2)) assert.equal((await call()).response.status, 401);
    const needsEditor = everyOperation(viewer).filter((_, i) => [1, 3, 4, 5, 6, 7, 10, 12, 13, 14].includes(i));
    for (const call of needsEditor) assert.equal((await call()).response.status, 403);
    const needsAdmin = everyOperation(editor).filter((_, i) => [8, 15, 16, 17, 18].includes(i));
    for (const call of needsAdmin) assert.equal((await call()).response.status, 403);
  });

  it('when writes pass the rate limit, then every write answers 429 as documented', async () => {
    const status = (r: { response: Response }, expected: number) => assert.equal(r.response.status, expected);
    const p = buildProduct();
    status(await limitedEditor.POST('/api/products', { body: p }), 201);
    const id = { path: { productId: p.productId } };
    status(await limitedEditor.POST('/api/products', { body: buildProduct() }), 429);
    status(await limitedEditor.PUT('/api/products/{productId}', { params: id, body: { productName: 'x' } }), 429);
    status(await limitedEditor.PATCH('/api/products/{productId}', { params: id, body: { productName: 'x' }, headers: MERGE_PATCH }), 429);
    status(await limitedEditor.DELETE('/api/products/{productId}', { params: id }), 429);
    status(await limitedEditor.POST('/api/trash/{productId}/restore', { params: id }), 429);
    status(await limitedAdmin.DELETE('/api/trash/{productId}', { params: id }), 429);
    status(await limitedEditor.POST('/api/products/import', { body: 'product_id,product_name\n' as never, headers: { 'Content-Type': 'text/csv' }, bodySerializer: text }), 429);
    status(await limitedEditor.POST('/api/tokens', { body: { name: 'x' } }), 429);
    status(await limitedEditor.DELETE('/api/tokens/{tokenId}', { params: { path: { tokenId: 1 } } }), 429);
    status(await limitedAdmin.POST('/api/users', { body: { username: 'limited', role: 'viewer', password: 'correct horse battery staple' } }), 429);
    status(await limitedAdmin.PATCH('/api/users/{username}', { params: { path: { username: editorName } }, body: { disabled: false } }), 429);
  });

  it('when every call is done, then every status of every operation in the document was met, and no response broke the document', () => {
    assert.deepEqual(failures, []);
    const documented = Object.values(doc.paths).flatMap((item) =>
      Object.entries(item)
        .filter(([method]) => method !== 'parameters')
        .flatMap(([, op]) => Object.keys(op.responses).map((code) => `${op.operationId} ${code}`)),
    );
    assert.deepEqual(documented.filter((pair) => !covered.has(pair)).sort(), []);
    assert.deepEqual([...covered].filter((pair) => !documented.includes(pair)).sort(), []);
  });
});
