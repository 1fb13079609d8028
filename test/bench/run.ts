import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { createPool, type Pool } from 'mysql2/promise';
import { TEST_SERVER } from '../support/mysql.js';
import { sampleRss, startApp, type AppProcess } from './app-process.js';
import { databasePid, measureCpu, type CpuSplit } from './cpu.js';
import { httpLoad, rawLoad, type LoadResult } from './load.js';
import { parseOptions, type BenchOptions } from './options.js';
import { cpuTable, growthTable, median, medianResult, sizeLabel, sizeTable, targetLines, type Measured } from './report.js';
import { SCENARIOS, type Scenario } from './scenarios.js';
import { seedDatabase } from './seed.js';
import { benchTransfer } from './transfer.js';

async function measureScenario(
  scenario: Scenario,
  size: number,
  app: AppProcess,
  pool: Pool,
  options: BenchOptions,
): Promise<Measured> {
  const { connections, durationSeconds, warmupSeconds } = options;
  const http = scenario.http(size);
  const raw = scenario.raw(size);
  const appRuns: LoadResult[] = [];
  const rawRuns: LoadResult[] = [];
  const appCpu: CpuSplit[] = [];
  const rawCpu: CpuSplit[] = [];
  const perRequest = (cpu: CpuSplit, result: LoadResult): CpuSplit => {
    const requests = result.requestsPerSecond * durationSeconds;
    return { appMs: cpu.appMs / requests, dbMs: cpu.dbMs / requests, clientMs: cpu.clientMs / requests };
  };
  const pids = { app: app.pid, db: databasePid() };
  let peakRss = 0;
  // Alternate the sides, so a slow spell of this shared machine falls on both.
  for (let run = 0; run < options.runs; run++) {
    await httpLoad(app.url, http, connections, warmupSeconds);
    const sampler = sampleRss(() => app.rss());
    const [appResult, appSplit] = await measureCpu(pids, () => httpLoad(app.url, http, connections, durationSeconds));
    appRuns.push(appResult);
    appCpu.push(perRequest(appSplit, appResult));
    peakRss = Math.max(peakRss, await sampler.stop());
    await rawLoad(pool, raw, connections, warmupSeconds);
    const [rawResult, rawSplit] = await measureCpu({ db: pids.db }, () => rawLoad(pool, raw, connections, durationSeconds));
    rawRuns.push(rawResult);
    rawCpu.push(perRequest(rawSplit, rawResult));
  }
  const medianCpu = (splits: CpuSplit[]): CpuSplit => ({
    appMs: median(splits.map((s) => s.appMs)),
    dbMs: median(splits.map((s) => s.dbMs)),
    clientMs: median(splits.map((s) => s.clientMs)),
  });
  return {
    size,
    scenario,
    app: medianResult(appRuns),
    raw: medianResult(rawRuns),
    peakRss,
    appCpu: medianCpu(appCpu),
    rawCpu: medianCpu(rawCpu),
  };
}

async function measureSize(size: number, scenarios: readonly Scenario[], options: BenchOptions): Promise<Measured[]> {
  const t0 = performance.now();
  const db = await seedDatabase(`${options.databasePrefix}_${size}`, size, options.keep);
  console.error(
    db.seedSeconds ? `seeded ${sizeLabel(size)} products in ${db.seedSeconds.toFixed(1)} s` : `reused the kept ${db.name}`,
  );
  const app = await startApp(db.name, options.poolSize, options.cpuProfDir);
  const pool = createPool({
    ...TEST_SERVER,
    database: db.name,
    connectionLimit: options.poolSize,
    maxIdle: options.poolSize,
    charset: 'utf8mb4_unicode_ci',
    timezone: 'Z',
  });
  const measured: Measured[] = [];
  try {
    for (const scenario of scenarios) {
      measured.push(await measureScenario(scenario, size, app, pool, options));
      const m = measured.at(-1)!;
      console.error(
        `  ${sizeLabel(size)} ${scenario.key}: app ${Math.round(m.app.requestsPerSecond)} req/s, raw ${Math.round(m.raw.requestsPerSecond)} req/s`,
      );
    }
  } finally {
    await app.stop();
    await pool.end();
    if (!options.keep) await db.drop();
  }
  console.error(`  ${sizeLabel(size)} done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  return measured;
}

function machine(options: BenchOptions): string {
  const cpu = cpus();
  const version = execFileSync('mysql', ['-h', TEST_SERVER.host, '-u', TEST_SERVER.user, '-N', '-e', 'SELECT VERSION()'], {
    encoding: 'utf8',
    env: { ...process.env, MYSQL_PWD: TEST_SERVER.password },
  }).trim();
  return [
    `Machine: ${cpu.length} x ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM; Node ${process.version}; database ${version}.`,
    'The load generator, the app and the database share these cores, so absolute figures are low and noisy; compare ratios.',
    `Settings: ${options.connections} connections, pool ${options.poolSize}, ${options.durationSeconds} s x ${options.runs} run(s) per side ` +
      `(+${options.warmupSeconds} s warm-up each), medians reported.`,
  ].join('\n');
}

async function main() {
  const options = parseOptions(process.argv.slice(2));
  const started = performance.now();
  const chosen = SCENARIOS.filter((s) => !options.scenarios || options.scenarios.includes(s.key));
  const transfer = !options.scenarios || options.scenarios.includes('transfer');
  if (chosen.length === 0 && !transfer) throw new Error(`no such scenario; choose from ${SCENARIOS.map((s) => s.key).join(', ')}, transfer`);
  console.error('building the app (npm run build) ...');
  execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
  const largest = Math.max(...options.sizes);
  const transferLines = () => benchTransfer({ ...options, exportSize: largest, importRows: Math.min(100_000, largest) });
  if (chosen.length === 0) return console.log([machine(options), '', ...(await transferLines())].join('\n'));

  const measured: Measured[] = [];
  for (const size of options.sizes) measured.push(...(await measureSize(size, chosen, options)));

  const sizes = [...options.sizes].sort((a, b) => a - b);
  const out = [machine(options), '', ...sizes.map((size) => `${sizeTable(size, measured)}\n\n${cpuTable(size, measured)}\n`)];
  if (sizes.length > 1) out.push(growthTable(sizes[0]!, sizes.at(-1)!, measured), '');
  out.push('### Targets', '', ...targetLines(measured, sizes).map((l) => `    ${l}`), '');
  if (transfer) out.push(...(await transferLines()), '');
  out.push(`Total time ${((performance.now() - started) / 1000).toFixed(0)} s.`);
  console.log(out.join('\n'));
}

await main();
