import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createConnection, type RowDataPacket } from 'mysql2/promise';
import { TEST_SERVER } from '../support/mysql.js';
import { processTree, statFields } from '../support/process-tree.js';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/**
 * CPU seconds a process and all its descendants have used so far: each live process's own time
 * (utime, stime) plus that of its children already gone (cutime, cstime), so a prefork child
 * that exits mid-run still counts.
 */
async function treeCpuSeconds(root: number): Promise<number> {
  let ticks = 0;
  for (const pid of await processTree(root)) {
    const fields = await statFields(pid).catch(() => undefined);
    if (fields) ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  }
  return ticks / TICKS_PER_SECOND;
}

/** CPU seconds of this process's children that have exited: the load generator, once it is done. */
async function exitedChildrenCpuSeconds(): Promise<number> {
  const fields = await statFields(process.pid);
  return (Number(fields[13]) + Number(fields[14])) / TICKS_PER_SECOND;
}

/**
 * The pid of the database server the bench uses, from its own pid file, when it runs on this
 * machine; undefined otherwise. (Other MariaDB servers may run here too, e.g. the fault suites'.)
 */
export async function databasePid(): Promise<number | undefined> {
  try {
    const conn = await createConnection(TEST_SERVER);
    try {
      const [[row]] = await conn.query<RowDataPacket[]>('SELECT @@pid_file AS file');
      const pid = Number((await readFile(String(row?.file), 'utf8')).trim());
      return pid > 0 && existsSync(`/proc/${pid}`) ? pid : undefined;
    } finally {
      await conn.end();
    }
  } catch {
    return undefined; // another host, or a pid file this user cannot read
  }
}

/** CPU milliseconds each party spent while `work` ran: where the machine's cores went. */
export interface CpuSplit {
  /** The server measured, with all its processes (workers, prefork children). */
  readonly serverMs: number;
  readonly dbMs: number;
  /** The load generator (wrk), a child of this process. */
  readonly loadMs: number;
}

export async function measureCpu<T>(serverPid: number, dbPid: number | undefined, work: () => Promise<T>): Promise<[T, CpuSplit]> {
  const db = () => (dbPid ? treeCpuSeconds(dbPid).catch(() => 0) : Promise.resolve(0));
  const [server0, db0, load0] = await Promise.all([treeCpuSeconds(serverPid), db(), exitedChildrenCpuSeconds()]);
  const result = await work();
  const [server1, db1, load1] = await Promise.all([treeCpuSeconds(serverPid), db(), exitedChildrenCpuSeconds()]);
  return [result, { serverMs: (server1 - server0) * 1000, dbMs: (db1 - db0) * 1000, loadMs: (load1 - load0) * 1000 }];
}

/** Resident set size of one process now, in bytes (VmRSS). */
export async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024;
}

/**
 * Samples the RSS of every process of a server every `everyMs` until stopped; resolves to the
 * highest single-process sample (the target is per process).
 */
export async function sampleRss(root: number, everyMs = 100): Promise<{ stop(): Promise<number> }> {
  const pids = await processTree(root);
  let peak = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const pid of pids) peak = Math.max(peak, await rssOf(pid).catch(() => 0));
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return peak;
    },
  };
}
