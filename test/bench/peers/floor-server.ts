import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import express from 'express';
import { createPool } from 'mysql2/promise';
import { loadConfig } from '../../../web/config.js';
import { LIST_LIMIT } from '../../../web/limits.js';
import { poolOptions } from '../../../web/mysql/database.js';
import { recordCall, replay, singleStatement } from '../sql-recorder.js';

/*
 * The floor of the app's own stack: what a Node server must spend at least to answer the API's
 * list, get and create, i.e. the store's own SQL through a mysql2 pool with the app's settings
 * (read from the same environment by web/config.ts) and the rows out as JSON. FLOOR=express
 * serves it from a bare Express 5 app, FLOOR=http from a bare node:http handler: no validation,
 * authentication, logging, metrics, security headers, deadlines or error pages.
 */

const config = loadConfig();
if (!config.mysql) throw new Error('the floor needs MYSQL_HOST');
const pool = createPool(poolOptions(config.mysql));

// The SQL is the store's, recorded once (web/catalog/mysql-store.ts); the ID is put in per request.
const ID = '\u0000id';
const list = await singleStatement((s) => s.listPage({ limit: LIST_LIMIT.default }));
const get = await singleStatement((s) => s.get(ID));

const listProducts = async () => (await pool.execute(list.sql, list.params))[0];
const getProduct = async (id: string) => {
  const [rows] = await pool.execute(get.sql, get.params.map((p) => (p === ID ? id : p)));
  return (rows as unknown[])[0];
};
/** Who the audit trail names for the floor's writes; the floor checks no credentials. */
const CONTEXT = { clientIp: '127.0.0.1', requestId: 'bench-floor' };
/** The store's create is a transaction (the row, the kept count, the audit event); its statements are replayed as recorded. */
const createProduct = async (product: { productId: string; productName: string }) =>
  replay(pool, [await recordCall((s) => s.create(product, CONTEXT))]);

function expressFloor() {
  const app = express();
  // The app sends no ETag either (web/app.ts).
  app.set('etag', false);
  app.get('/api/products', async (_req, res) => {
    res.json(await listProducts());
  });
  app.get('/api/products/:id', async (req, res) => {
    const product = await getProduct(req.params.id);
    if (product) res.json(product);
    else res.sendStatus(404);
  });
  app.post('/api/products', express.json(), async (req, res) => {
    await createProduct(req.body);
    res.status(201).json(req.body);
  });
  return app;
}

function send(res: ServerResponse, status: number, body: unknown) {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += chunk;
  return body;
}

function httpFloor() {
  const prefix = '/api/products/';
  return async (req: IncomingMessage, res: ServerResponse) => {
    try {
      const url = req.url ?? '/';
      if (req.method === 'GET' && url.startsWith('/api/products?')) return send(res, 200, await listProducts());
      if (req.method === 'GET' && url.startsWith(prefix)) {
        const product = await getProduct(decodeURIComponent(url.slice(prefix.length)));
        return send(res, product ? 200 : 404, product ?? {});
      }
      if (req.method === 'POST' && url === '/api/products') {
        const product = JSON.parse(await readBody(req));
        await createProduct(product);
        return send(res, 201, product);
      }
      send(res, 404, {});
    } catch (error) {
      send(res, 500, { error: String(error) });
    }
  };
}

const floor = process.env.FLOOR;
if (floor !== 'express' && floor !== 'http') throw new Error('FLOOR must be express or http');
createServer(floor === 'express' ? expressFloor() : httpFloor()).listen(config.port, '127.0.0.1');
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(0));
