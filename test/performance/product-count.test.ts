import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import supertest from 'supertest';
import { SEARCH_COUNT_CAP } from '../../web/limits.js';
import { memoryStores } from '../../web/stores.js';
import { DuplicateProductIdError, type ProductStore } from '../../web/catalog/product-store.js';
import { Database } from '../../web/mysql/database.js';
import { appWith, memoryFixture, mysqlFixture, silentLogger, type StoreFixture } from '../support/app.js';
import { buildProduct } from '../support/factory.js';
import { createTestDatabase, skipUnlessMysql } from '../support/mysql.js';
import { TEST_CONTEXT } from '../support/auth.js';

/** Creates and removes at once, some of them bound to fail; returns how many products they added net. */
async function churn(store: ProductStore): Promise<number> {
  const made = await Promise.all(Array.from({ length: 30 }, () => store.create(buildProduct(), TEST_CONTEXT)));
  const racers = await Promise.allSettled(
    Array.from({ length: 10 }, () => store.create({ productId: made[0]!.productId, productName: 'duplicate' }, TEST_CONTEXT)),
  );
  assert.ok(racers.every((r) => r.status === 'rejected' && r.reason instanceof DuplicateProductIdError));
  const doomed = made.slice(0, 12).map((p) => p.productId);
  // Each is removed twice at once and one absent ID is removed: only the first removal of each counts.
  const removed = await Promise.all([...doomed, ...doomed, 'never-existed'].map((id) => store.remove(id, TEST_CONTEXT)));
  assert.equal(removed.filter(Boolean).length, doomed.length);
  return made.length - doomed.length;
}

function describeCounting(name: string, open: () => Promise<StoreFixture>, options: { skip: string | false }) {
  describe(`${name} store: counting`, options, () => {
    let fixture: StoreFixture;
    before(async () => (fixture = await open()));
    after(async () => fixture?.close());

    it('when products are created and removed concurrently, duplicates and repeats included, then the count follows exactly', async () => {
      const before = await fixture.store.count();
      const added = await churn(fixture.store);
      assert.equal(await fixture.store.count(), before + added);
    });

    it('when matches are counted with atMost, then the count stops there and is exact below it', async () => {
      const tag = `cap${Date.now()}`;
      for (let i = 0; i < 5; i++) await fixture.store.create(buildProduct({ productName: `${tag} ${i}` }), TEST_CONTEXT);
      assert.equal(await fixture.store.count(tag, 3), 3);
      assert.equal(await fixture.store.count(tag, 6), 5);
      assert.equal(await fixture.store.count(tag), 5);
    });
  });
}

describeCounting('memory', async () => memoryFixture(), { skip: false });
describeCounting('mysql', () => mysqlFixture(), await skipUnlessMysql());

describe('the MySQL count kept in product_counts', await skipUnlessMysql(), () => {
  it('when concurrent writes settle, then the kept count equals COUNT(*) of the products not in the trash', async () => {
    const fixture = await mysqlFixture();
    try {
      await churn(fixture.store);
      await churn(fixture.store);
      const [row] = (await fixture.db.exec('SELECT COUNT(*) AS n FROM products WHERE deleted_at IS NULL')) as { n: number }[];
      assert.equal(await fixture.store.count(), Number(row!.n));
    } finally {
      await fixture.close();
    }
  });

  it('when an existing table with rows is adopted, then migration 003 counts them', async () => {
    const db = await createTestDatabase('pc_count');
    const database = new Database(db.config, silentLogger);
    try {
      await db.exec('CREATE TABLE products (product_name VARCHAR(10), product_id VARCHAR(11))');
      await db.exec("INSERT INTO products VALUES ('Tea', 'T1'), ('Coffee', 'C1'), ('Milk', 'M1')");
      await database.start();
      assert.equal(await database.stores.products.count(), 3);
      await database.stores.products.create(buildProduct(), TEST_CONTEXT);
      assert.equal(await database.stores.products.count(), 4);
    } finally {
      await database.close();
      await db.drop();
    }
  });
});

describe('the page count of a search', () => {
  const stores = memoryStores();
  const store = stores.products;
  const app = appWith(stores);
  const countText = async (q: string) => /<span class="count">\(?([^<)]*)\)?<\/span>/.exec((await supertest(app).get('/').query({ q }).expect(200)).text)?.[1];

  it(`when more than ${SEARCH_COUNT_CAP} products match, then the page says "${SEARCH_COUNT_CAP.toLocaleString('en-US')}+ matching"`, async () => {
    for (let i = 0; i <= SEARCH_COUNT_CAP; i++) await store.create(buildProduct({ productName: `Honey jar ${i}` }), TEST_CONTEXT);
    assert.equal(await countText('honey'), `${SEARCH_COUNT_CAP.toLocaleString('en-US')}+ matching`);
  });

  it('when the matches fill more than one page but fewer than the cap, then the exact count is shown', async () => {
    for (let i = 0; i < 25; i++) await store.create(buildProduct({ productName: `Quince ${i}` }), TEST_CONTEXT);
    assert.equal(await countText('quince'), '25 matching');
  });

  it('when the matches fit on one page, then they are counted from the page itself', async () => {
    await store.create(buildProduct({ productName: 'Saffron' }), TEST_CONTEXT);
    await store.create(buildProduct({ productName: 'Saffron tea' }), TEST_CONTEXT);
    assert.equal(await countText('saffron'), '2 matching');
    assert.equal(await countText('no such thing'), '0 matching');
  });
});
