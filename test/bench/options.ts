import { parseArgs } from 'node:util';

/** How one `npm run bench` runs; every number can be set on the command line. */
export interface BenchOptions {
  readonly sizes: readonly number[];
  /** Seconds each measurement drives load. */
  readonly durationSeconds: number;
  /** Seconds of load before each measurement, thrown away (JIT, buffer pool, pool connections). */
  readonly warmupSeconds: number;
  readonly connections: number;
  /** Measurements per scenario and side; the tables quote their median. */
  readonly runs: number;
  /** Connection pool size, the same for the app and the raw driver. */
  readonly poolSize: number;
  readonly scenarios: readonly string[] | undefined;
  /** Keep the seeded databases for the next run instead of dropping them. */
  readonly keep: boolean;
  /** Directory for the app's --cpu-prof output; unset: no profile. */
  readonly cpuProfDir: string | undefined;
  readonly databasePrefix: string;
}

const USAGE = `Usage: npm run bench -- [options]
  --short               1,000 and 100,000 products, 1 run of 1 s each: under a minute
  --sizes 1000,1000000  catalog sizes to seed and measure
  --duration 5          seconds per measurement
  --warmup 1            seconds of unmeasured load before each measurement
  --connections 32      concurrent HTTP connections, and concurrent raw callers
  --runs 3              measurements per scenario and side (median is reported)
  --pool 10             MySQL pool size for the app and for the raw driver
  --scenarios a,b       only these scenarios (list, deep, get, post, page, transfer)
  --keep                keep the seeded bench databases for reruns
  --cpu-prof DIR        start the app with --cpu-prof, profiles written to DIR
  --db-prefix pc_bench  bench database name prefix (one database per size)`;

function positive(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got '${raw}'\n\n${USAGE}`);
  return n;
}

export function parseOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      short: { type: 'boolean', default: false },
      sizes: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      runs: { type: 'string' },
      pool: { type: 'string' },
      scenarios: { type: 'string' },
      keep: { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
      'db-prefix': { type: 'string', default: 'pc_bench' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const short = values.short;
  const sizes = (values.sizes ?? (short ? '1000,100000' : '1000,1000000'))
    .split(',')
    .map((s) => positive('sizes', s.replace(/_/g, ''), 0));
  if (!/^[A-Za-z0-9_]{1,40}$/.test(values['db-prefix'])) throw new Error('--db-prefix must be letters, digits or _');
  return {
    sizes,
    durationSeconds: positive('duration', values.duration, short ? 1 : 5),
    warmupSeconds: positive('warmup', values.warmup, short ? 0.5 : 1),
    connections: Math.round(positive('connections', values.connections, 32)),
    runs: Math.round(positive('runs', values.runs, short ? 1 : 3)),
    poolSize: Math.round(positive('pool', values.pool, 10)),
    scenarios: values.scenarios?.split(','),
    keep: values.keep,
    cpuProfDir: values['cpu-prof'],
    databasePrefix: values['db-prefix'],
  };
}
