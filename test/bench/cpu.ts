import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are the 14th and 15th overall.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** The database server's pid when it runs on this machine (it does here); undefined otherwise. */
export function databasePid(): number | undefined {
  for (const name of ['mariadbd', 'mysqld']) {
    try {
      const pid = Number(execFileSync('pidof', ['-s', name], { encoding: 'utf8' }).trim());
      if (pid > 0) return pid;
    } catch {
      // not running under this name
    }
  }
  return undefined;
}

/** CPU milliseconds each party spent while `work` ran: where the machine's two cores went. */
export interface CpuSplit {
  readonly appMs: number;
  readonly dbMs: number;
  /** This process: the load generator (autocannon) or the raw driver. */
  readonly clientMs: number;
}

export async function measureCpu<T>(pids: { app?: number; db?: number }, work: () => Promise<T>): Promise<[T, CpuSplit]> {
  const read = (pid?: number) => (pid ? cpuSeconds(pid).catch(() => 0) : Promise.resolve(0));
  const [app0, db0] = await Promise.all([read(pids.app), read(pids.db)]);
  const client0 = process.cpuUsage();
  const result = await work();
  const client = process.cpuUsage(client0);
  const [app1, db1] = await Promise.all([read(pids.app), read(pids.db)]);
  return [result, { appMs: (app1 - app0) * 1000, dbMs: (db1 - db0) * 1000, clientMs: (client.user + client.system) / 1000 }];
}
