import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { processTree } from '../support/process-tree.js';
import { TEST_SERVER } from '../support/mysql.js';
import { databasePid, measureCpu, sampleRss, type CpuSplit } from './cpu.js';
import { ensureWrk, wrkLoad, type HttpRequest, type LoadResult } from './load.js';
import { parseOptions, type BenchOptions } from './options.js';
import { growthTable, medianCpu, medianLoad, ratioTable, sizeLabel, sizeTable, targetLines, type Measured } from './report.js';
import { SCENARIOS, type Scenario } from './scenarios.js';
import { seedDatabase } from './seed.js';
import { benchTransfer } from './transfer.js';
import { startSides, type Side, type SideKey } from './sides.js';

/** Warm-up rounds stop once a round starts no new process (apache's prefork grows its children a few a second). */
const MAX_WARMUP_ROUNDS = 15;

async function warmUp(side: Side, request: HttpRequest, options: BenchOptions): Promise<void> {
  const load = { connections: options.connections, threads: options.threads, seconds: options.warmupSeconds };
  for (let round = 0; round < MAX_WARMUP_ROUNDS; round++) {
    const before = (await processTree(side.pid)).length;
    await wrkLoad(side.url, request, load);
    if ((await processTree(side.pid)).length <= before) return;
  }
}

type Runs = Map<SideKey, { loads: LoadResult[]; cpu: CpuSplit[]; peakRss: number }>;

/** One measurement of one side: wrk's figures, the CPU per request, the peak RSS. */
async function measureOnce(side: Side, request: HttpRequest, dbPid: number | undefined, options: BenchOptions, runs: Runs): Promise<void> {
  const load = { connections: options.connections, threads: options.threads, seconds: options.durationSeconds };
  await warmUp(side, request, options);
  const rss = await sampleRss(side.pid);
  const [result, cpu] = await measureCpu(side.pid, dbPid, () => wrkLoad(side.url, request, load));
  const r = runs.get(side.key)!;
  r.peakRss = Math.max(r.peakRss, await rss.stop());
  r.loads.push(result);
  const perRequest = (total: number) => total / result.requests;
  r.cpu.push({ serverMs: perRequest(cpu.serverMs), dbMs: perRequest(cpu.dbMs), loadMs: perRequest(cpu.loadMs) });
}

/**
 * Measures every scenario's sides in turn, and the scenarios in turn too (run 1 of every
 * scenario, then run 2 ...), so a slow spell of this shared machine falls on all of them and
 * ratios between scenarios (the signed-in page against the anonymous one) are fair too; the
 * writes after all the reads.
 */
async function measureScenarios(
  scenarios: readonly Scenario[],
  size: number,
  sides: ReadonlyMap<SideKey, Side>,
  failed: ReadonlyMap<SideKey, string>,
  dbPid: number | undefined,
  options: BenchOptions,
): Promise<Measured[]> {
  const planned = [];
  for (const scenario of scenarios) {
    const request = await scenario.request({ size, appUrl: sides.get('app')!.url });
    const present = scenario.sides.flatMap((key) => sides.get(key) ?? []);
    const runs: Runs = new Map(present.map((s) => [s.key, { loads: [], cpu: [], peakRss: 0 }]));
    planned.push({ scenario, request, present, runs });
  }
  // The writes go last, each group in rounds of its own: rows they add would otherwise lengthen
  // the search's scan in the read scenarios' later rounds.
  for (const group of [planned.filter((p) => p.scenario.kind !== 'write'), planned.filter((p) => p.scenario.kind === 'write')]) {
    for (let run = 0; run < options.runs; run++) {
      for (const { scenario, request, present, runs } of group) {
        for (const side of present) await measureOnce(side, request, dbPid, options, runs);
        if (run === options.runs - 1) {
          console.error(`  ${sizeLabel(size)} ${scenario.key}: ${present.map((s) => `${s.label} ${Math.round(medianLoad(runs.get(s.key)!.loads).requestsPerSecond)} req/s`).join(', ')}`);
        }
      }
    }
  }
  return planned.map(({ scenario, present, runs }) => ({
    size,
    scenario,
    sides: present.map((s) => {
      const r = runs.get(s.key)!;
      return { key: s.key, label: s.label, load: medianLoad(r.loads), cpu: medianCpu(r.cpu), peakRss: r.peakRss };
    }),
    missing: new Map(scenario.sides.flatMap((key) => (failed.has(key) ? [[key, failed.get(key)!] as const] : []))),
  }));
}

function sidesWanted(scenarios: readonly Scenario[], options: BenchOptions): SideKey[] {
  const keys = new Set(scenarios.flatMap((s) => s.sides));
  keys.add('app');
  if (options.workers <= 1) keys.delete('app-workers');
  for (const key of options.without) keys.delete(key);
  return [...keys];
}

async function measureSize(size: number, scenarios: readonly Scenario[], options: BenchOptions): Promise<Measured[]> {
  const t0 = performance.now();
  const db = await seedDatabase(`${options.databasePrefix}_${size}`, size, options.keep);
  console.error(db.seedSeconds ? `seeded ${sizeLabel(size)} products in ${db.seedSeconds.toFixed(1)} s` : `reused the kept ${db.name}`);
  const { started, failed } = await startSides(sidesWanted(scenarios, options), {
    database: db.name,
    poolSize: options.poolSize,
    workers: options.workers,
    cpuProfDir: options.cpuProfDir,
    node: options.node,
  });
  let measured: Measured[];
  const dbPid = await databasePid();
  if (!dbPid) console.error('  the database server is not a process on this machine: its CPU is not measured');
  try {
    measured = await measureScenarios(scenarios, size, started, failed, dbPid, options);
  } finally {
    await Promise.all([...started.values()].map((s) => s.stop()));
    if (!options.keep) await db.drop();
  }
  console.error(`  ${sizeLabel(size)} done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  return measured;
}

function machine(options: BenchOptions, nodeVersion: string, loadBefore: number[]): string {
  const cpu = cpus();
  const version = execFileSync('mysql', ['-h', TEST_SERVER.host, '-P', String(TEST_SERVER.port), '-u', TEST_SERVER.user, '-N', '-e', 'SELECT VERSION()'], {
    encoding: 'utf8',
    env: { ...process.env, MYSQL_PWD: TEST_SERVER.password },
  }).trim();
  const avg = (l: number[]) => l.map((n) => n.toFixed(1)).join(' ');
  return [
    `Machine: ${cpu.length} x ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM; ` +
      `servers on Node ${nodeVersion}; database ${version}.`,
    `Load average before ${avg(loadBefore)}, after ${avg(loadavg())} (1, 5, 15 min): anything above what this run adds is other work sharing the cores.`,
    'wrk, the servers and the database share these cores, so absolute figures are low and noisy; compare ratios.',
    `Settings: wrk -c${options.connections} -t${options.threads}, pool ${options.poolSize}, ${options.durationSeconds} s x ${options.runs} run(s) per side, ` +
      `sides alternating, each after ${options.warmupSeconds} s of warm-up (repeated while the server is still starting processes); medians reported.`,
  ].join('\n');
}

async function main() {
  // Exit through process.exit, so servers in process groups of their own are stopped too (server-process.ts).
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  const options = parseOptions(process.argv.slice(2));
  const started = performance.now();
  const loadBefore = loadavg();
  const chosen = SCENARIOS.filter((s) => !options.scenarios || options.scenarios.includes(s.key));
  const transfer = !options.scenarios || options.scenarios.includes('transfer');
  if (chosen.length === 0 && !transfer) throw new Error(`no such scenario; choose from ${SCENARIOS.map((s) => s.key).join(', ')}, transfer`);
  const nodeVersion = execFileSync(options.node, ['--version'], { encoding: 'utf8' }).trim();
  ensureWrk();
  console.error('building the app (npm run build) ...');
  execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
  const largest = Math.max(...options.sizes);
  const transferLines = () => benchTransfer({ ...options, exportSize: largest, importRows: Math.min(100_000, largest) });
  if (chosen.length === 0) return console.log([machine(options, nodeVersion, loadBefore), '', ...(await transferLines())].join('\n'));

  const measured: Measured[] = [];
  for (const size of options.sizes) measured.push(...(await measureSize(size, chosen, options)));

  const sizes = [...options.sizes].sort((a, b) => a - b);
  const out = [machine(options, nodeVersion, loadBefore), ''];
  for (const size of sizes) out.push(sizeTable(size, measured), '', ratioTable(size, measured), '');
  if (sizes.length > 1) out.push(growthTable(sizes[0]!, sizes.at(-1)!, measured), '');
  const missing = new Map(measured.flatMap((m) => [...m.missing]));
  for (const [key, reason] of missing) out.push(`Not measured: ${key} (${reason})`);
  out.push('### Targets', '', ...targetLines(measured, sizes).map((l) => `    ${l}`), '');
  if (transfer) out.push(...(await transferLines()), '');
  out.push(`Total time ${((performance.now() - started) / 1000).toFixed(0)} s.`);
  console.log(out.join('\n'));
}

await main();
