import autocannon from 'autocannon';
import type { Pool } from 'mysql2/promise';
import { replay, type recordCall } from './sql-recorder.js';

/** One measurement of one side (app over HTTP, or raw SQL) of one scenario. */
export interface LoadResult {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
}

export interface HttpRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers?: Record<string, string>;
  /** Called per request, for paths or bodies that must differ (random IDs, unique new IDs). */
  readonly vary?: () => { path?: string; body?: string };
}

/** autocannon's own histogram keeps whole milliseconds; its per-response event has the exact time. */
export async function httpLoad(url: string, request: HttpRequest, connections: number, seconds: number): Promise<LoadResult> {
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections,
        duration: seconds,
        requests: [
          {
            method: request.method,
            path: request.path,
            headers: request.headers,
            ...(request.vary && {
              setupRequest: (req: autocannon.Request) => ({ ...req, ...request.vary!() }),
            }),
          },
        ],
      },
      (error, done) => (error ? reject(error) : resolve(done)),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode < 400) latencies.push(responseTime);
    });
  });
  latencies.sort((a, b) => a - b);
  return {
    requestsPerSecond: result.requests.total / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

type Recorded = Awaited<ReturnType<typeof recordCall>>;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Closed loop like autocannon's: `connections` callers, each sending its next request when the last answered. */
export async function rawLoad(
  pool: Pool,
  nextRequest: () => Promise<Recorded[]>,
  connections: number,
  seconds: number,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        const calls = await nextRequest();
        const t0 = performance.now();
        try {
          await replay(pool, calls);
          latencies.push(performance.now() - t0);
        } catch {
          errors += 1;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    requestsPerSecond: latencies.length / elapsed,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    errors,
  };
}
