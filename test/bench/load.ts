import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aptInstall, which } from './apt.js';

/** One measurement of one side of one scenario, from wrk's own summary. */
export interface LoadResult {
  readonly requests: number;
  readonly seconds: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Connection errors, timeouts and answers that were not 2xx/3xx. */
  readonly errors: number;
}

/** What changes from one request to the next; done inside wrk (Lua) so the load tool stays cheap. */
export type Variation =
  /** GET `pathPrefix` + `idPrefix` + a random number from 1 to `count`. */
  | { readonly kind: 'random-id'; readonly pathPrefix: string; readonly idPrefix: string; readonly count: number }
  /** A JSON body { productId, productName } with an ID no other request of any run used. */
  | { readonly kind: 'new-product'; readonly idPrefix: string };

export interface HttpRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly vary?: Variation;
}

export interface LoadSettings {
  readonly connections: number;
  readonly threads: number;
  readonly seconds: number;
}

/** A Lua string literal for ASCII text (JSON's escapes for quotes and backslashes are Lua's too). */
function lua(text: string): string {
  if (!/^[\x20-\x7e]*$/.test(text)) throw new Error(`wrk scripts take printable ASCII only: ${JSON.stringify(text)}`);
  return JSON.stringify(text);
}

let runs = 0;
const runTag = Date.now().toString(36);

/** The wrk script: the request (fixed, or varied per request) and a machine-readable summary line. */
function wrkScript(request: HttpRequest): string {
  const headers = `{${Object.entries(request.headers ?? {})
    .map(([k, v]) => `[${lua(k)}] = ${lua(v)}`)
    .join(', ')}}`;
  const lines = [
    `wrk.method = ${lua(request.method)}`,
    `wrk.path = ${lua(request.path)}`,
    `wrk.headers = ${headers}`,
    ...(request.body === undefined ? [] : [`wrk.body = ${lua(request.body)}`]),
    'local threads = 0',
    'function setup(thread) threads = threads + 1; thread:set("tid", threads) end',
    'function init(args) math.randomseed(os.time() + 7919 * tid) end',
  ];
  const vary = request.vary;
  if (vary?.kind === 'random-id') {
    lines.push(
      'request = function()',
      `  return wrk.format(nil, ${lua(vary.pathPrefix + vary.idPrefix)} .. math.random(1, ${vary.count}))`,
      'end',
    );
  } else if (vary?.kind === 'new-product') {
    // Unique across threads (tid), wrk runs (run) and bench runs (runTag, the start time).
    const prefix = `${vary.idPrefix}${runTag}-${(runs += 1)}-`;
    lines.push(
      'local n = 0',
      'request = function()',
      '  n = n + 1',
      `  local id = ${lua(prefix)} .. tid .. "-" .. n`,
      '  return wrk.format(nil, nil, nil, \'{"productId":"\' .. id .. \'","productName":"Bench product \' .. n .. \'"}\')',
      'end',
    );
  }
  lines.push(
    'function done(summary, latency, requests)',
    '  local e = summary.errors',
    '  io.write(string.format("WRK_RESULT %d %d %.0f %.0f %d\\n", summary.requests, summary.duration,',
    '    latency:percentile(50), latency:percentile(99), e.connect + e.read + e.write + e.status + e.timeout))',
    'end',
  );
  return lines.join('\n');
}

/** Loads `url` with wrk (closed loop: each connection sends its next request when the last is answered). */
export async function wrkLoad(url: string, request: HttpRequest, settings: LoadSettings): Promise<LoadResult> {
  // wrk reads its script in every thread, from a file.
  const dir = mkdtempSync(join(tmpdir(), 'pc-bench-wrk-'));
  const script = join(dir, 'script.lua');
  writeFileSync(script, wrkScript(request));
  try {
    return await runWrk(url, request, settings, script);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function runWrk(url: string, request: HttpRequest, settings: LoadSettings, script: string): Promise<LoadResult> {
  const args = [
    `-t${Math.min(settings.threads, settings.connections)}`,
    `-c${settings.connections}`,
    `-d${settings.seconds}s`,
    // Count a slow answer in the latency instead of dropping it as a timeout (wrk's default is 2 s).
    '--timeout', '30s',
    '-s', script,
    url,
  ];
  return new Promise((resolve, reject) => {
    execFile('wrk', args, { encoding: 'utf8', maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      const line = /^WRK_RESULT (\d+) (\d+) (\d+) (\d+) (\d+)$/m.exec(stdout);
      if (error || !line) {
        reject(new Error(`wrk failed against ${url}${request.path}: ${error?.message ?? ''}\n${stdout}${stderr}`));
        return;
      }
      const [requests, durationUs, p50Us, p99Us, errors] = line.slice(1).map(Number) as [number, number, number, number, number];
      const seconds = durationUs / 1e6;
      resolve({ requests, seconds, requestsPerSecond: requests / seconds, p50Ms: p50Us / 1000, p99Ms: p99Us / 1000, errors });
    });
  });
}

/** wrk, installed from Debian when missing (the figures came from it). */
export function ensureWrk(): void {
  if (which('wrk')) return;
  aptInstall(['wrk'], 'The load generator');
}
