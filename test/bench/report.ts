import type { CpuSplit } from './cpu.js';
import type { LoadResult } from './load.js';
import type { Scenario } from './scenarios.js';

/** One scenario at one catalog size: the medians of the app's and the raw driver's runs. */
export interface Measured {
  readonly size: number;
  readonly scenario: Scenario;
  readonly app: LoadResult;
  readonly raw: LoadResult;
  /** Highest app RSS sampled while this scenario ran, in bytes. */
  readonly peakRss: number;
  /** CPU per request of the app, the database and the client (autocannon), over HTTP. */
  readonly appCpu: CpuSplit;
  /** CPU per request of the database and the client (the raw driver), without HTTP. */
  readonly rawCpu: CpuSplit;
}

export const TARGETS = { minRatio: 0.5, maxReadP99Ms: 50, maxGrowth: 1.5, maxRssBytes: 150 * 1024 * 1024 } as const;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median per metric across runs; errors are summed so none hide. */
export function medianResult(runs: readonly LoadResult[]): LoadResult {
  return {
    requestsPerSecond: median(runs.map((r) => r.requestsPerSecond)),
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
  };
}

const ms = (n: number) => (Number.isNaN(n) ? '-' : n < 10 ? n.toFixed(2) : n.toFixed(1));
const rps = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
export const sizeLabel = (n: number) => n.toLocaleString('en-US');

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

export function sizeTable(size: number, measured: readonly Measured[]): string {
  const rows = measured
    .filter((m) => m.size === size)
    .map((m) => [
      m.scenario.title,
      rps(m.app.requestsPerSecond),
      ms(m.app.p50Ms),
      ms(m.app.p99Ms),
      String(m.app.errors),
      rps(m.raw.requestsPerSecond),
      ms(m.raw.p50Ms),
      ms(m.raw.p99Ms),
      (m.app.requestsPerSecond / m.raw.requestsPerSecond).toFixed(2),
      mb(m.peakRss),
    ]);
  return `### ${sizeLabel(size)} products\n\n${table(
    ['scenario', 'app req/s', 'p50 ms', 'p99 ms', 'errors', 'raw req/s', 'raw p50', 'raw p99', 'app/raw', 'RSS MB'],
    rows,
  )}`;
}

const us = (msPerRequest: number) => (Number.isFinite(msPerRequest) ? Math.round(msPerRequest * 1000).toLocaleString('en-US') : '-');

/** Where the shared cores go: CPU microseconds per request, by process. */
export function cpuTable(size: number, measured: readonly Measured[]): string {
  const rows = measured
    .filter((m) => m.size === size)
    .map((m) => [
      m.scenario.title,
      us(m.appCpu.appMs),
      us(m.appCpu.dbMs),
      us(m.appCpu.clientMs),
      us(m.appCpu.appMs + m.appCpu.dbMs + m.appCpu.clientMs),
      us(m.rawCpu.dbMs),
      us(m.rawCpu.clientMs),
      us(m.rawCpu.dbMs + m.rawCpu.clientMs),
    ]);
  return `CPU µs per request, ${sizeLabel(size)} products (HTTP side: app, database, autocannon; raw side: database, driver)\n\n${table(
    ['scenario', 'app', 'db', 'autocannon', 'HTTP total', 'raw db', 'raw driver', 'raw total'],
    rows,
  )}`;
}

export function growthTable(small: number, large: number, measured: readonly Measured[]): string {
  const at = (size: number, key: string) => measured.find((m) => m.size === size && m.scenario.key === key);
  const rows = measured
    .filter((m) => m.size === small)
    .flatMap((s) => {
      const l = at(large, s.scenario.key);
      if (!l) return [];
      return [[
        s.scenario.title,
        ms(s.app.p50Ms),
        ms(l.app.p50Ms),
        `${(l.app.p50Ms / s.app.p50Ms).toFixed(2)}x`,
        ms(s.app.p99Ms),
        ms(l.app.p99Ms),
        `${(l.app.p99Ms / s.app.p99Ms).toFixed(2)}x`,
      ]];
    });
  const a = sizeLabel(small);
  const b = sizeLabel(large);
  return `### Latency from ${a} to ${b} products (app)\n\n${table(
    ['scenario', `p50 @${a}`, `p50 @${b}`, 'change', `p99 @${a}`, `p99 @${b}`, 'change'],
    rows,
  )}`;
}

/** One line per target: met or missed, with the figure that decides it. */
export function targetLines(measured: readonly Measured[], sizes: readonly number[]): string[] {
  const lines: string[] = [];
  const mark = (ok: boolean) => (ok ? 'met   ' : 'MISSED');
  for (const m of measured) {
    const ratio = m.app.requestsPerSecond / m.raw.requestsPerSecond;
    const where = `${m.scenario.key} @${sizeLabel(m.size)}`;
    if (m.scenario.kind === 'read' || m.scenario.kind === 'write') {
      lines.push(`${mark(ratio >= TARGETS.minRatio)} app/raw >= ${TARGETS.minRatio}: ${where} ${ratio.toFixed(2)}`);
    }
    if (m.scenario.kind === 'read') {
      lines.push(`${mark(m.app.p99Ms < TARGETS.maxReadP99Ms)} p99 < ${TARGETS.maxReadP99Ms} ms: ${where} ${ms(m.app.p99Ms)} ms`);
    }
    if (m.app.errors > 0) lines.push(`MISSED no errors: ${where} ${m.app.errors}`);
  }
  const small = Math.min(...sizes);
  const large = Math.max(...sizes);
  if (small !== large) {
    for (const s of measured.filter((m) => m.size === small && m.scenario.mustNotGrow)) {
      const l = measured.find((m) => m.size === large && m.scenario.key === s.scenario.key);
      if (!l) continue;
      const growth = l.app.p50Ms / s.app.p50Ms;
      lines.push(`${mark(growth <= TARGETS.maxGrowth)} p50 growth <= ${TARGETS.maxGrowth}x: ${s.scenario.key} ${growth.toFixed(2)}x`);
    }
  }
  const peak = Math.max(...measured.map((m) => m.peakRss));
  lines.push(`${mark(peak < TARGETS.maxRssBytes)} app RSS < ${mb(TARGETS.maxRssBytes)} MB: peak ${mb(peak)} MB`);
  return lines;
}
