import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { MIGRATIONS_DIR } from '../../db/migrate.js';
import { buildProduct } from '../support/factory.js';
import { postProduct } from './support/http.js';
import { faultSuite } from './support/suite.js';

const DATABASE = 'catalog_fault4';
const PROCESSES = 3;

describe('fault 4: several app processes start at once on an empty server', () => {
  const suite = faultSuite();

  it('when they race to create the database and migrate, then each migration is applied exactly once and all of them serve', async () => {
    const versions = (await readdir(MIGRATIONS_DIR)).filter((f) => /^\d+_[\w-]+\.sql$/.test(f)).map((f) => f.slice(0, -4)).sort();
    const apps = await Promise.all(Array.from({ length: PROCESSES }, () => suite.startApp(DATABASE, { LOG_LEVEL: 'info' })));
    await Promise.all(apps.map((a) => a.waitReady()));

    const recorded = await suite.db.query<{ version: string }[]>('SELECT version FROM schema_migrations ORDER BY version', [], DATABASE);
    assert.deepEqual(recorded.map((r) => r.version), versions);
    // Each process logs the migrations it applied; together they applied each version once.
    const appliedByLogs = apps.flatMap((a) => [...a.output.matchAll(/"version":"([^"]+)","msg":"applied migration"/g)].map((m) => m[1]));
    assert.deepEqual(appliedByLogs.sort(), versions);

    // Every process serves the one schema: a write through one is read through the others.
    const product = buildProduct();
    assert.equal((await postProduct({ url: apps[0]!.url, token: await apps[0]!.token() }, product)).status, 201);
    for (const app of apps) assert.equal((await fetch(`${app.url}/api/products/${product.productId}`)).status, 200);
    assert.ok(apps.every((a) => a.running));
  });
});
