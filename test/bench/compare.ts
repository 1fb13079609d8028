import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '../support/process.js';
import { databasePid, measureCpu, rssOf, sampleRss, type CpuSplit } from './cpu.js';
import { ensureWrk, wrkLoad, type LoadResult } from './load.js';
import { median } from './report.js';
import { SCENARIOS } from './scenarios.js';
import { seedDatabase } from './seed.js';
import { startServer, type ServerProcess } from './server-process.js';
import { imageNodeFlags, nodeEnv } from './sides.js';

/*
 * Two builds of the app side by side, for a before/after figure of one change on this noisy
 * shared machine: both run at once on the same database, with the image's node flags, and are
 * loaded in turn (A B A B ...), each measurement after a warm-up; medians of the runs.
 *
 *   git worktree add /tmp/before <commit> && ln -s $PWD/node_modules /tmp/before/ && (cd /tmp/before && npx tsc -p tsconfig.build.json && cp -R web/views dist/web/)
 *   npx tsx test/bench/compare.ts --before /tmp/before --scenarios page,get --runs 7
 */

const { values } = parseArgs({
  options: {
    before: { type: 'string' },
    after: { type: 'string', default: '.' },
    scenarios: { type: 'string', default: 'page,get' },
    runs: { type: 'string', default: '5' },
    duration: { type: 'string', default: '4' },
    size: { type: 'string', default: '1000' },
    connections: { type: 'string', default: '32' },
  },
});
if (!values.before) throw new Error('--before <directory of the other build (its dist/web/server.js)> is needed');
const builds = { before: resolve(values.before), after: resolve(values.after) };
for (const dir of Object.values(builds)) if (!existsSync(`${dir}/dist/web/server.js`)) throw new Error(`${dir}/dist/web/server.js is missing: build it first`);
const size = Number(values.size);
const runs = Number(values.runs);
const load = { connections: Number(values.connections), threads: 2, seconds: Number(values.duration) };
const scenarios = values.scenarios.split(',').map((key) => {
  const s = SCENARIOS.find((x) => x.key === key);
  if (!s) throw new Error(`no scenario ${key}`);
  return s;
});

ensureWrk();
const db = await seedDatabase('pc_compare', size, false);
const settings = { database: db.name, poolSize: 10 };
const apps: Record<string, ServerProcess> = {};
try {
  for (const [name, dir] of Object.entries(builds)) {
    const port = await freePort();
    apps[name] = await startServer({
      name: `the app (${name})`,
      command: process.execPath,
      args: [...imageNodeFlags(), `${dir}/dist/web/server.js`],
      env: nodeEnv(settings, port, { WEB_CONCURRENCY: '1' }),
      url: `http://127.0.0.1:${port}`,
      readyPath: '/readyz',
    });
  }
  const dbPid = await databasePid();
  const peakRss: Record<string, number> = { before: 0, after: 0 };
  const idleRss = { before: await rssOf(apps.before!.pid), after: await rssOf(apps.after!.pid) };
  const rows: string[] = [];
  for (const scenario of scenarios) {
    const request = await scenario.request({ size, appUrl: apps.after!.url });
    const results: Record<string, { load: LoadResult; cpu: CpuSplit }[]> = { before: [], after: [] };
    for (let run = 0; run < runs; run++) {
      // Alternate which goes first, so neither always follows the other's warm-up.
      const order = run % 2 ? ['after', 'before'] : ['before', 'after'];
      for (const name of order) {
        const app = apps[name]!;
        await wrkLoad(app.url, request, { ...load, seconds: 1 });
        const rss = await sampleRss(app.pid);
        const [result, cpu] = await measureCpu(app.pid, dbPid, () => wrkLoad(app.url, request, load));
        peakRss[name] = Math.max(peakRss[name]!, await rss.stop());
        results[name]!.push({ load: result, cpu: { serverMs: cpu.serverMs / result.requests, dbMs: cpu.dbMs / result.requests, loadMs: cpu.loadMs / result.requests } });
      }
    }
    const summary = (name: string) => {
      const r = results[name]!;
      return {
        rps: median(r.map((x) => x.load.requestsPerSecond)),
        cpu: median(r.map((x) => x.cpu.serverMs * 1000)),
        each: r.map((x) => Math.round(x.cpu.serverMs * 1000)).join(' '),
      };
    };
    const [b, a] = [summary('before'), summary('after')];
    rows.push(
      `| ${scenario.title} | ${Math.round(b.rps)} | ${Math.round(a.rps)} | ${Math.round(b.cpu)} | ${Math.round(a.cpu)} | ${(a.cpu / b.cpu).toFixed(2)}x |`,
      `|   (server µs/req of each run: before ${b.each}; after ${a.each}) | | | | | |`,
    );
  }
  console.log(`${runs} alternating runs of ${load.seconds} s, ${size} products, wrk -c${load.connections}; load average ${execFileSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).trim()}`);
  console.log('| scenario | req/s before | req/s after | server µs/req before | after | after ÷ before |\n|---|---|---|---|---|---|');
  console.log(rows.join('\n'));
  const mb = (n: number) => `${(n / 2 ** 20).toFixed(0)} MB`;
  console.log(`RSS at start: before ${mb(idleRss.before)}, after ${mb(idleRss.after)}; peak under load: before ${mb(peakRss.before!)}, after ${mb(peakRss.after!)}`);
} finally {
  await Promise.all(Object.values(apps).map((a) => a.stop()));
  await db.drop();
}
