import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import type { SideKey } from './sides.js';

/** How one `npm run bench` runs; every number can be set on the command line. */
export interface BenchOptions {
  readonly sizes: readonly number[];
  /** Seconds each measurement drives load (wrk takes whole seconds). */
  readonly durationSeconds: number;
  /** Seconds of load before each measurement, thrown away (JIT, buffer pool, pools, prefork children). */
  readonly warmupSeconds: number;
  readonly connections: number;
  /** wrk threads. */
  readonly threads: number;
  /** Measurements per scenario and side, sides alternating; the tables quote their median. */
  readonly runs: number;
  /** MySQL pool size of the app (per worker) and of the floors. */
  readonly poolSize: number;
  /** WEB_CONCURRENCY of the "app, N workers" side; 1 leaves that side out. */
  readonly workers: number;
  readonly scenarios: readonly string[] | undefined;
  /** Peers to leave out. */
  readonly without: readonly SideKey[];
  /** Keep the seeded databases for the next run instead of dropping them. */
  readonly keep: boolean;
  /** Directory for the app's --cpu-prof output; unset: no profile. */
  readonly cpuProfDir: string | undefined;
  readonly databasePrefix: string;
  /** The node binary the app and the floors run on. */
  readonly node: string;
}

const USAGE = `Usage: npm run bench -- [options]
  --short               1,000 and 100,000 products, 1 run of 1 s each: about two minutes
  --sizes 1000,1000000  catalog sizes to seed and measure
  --duration 5          seconds per measurement (whole seconds)
  --warmup 1            seconds of unmeasured load before each measurement (whole seconds)
  --connections 32      concurrent HTTP connections (wrk -c)
  --threads 2           wrk threads (wrk -t)
  --runs 3              measurements per scenario and side, alternating (median is reported)
  --pool 10             MySQL pool size of the app (per worker) and of the floors
  --workers auto        WEB_CONCURRENCY of the "app, N workers" side (auto: one per CPU; 1: no such side)
  --scenarios a,b       only these scenarios (list, deep, get, page, page-signed-in, search, post, transfer)
  --without php,http    leave these peers out (php, express, http)
  --keep                keep the seeded bench databases for reruns
  --cpu-prof DIR        start the app with --cpu-prof, profiles written to DIR
  --db-prefix pc_bench  bench database name prefix (one database per size)

The PHP peer needs apache2, libapache2-mod-php and php-mysql, and wrk is needed for the load:
when missing, they are installed with apt-get (as root), and the bench says so first.`;

function positive(name: string, raw: string | undefined, fallback: number, { whole = false } = {}): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || (whole && !Number.isInteger(n))) {
    throw new Error(`--${name} must be a positive${whole ? ' whole' : ''} number, got '${raw}'\n\n${USAGE}`);
  }
  return n;
}

const PEER_KEYS: readonly SideKey[] = ['php', 'express', 'http'];

export function parseOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      short: { type: 'boolean', default: false },
      sizes: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      threads: { type: 'string' },
      runs: { type: 'string' },
      pool: { type: 'string' },
      workers: { type: 'string', default: 'auto' },
      scenarios: { type: 'string' },
      without: { type: 'string' },
      keep: { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
      'db-prefix': { type: 'string', default: 'pc_bench' },
      node: { type: 'string', default: process.execPath },
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
    .map((s) => positive('sizes', s.replace(/_/g, ''), 0, { whole: true }));
  if (!/^[A-Za-z0-9_]{1,40}$/.test(values['db-prefix'])) throw new Error('--db-prefix must be letters, digits or _');
  const without = (values.without?.split(',') ?? []) as SideKey[];
  for (const key of without) if (!PEER_KEYS.includes(key)) throw new Error(`--without takes ${PEER_KEYS.join(', ')}; got '${key}'`);
  return {
    sizes,
    durationSeconds: positive('duration', values.duration, short ? 1 : 5, { whole: true }),
    warmupSeconds: positive('warmup', values.warmup, 1, { whole: true }),
    connections: positive('connections', values.connections, 32, { whole: true }),
    threads: positive('threads', values.threads, 2, { whole: true }),
    runs: positive('runs', values.runs, short ? 1 : 3, { whole: true }),
    poolSize: positive('pool', values.pool, 10, { whole: true }),
    workers: values.workers === 'auto' ? availableParallelism() : positive('workers', values.workers, 1, { whole: true }),
    scenarios: values.scenarios?.split(','),
    without,
    keep: values.keep,
    cpuProfDir: values['cpu-prof'],
    databasePrefix: values['db-prefix'],
    node: values.node,
  };
}
