import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sweepOnce } from '../web/maintenance.js';
import { memoryStores } from '../web/stores.js';
import { TEST_CONTEXT } from './support/auth.js';
import { buildProduct } from './support/factory.js';

const DAY_MS = 86_400_000;

describe('the trash sweep', () => {
  it('when a product has been in the trash exactly TRASH_RETENTION_DAYS, then it stays; a millisecond more, then it is purged', async () => {
    const stores = memoryStores();
    const product = await stores.products.create(buildProduct(), TEST_CONTEXT);
    const { deletedAt } = (await stores.products.remove(product.productId, TEST_CONTEXT))!;
    const settings = { sessionIdleMs: 60_000, auditRetentionDays: 400, trashRetentionDays: 30 };

    const atLimit = await sweepOnce(stores, settings, new Date(deletedAt.getTime() + 30 * DAY_MS));
    assert.equal(atLimit.trashedProducts, 0);
    assert.ok(await stores.products.getTrashed(product.productId));

    const past = await sweepOnce(stores, settings, new Date(deletedAt.getTime() + 30 * DAY_MS + 1));
    assert.equal(past.trashedProducts, 1);
    assert.equal(await stores.products.getTrashed(product.productId), undefined);
  });
});
