import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { mysqlFixture, type StoreFixture } from '../support/app.js';
import { buildProduct } from '../support/factory.js';
import { skipUnlessMysql } from '../support/mysql.js';
import { createAccount, createToken, type TestAccount } from '../support/auth.js';
import { formSession, postProduct, type ApiTarget } from './support/http.js';

const RACERS = 50;

describe('fault 5: concurrent creates of one productId over HTTP', await skipUnlessMysql(), () => {
  let fx: StoreFixture & Awaited<ReturnType<typeof mysqlFixture>>;
  let server: Server;
  let url: string;
  let editor: TestAccount;
  let target: ApiTarget;

  before(async () => {
    fx = await mysqlFixture();
    server = fx.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    editor = await createAccount(fx.stores, 'editor');
    target = { url, token: await createToken(fx.stores, editor.username) };
  });
  after(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await fx?.close();
  });

  const rowsWithId = async (productId: string) =>
    ((await fx.db.exec('SELECT product_name FROM products WHERE product_id = ?', [productId])) as { product_name: string }[]);

  it(`when ${RACERS} API clients create the same productId at once, then exactly one 201, the rest 409 naming productId, one row`, async () => {
    const { productId } = buildProduct();
    const answers = await Promise.all(Array.from({ length: RACERS }, (_, i) => postProduct(target, { productId, productName: `racer ${i}` })));
    const statuses = answers.map((a) => a.status).sort();
    assert.deepEqual(statuses, [201, ...Array(RACERS - 1).fill(409)]);
    for (const a of answers.filter((x) => x.status === 409)) assert.equal(JSON.parse(a.body).errors[0].field, 'productId');
    const winner = JSON.parse(answers.find((a) => a.status === 201)!.body) as { productName: string };
    assert.deepEqual(await rowsWithId(productId), [{ product_name: winner.productName }]);
  });

  it(`when ${RACERS} form posts create the same productId at once, then exactly one 303, the rest 409 pages, one row`, async () => {
    const { agent, token } = await formSession(url, editor);
    const { productId } = buildProduct();
    const answers = await Promise.all(
      Array.from({ length: RACERS }, (_, i) =>
        agent.post('/products').type('form').set('Accept', 'text/html').send({ _csrf: token, product_id: productId, product_name: `form racer ${i}` }),
      ),
    );
    assert.deepEqual(answers.map((a) => a.status).sort(), [303, ...Array(RACERS - 1).fill(409)]);
    assert.ok(answers.filter((a) => a.status === 409).every((a) => /already exists/.test(a.text)));
    assert.equal((await rowsWithId(productId)).length, 1);
  });
});
