import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createPool } from 'mysql2/promise';
import { MysqlRunner } from '../../web/mysql/runner.js';
import { mysqlStores } from '../../web/stores.js';
import { createAccount, createToken } from '../support/auth.js';
import { TEST_SERVER } from '../support/mysql.js';
import { rssOf, sampleRss } from './cpu.js';
import { startSides, type Side } from './sides.js';
import { seedDatabase } from './seed.js';

const MIB = 1024 * 1024;

export interface TransferBenchOptions {
  /** Products in the catalog that is exported. */
  readonly exportSize: number;
  /** Rows in the file that is imported into an empty catalog. */
  readonly importRows: number;
  readonly databasePrefix: string;
  readonly poolSize: number;
  /** Reuse (and keep) the seeded export database. */
  readonly keep: boolean;
  /** The node binary the app runs on. */
  readonly node: string;
}

interface Measured {
  readonly seconds: number;
  readonly rows: number;
  readonly bytes: number;
  readonly baselineRss: number;
  readonly peakRss: number;
}

/** Runs `work` while sampling the app's RSS every 50 ms. */
async function withRss<T>(app: Side, work: () => Promise<T>): Promise<{ value: T; seconds: number; baselineRss: number; peakRss: number }> {
  const baselineRss = await rssOf(app.pid);
  const sampler = await sampleRss(app.pid, 50);
  const started = performance.now();
  const value = await work();
  const seconds = (performance.now() - started) / 1000;
  return { value, seconds, baselineRss, peakRss: await sampler.stop() };
}

/** Downloads the whole export, counting lines and bytes as they come (the client keeps none of it). */
async function download(app: Side, format: 'csv' | 'ndjson'): Promise<Measured> {
  const measured = await withRss(app, async () => {
    const res = await fetch(`${app.url}/api/products/export?format=${format}`);
    if (res.status !== 200 || !res.body) throw new Error(`export answered ${res.status}`);
    let bytes = 0;
    let lines = 0;
    for await (const chunk of res.body) {
      bytes += chunk.length;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
    }
    return { bytes, rows: format === 'csv' ? lines - 1 : lines };
  });
  return { seconds: measured.seconds, baselineRss: measured.baselineRss, peakRss: measured.peakRss, ...measured.value };
}

/** Imports `rows` new products as one CSV file through the API, as an editor. */
async function upload(app: Side, token: string, rows: number): Promise<Measured> {
  const lines = ['product_id,product_name,created_at'];
  for (let i = 1; i <= rows; i++) lines.push(`imported-${i},Imported product number ${i},2026-01-01T00:00:00.000Z`);
  const file = Buffer.from(`${lines.join('\r\n')}\r\n`);
  const measured = await withRss(app, async () => {
    const res = await fetch(`${app.url}/api/products/import`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', authorization: `Bearer ${token}` },
      body: file,
    });
    const report = (await res.json()) as { created?: number; detail?: string };
    if (res.status !== 200 || report.created !== rows) throw new Error(`import answered ${res.status}: ${JSON.stringify(report).slice(0, 300)}`);
    return report.created;
  });
  return { seconds: measured.seconds, rows: measured.value, bytes: file.length, baselineRss: measured.baselineRss, peakRss: measured.peakRss };
}

/** An editor's API token in `database`, made through the stores as the tests make theirs. */
async function editorToken(database: string): Promise<string> {
  const pool = createPool({ ...TEST_SERVER, database, connectionLimit: 2, charset: 'utf8mb4_unicode_ci', timezone: 'Z' });
  try {
    const stores = mysqlStores(new MysqlRunner(pool, () => true, { acquireMs: 10_000, queryMs: 10_000 }));
    const account = await createAccount(stores, 'editor', 'bench-editor');
    return await createToken(stores, account.username);
  } finally {
    await pool.end();
  }
}

const mib = (bytes: number) => (bytes / MIB).toFixed(0);
const line = (what: string, m: Measured) =>
  `| ${what} | ${m.rows.toLocaleString('en-US')} | ${mib(m.bytes)} MiB | ${m.seconds.toFixed(1)} s | ${Math.round(m.rows / m.seconds).toLocaleString('en-US')} | ${mib(m.baselineRss)} → ${mib(m.peakRss)} MiB |`;

/**
 * Export of `exportSize` products (CSV and NDJSON) and import of `importRows` rows into an
 * empty catalog, against the built app (the image's node flags) and the local MariaDB, with
 * the app's RSS sampled every 50 ms. Returns the report's lines (Markdown).
 */
export async function benchTransfer(options: TransferBenchOptions): Promise<string[]> {
  const lines = ['### Export and import', '', '| run | rows | file | time | rows/s | app RSS (before → peak) |', '|---|---:|---:|---:|---:|---:|'];
  const exported = await seedDatabase(`${options.databasePrefix}_export_${options.exportSize}`, options.exportSize, options.keep);
  const startApp = async (database: string) =>
    (await startSides(['app'], { database, poolSize: options.poolSize, workers: 1, cpuProfDir: undefined, node: options.node })).started.get('app')!;
  let app = await startApp(exported.name);
  try {
    console.error(`transfer: exporting ${options.exportSize.toLocaleString('en-US')} products ...`);
    for (const format of ['csv', 'ndjson'] as const) lines.push(line(`export ${format}`, await download(app, format)));
  } finally {
    await app.stop();
    if (!options.keep) await exported.drop();
  }
  const empty = await seedDatabase(`${options.databasePrefix}_import`, 0, false);
  try {
    const token = await editorToken(empty.name);
    app = await startApp(empty.name);
    try {
      console.error(`transfer: importing ${options.importRows.toLocaleString('en-US')} rows ...`);
      lines.push(line('import csv', await upload(app, token, options.importRows)));
    } finally {
      await app.stop();
    }
  } finally {
    await empty.drop();
  }
  lines.push('', 'Targets: export RSS under 150 MB; import of 100,000 rows within 10 s.');
  return lines;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      'export-size': { type: 'string', default: '1000000' },
      'import-rows': { type: 'string', default: '100000' },
      keep: { type: 'boolean', default: false },
    },
  });
  execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
  const lines = await benchTransfer({
    exportSize: Number(values['export-size']),
    importRows: Number(values['import-rows']),
    databasePrefix: 'pc_bench',
    poolSize: 10,
    keep: values.keep,
    node: process.execPath,
  });
  console.log(lines.join('\n'));
}
