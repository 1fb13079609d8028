import type { CpuSplit } from './cpu.js';
import type { LoadResult } from './load.js';
import type { Scenario } from './scenarios.js';
import { SCENARIOS } from './scenarios.js';
import type { SideKey } from './sides.js';

/** One side of one scenario at one catalog size: medians of its runs. */
export interface SideResult {
  readonly key: SideKey;
  readonly label: string;
  readonly load: LoadResult;
  /** CPU milliseconds per request of the server (all its processes), the database and wrk. */
  readonly cpu: CpuSplit;
  /** Highest RSS of any single process of the server while measured, in bytes. */
  readonly peakRss: number;
}

export interface Measured {
  readonly size: number;
  readonly scenario: Scenario;
  readonly sides: readonly SideResult[];
  /** Sides of this scenario that could not start, with the reason. */
  readonly missing: ReadonlyMap<SideKey, string>;
}

const APP_SIDES: readonly SideKey[] = ['app', 'app-workers'];
const PEERS: readonly SideKey[] = ['php', 'express', 'http'];

type Metric = 'serverCpu' | 'rps' | 'p99';
const METRIC_NAMES: Record<Metric, string> = { serverCpu: 'server CPU/request', rps: 'req/s', p99: 'p99' };

/** A target comparing an app side with a peer (or another scenario of the app), from issue 13. */
interface RatioTarget {
  readonly scenario: string;
  /** The side judged: the first of these that was measured. */
  readonly sides: readonly SideKey[];
  readonly metric: Metric;
  readonly against: { readonly scenario?: string; readonly side: SideKey; readonly name: string };
  readonly min?: number;
  readonly max?: number;
}

const cpuAgainstExpress = (scenario: string): RatioTarget => ({
  scenario,
  sides: ['app'],
  metric: 'serverCpu',
  against: { side: 'express', name: 'the Express floor' },
  max: 1.25,
});

export const TARGETS: readonly RatioTarget[] = [
  { scenario: 'page', sides: ['app'], metric: 'serverCpu', against: { side: 'php', name: "PHP's" }, max: 1.5 },
  // The signed-in page: measured once a scenario 'page-signed-in' exists (scenarios.ts).
  { scenario: 'page-signed-in', sides: ['app'], metric: 'serverCpu', against: { scenario: 'page', side: 'app', name: 'the anonymous page' }, max: 1.15 },
  // The app may run as many processes as cores for these two.
  { scenario: 'page', sides: ['app-workers', 'app'], metric: 'rps', against: { side: 'php', name: "PHP's" }, min: 1 },
  { scenario: 'page', sides: ['app-workers', 'app'], metric: 'p99', against: { side: 'php', name: "PHP's" }, max: 0.25 },
  cpuAgainstExpress('list'),
  cpuAgainstExpress('get'),
  cpuAgainstExpress('post'),
];

export const LIMITS = { maxReadP99Ms: 50, maxGrowth: 1.5, maxRssBytes: 150 * 1024 * 1024 } as const;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median per metric across runs; errors are summed so none hide. */
export function medianLoad(runs: readonly LoadResult[]): LoadResult {
  return {
    requests: runs.reduce((sum, r) => sum + r.requests, 0),
    seconds: runs.reduce((sum, r) => sum + r.seconds, 0),
    requestsPerSecond: median(runs.map((r) => r.requestsPerSecond)),
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
  };
}

export const medianCpu = (splits: readonly CpuSplit[]): CpuSplit => ({
  serverMs: median(splits.map((s) => s.serverMs)),
  dbMs: median(splits.map((s) => s.dbMs)),
  loadMs: median(splits.map((s) => s.loadMs)),
});

const ms = (n: number) => (Number.isNaN(n) ? '-' : n < 10 ? n.toFixed(2) : n.toFixed(1));
const rps = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
const us = (msPerRequest: number) => (Number.isFinite(msPerRequest) ? Math.round(msPerRequest * 1000).toLocaleString('en-US') : '-');
const times = (ratio: number) => (Number.isFinite(ratio) ? `${ratio.toFixed(2)}x` : '-');
export const sizeLabel = (n: number) => n.toLocaleString('en-US');

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

function value(side: SideResult, metric: Metric): number {
  if (metric === 'serverCpu') return side.cpu.serverMs;
  return metric === 'rps' ? side.load.requestsPerSecond : side.load.p99Ms;
}

/** Every side of every scenario at one size: throughput, latency and where the CPU went. */
export function sizeTable(size: number, measured: readonly Measured[]): string {
  const rows = measured
    .filter((m) => m.size === size)
    .flatMap((m) =>
      m.sides.map((s, i) => [
        i === 0 ? m.scenario.title : '',
        s.label,
        rps(s.load.requestsPerSecond),
        ms(s.load.p50Ms),
        ms(s.load.p99Ms),
        String(s.load.errors),
        us(s.cpu.serverMs),
        us(s.cpu.dbMs),
        us(s.cpu.loadMs),
        mb(s.peakRss),
      ]),
    );
  return `### ${sizeLabel(size)} products\n\n${table(
    ['scenario', 'side', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'server µs/req', 'db µs/req', 'wrk µs/req', 'RSS MB'],
    rows,
  )}`;
}

/** The app's figures divided by each peer's, per scenario. */
export function ratioTable(size: number, measured: readonly Measured[]): string {
  const rows = measured
    .filter((m) => m.size === size)
    .flatMap((m) =>
      m.sides
        .filter((a) => APP_SIDES.includes(a.key))
        .flatMap((app) =>
          m.sides
            .filter((p) => PEERS.includes(p.key))
            .map((peer) => [
              m.scenario.key,
              app.label,
              peer.label,
              times(app.load.requestsPerSecond / peer.load.requestsPerSecond),
              times(app.load.p99Ms / peer.load.p99Ms),
              times(app.cpu.serverMs / peer.cpu.serverMs),
              times(app.cpu.dbMs / peer.cpu.dbMs),
            ]),
        ),
    );
  if (rows.length === 0) return '';
  return `Ratios at ${sizeLabel(size)} products, app ÷ peer (req/s: above 1 is better; p99 and CPU: below 1 is better)\n\n${table(
    ['scenario', 'app', 'peer', 'req/s', 'p99', 'server CPU', 'db CPU'],
    rows,
  )}`;
}

const appSide = (m: Measured | undefined) => m?.sides.find((s) => s.key === 'app');

export function growthTable(small: number, large: number, measured: readonly Measured[]): string {
  const rows = measured
    .filter((m) => m.size === small)
    .flatMap((s) => {
      const l = appSide(measured.find((m) => m.size === large && m.scenario.key === s.scenario.key));
      const a = appSide(s);
      if (!a || !l) return [];
      return [[
        s.scenario.title,
        ms(a.load.p50Ms),
        ms(l.load.p50Ms),
        times(l.load.p50Ms / a.load.p50Ms),
        ms(a.load.p99Ms),
        ms(l.load.p99Ms),
        times(l.load.p99Ms / a.load.p99Ms),
      ]];
    });
  const [a, b] = [sizeLabel(small), sizeLabel(large)];
  return `### Latency from ${a} to ${b} products (app, 1 process)\n\n${table(
    ['scenario', `p50 @${a}`, `p50 @${b}`, 'change', `p99 @${a}`, `p99 @${b}`, 'change'],
    rows,
  )}`;
}

const mark = (ok: boolean) => (ok ? 'met   ' : 'MISSED');

function ratioTargetLines(target: RatioTarget, measured: readonly Measured[], sizes: readonly number[]): string[] {
  const bound = target.max !== undefined ? `<= ${target.max}x` : `>= ${target.min}x`;
  const name = `${target.scenario} ${METRIC_NAMES[target.metric]} ${bound} ${target.against.name}`;
  if (!SCENARIOS.some((s) => s.key === target.scenario)) return [`not measured: ${name} (no '${target.scenario}' scenario yet)`];
  const lines: string[] = [];
  for (const size of sizes) {
    const here = measured.find((m) => m.size === size && m.scenario.key === target.scenario);
    const there = measured.find((m) => m.size === size && m.scenario.key === (target.against.scenario ?? target.scenario));
    if (!here || !there) continue; // a scenario left out with --scenarios
    const side = target.sides.map((k) => here.sides.find((s) => s.key === k)).find((s) => s);
    const peer = there.sides.find((s) => s.key === target.against.side);
    const missing = there.missing.get(target.against.side) ?? here.missing.get(target.sides[0]!);
    if (!side || !peer) {
      if (missing) lines.push(`not measured: ${name} @${sizeLabel(size)} (${missing})`);
      continue;
    }
    const ratio = value(side, target.metric) / value(peer, target.metric);
    const ok = target.max !== undefined ? ratio <= target.max : ratio >= target.min!;
    const figure = (s: SideResult) => (target.metric === 'serverCpu' ? `${us(s.cpu.serverMs)} µs` : target.metric === 'rps' ? rps(s.load.requestsPerSecond) : `${ms(s.load.p99Ms)} ms`);
    lines.push(`${mark(ok)} ${name} @${sizeLabel(size)}: ${side.label} ${figure(side)} vs ${figure(peer)} = ${times(ratio)}`);
  }
  return lines;
}

/** One line per target and size: met or missed, with the figures that decide it. */
export function targetLines(measured: readonly Measured[], sizes: readonly number[]): string[] {
  const lines = TARGETS.flatMap((t) => ratioTargetLines(t, measured, sizes));
  for (const m of measured) {
    const app = appSide(m);
    if (app && m.scenario.kind === 'read') {
      lines.push(`${mark(app.load.p99Ms < LIMITS.maxReadP99Ms)} JSON p99 < ${LIMITS.maxReadP99Ms} ms: ${m.scenario.key} @${sizeLabel(m.size)} ${ms(app.load.p99Ms)} ms`);
    }
    for (const s of m.sides) if (s.load.errors > 0) lines.push(`MISSED no errors: ${m.scenario.key} @${sizeLabel(m.size)} ${s.label}: ${s.load.errors}`);
  }
  const [small, large] = [Math.min(...sizes), Math.max(...sizes)];
  if (small !== large) {
    for (const s of measured.filter((m) => m.size === small && m.scenario.mustNotGrow)) {
      const [a, l] = [appSide(s), appSide(measured.find((m) => m.size === large && m.scenario.key === s.scenario.key))];
      if (!a || !l) continue;
      const growth = l.load.p50Ms / a.load.p50Ms;
      lines.push(`${mark(growth <= LIMITS.maxGrowth)} p50 @${sizeLabel(large)} <= ${LIMITS.maxGrowth}x @${sizeLabel(small)}: ${s.scenario.key} ${times(growth)}`);
    }
  }
  for (const key of APP_SIDES) {
    const sides = measured.flatMap((m) => m.sides.filter((s) => s.key === key));
    if (sides.length === 0) continue;
    const peak = Math.max(...sides.map((s) => s.peakRss));
    lines.push(`${mark(peak < LIMITS.maxRssBytes)} RSS < ${mb(LIMITS.maxRssBytes)} MB per process: ${sides[0]!.label}, peak ${mb(peak)} MB`);
  }
  return lines;
}
