import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LabPod } from '../cluster/topology.js';
import { execInPod, inPod, startInPod } from './containers.js';
import type { RunningContainer } from './runtime.js';
import { standinBin } from './runtime.js';
import { hostPathOf, type Mount } from './volumes.js';

/**
 * MariaDB from Debian standing in for the official MySQL image, started the way that image's
 * entrypoint starts mysqld: the image's own paths (datadir /var/lib/mysql, socket
 * /var/run/mysqld/mysqld.sock, which the pod's volumes put in the lab's state dir), and on an
 * empty data directory: MYSQL_*[_FILE] read as the entrypoint reads them, a data directory
 * initialised, a temporary server without networking, time zones, the root password and root
 * host, MYSQL_DATABASE, MYSQL_USER with ALL on that database, then every *.sql of
 * /docker-entrypoint-initdb.d in order on that database, then the real server with the
 * container's arguments. Everything runs inside the pod as the container's user.
 */

const DATADIR = '/var/lib/mysql';
const SOCKET = '/var/run/mysqld/mysqld.sock';
const INITDB_DIR = '/docker-entrypoint-initdb.d';
const MARIADBD = '/usr/sbin/mariadbd';

/** The stand-in's names for the MySQL image's client programs, which its probes call. */
const CLIENT_NAMES = { mysql: '/usr/bin/mariadb', mysqladmin: '/usr/bin/mariadb-admin' };

export interface StandinLog {
  (line: string): void;
}

/** `mysqld` and the options after it, as the entrypoint reads the container's arguments. */
function serverOptions(container: RunningContainer): string[] {
  const argv = [...(container.container.command ?? []), ...(container.container.args ?? [])];
  if (argv[0] === 'mysqld') return argv.slice(1);
  if (argv.length === 0 || argv[0]!.startsWith('-')) return argv;
  throw new Error(`the MySQL stand-in runs mysqld only, not ${argv[0]}`);
}

export async function startMysqlStandin(
  pod: LabPod,
  sandboxPid: number,
  container: RunningContainer,
  mounts: readonly Mount[],
  log: StandinLog,
): Promise<number> {
  const bin = standinBin(pod.name);
  mkdirSync(bin, { recursive: true });
  for (const [name, target] of Object.entries(CLIENT_NAMES)) {
    if (!existsSync(path.join(bin, name))) symlinkSync(target, path.join(bin, name));
  }
  const exec = (argv: readonly string[], options: { input?: string; env?: Record<string, string>; timeoutMs?: number } = {}) =>
    execInPod(sandboxPid, container.identity, { ...container.env, ...options.env }, argv, options);
  const server = [MARIADBD, '--no-defaults', `--datadir=${DATADIR}`, `--socket=${SOCKET}`, ...serverOptions(container)];

  // Never let the stand-in touch another server's files: both folders must be the pod's volumes.
  for (const dir of [DATADIR, path.dirname(SOCKET)]) {
    const own = await exec(['mountpoint', '-q', dir], { timeoutMs: 5000 }).then(() => true, () => false);
    if (!own) throw new Error(`${dir} is not a volume of ${pod.name}; the MySQL image keeps its data and socket there, so the manifests must mount one`);
  }
  const initialised = (await exec(['test', '-d', `${DATADIR}/mysql`], { timeoutMs: 5000 }).then(() => true, () => false));
  if (!initialised) {
    const env = await readEntrypointEnv(container, exec);
    log(`initialising ${DATADIR} (mariadb-install-db) as uid ${container.identity.uid ?? 0}`);
    await exec(['mariadb-install-db', '--no-defaults', `--datadir=${DATADIR}`, '--auth-root-authentication-method=normal', '--skip-test-db', ...serverOptions(container)], { timeoutMs: 120_000 });

    log('starting a temporary server without networking');
    const temporary = startInPod(pod, 'mysql-init', inPod(sandboxPid, container.identity, container.env, [...server, '--skip-networking']));
    const client = (database: string) => [
      'mariadb', '--no-defaults', '--protocol=socket', `--socket=${SOCKET}`, '--user=root', '--comments', `--database=${database}`,
    ];
    // The password travels in the environment (MYSQL_PWD), never on a command line.
    const root = { env: { MYSQL_PWD: env.MYSQL_ROOT_PASSWORD! } };
    await waitForSocket(exec);
    if (!env.MYSQL_INITDB_SKIP_TZINFO) {
      log('loading time zones');
      await exec(['sh', '-c', `mariadb-tzinfo-to-sql /usr/share/zoneinfo 2>/dev/null | ${client('mysql').join(' ')}`], { timeoutMs: 120_000 });
    }
    log(`setting the root password, root host ${env.MYSQL_ROOT_HOST}`);
    await exec(client('mysql'), { input: rootSql(env), timeoutMs: 30_000 });
    const asRoot = client(env.MYSQL_DATABASE || 'mysql');
    if (env.MYSQL_DATABASE) {
      log(`creating database ${env.MYSQL_DATABASE}`);
      await exec(client('mysql'), { ...root, input: `CREATE DATABASE IF NOT EXISTS \`${env.MYSQL_DATABASE}\` ;` });
    }
    if (env.MYSQL_USER && env.MYSQL_PASSWORD) {
      log(`creating user ${env.MYSQL_USER}@'%' with ALL on ${env.MYSQL_DATABASE || '(no database)'}`);
      await exec(client('mysql'), { ...root, input: `CREATE USER ${sqlString(env.MYSQL_USER)}@'%' IDENTIFIED BY ${sqlString(env.MYSQL_PASSWORD)} ;` });
      if (env.MYSQL_DATABASE) {
        const escaped = env.MYSQL_DATABASE.replaceAll('_', '\\_');
        await exec(client('mysql'), { ...root, input: `GRANT ALL ON \`${escaped}\`.* TO ${sqlString(env.MYSQL_USER)}@'%' ;` });
      }
    }
    for (const file of initFiles(mounts)) {
      if (file.endsWith('.sql')) {
        log(`running ${INITDB_DIR}/${path.basename(file)}`);
        await exec(asRoot, { ...root, input: readFileSync(file, 'utf8'), timeoutMs: 60_000 });
      } else {
        log(`ignoring ${INITDB_DIR}/${path.basename(file)} (the stand-in runs *.sql only)`);
      }
    }
    log('stopping the temporary server');
    await exec(['mariadb-admin', '--no-defaults', `--socket=${SOCKET}`, '--user=root', 'shutdown'], { ...root, timeoutMs: 60_000 });
    await waitForExit(temporary);
  }
  log(`starting ${server.join(' ')}`);
  return startInPod(pod, container.container.name, inPod(sandboxPid, container.identity, container.env, server));
}

type Exec = (argv: readonly string[], options?: { input?: string; env?: Record<string, string>; timeoutMs?: number }) => Promise<{ stdout: string }>;

/** The entrypoint's `file_env`: VAR or VAR_FILE (read inside the container), never both. */
async function readEntrypointEnv(container: RunningContainer, exec: Exec): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  const defaults: Record<string, string> = { MYSQL_ROOT_HOST: '%' };
  for (const name of ['MYSQL_ROOT_HOST', 'MYSQL_DATABASE', 'MYSQL_USER', 'MYSQL_PASSWORD', 'MYSQL_ROOT_PASSWORD']) {
    const direct = container.env[name];
    const file = container.env[`${name}_FILE`];
    if (direct && file) throw new Error(`Both ${name} and ${name}_FILE are set (but are exclusive)`);
    // `$(< file)` drops trailing newlines.
    env[name] = direct || (file ? (await exec(['cat', file])).stdout.replace(/\n+$/, '') : defaults[name] ?? '');
  }
  env.MYSQL_INITDB_SKIP_TZINFO = container.env.MYSQL_INITDB_SKIP_TZINFO ?? '';
  if (!env.MYSQL_ROOT_PASSWORD && !container.env.MYSQL_ALLOW_EMPTY_PASSWORD) {
    throw new Error('Database is uninitialized and password option is not specified (MYSQL_ROOT_PASSWORD)');
  }
  if (container.env.MYSQL_RANDOM_ROOT_PASSWORD) throw new Error('the stand-in does not support MYSQL_RANDOM_ROOT_PASSWORD');
  if (env.MYSQL_USER === 'root') throw new Error('MYSQL_USER="root" is for a regular user, not root');
  return env;
}

function rootSql(env: Record<string, string>): string {
  const password = sqlString(env.MYSQL_ROOT_PASSWORD ?? '');
  const rootHost = env.MYSQL_ROOT_HOST ?? '%';
  return [
    'SET autocommit = 1;',
    'SET @@SESSION.SQL_LOG_BIN=0;',
    // mariadb-install-db also makes root@127.0.0.1, root@::1 and root@<hostname>; MySQL's
    // initialisation makes root@localhost only, so the stand-in drops the others.
    "DELETE FROM mysql.global_priv WHERE User = 'root' AND Host <> 'localhost';",
    'FLUSH PRIVILEGES;',
    `ALTER USER 'root'@'localhost' IDENTIFIED BY ${password} ;`,
    "GRANT ALL ON *.* TO 'root'@'localhost' WITH GRANT OPTION ;",
    'FLUSH PRIVILEGES ;',
    ...(rootHost && rootHost !== 'localhost'
      ? [`CREATE USER 'root'@${sqlString(rootHost)} IDENTIFIED BY ${password} ;`, `GRANT ALL ON *.* TO 'root'@${sqlString(rootHost)} WITH GRANT OPTION ;`]
      : []),
    'DROP DATABASE IF EXISTS test ;',
    '',
  ].join('\n');
}

function sqlString(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

/** The init scripts, from the volume the container mounts at /docker-entrypoint-initdb.d. */
function initFiles(mounts: readonly Mount[]): string[] {
  const dir = hostPathOf(mounts, INITDB_DIR);
  if (!dir || !existsSync(dir)) return [];
  return readdirSync(dir).filter((name) => !name.startsWith('.')).sort().map((name) => path.join(dir, name));
}

async function waitForSocket(exec: Exec): Promise<void> {
  for (let i = 0; i < 120; i++) {
    const answered = await exec(['mariadb-admin', '--no-defaults', `--socket=${SOCKET}`, '--user=root', 'ping'], { timeoutMs: 5000 }).then(() => true, () => false);
    if (answered) return;
    await sleep(500);
  }
  throw new Error('the temporary MariaDB server did not answer on its socket within 60 s');
}

async function waitForExit(pid: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await sleep(100);
  }
  throw new Error(`the temporary MariaDB server (pid ${pid}) did not stop`);
}
