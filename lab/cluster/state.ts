import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { STATE_DIR } from './plan.js';

/** What `up` learned that the kernel does not say by name: pod addresses, sandbox processes. */
export interface PodState {
  readonly ip: string;
  readonly mac: string;
  /** The pod side of the veth pair is eth0; this is the node side's name. */
  readonly hostVeth: string;
  readonly node: string;
  /** The process holding the pod's mount and UTS namespaces (Kubernetes' pause container). */
  sandboxPid?: number;
  containerPids: Record<string, number>;
  ready: boolean;
}

export interface LabState {
  readonly startedAt: string;
  readonly pods: Record<string, PodState>;
  /** ClusterIPs by `namespace/name`. */
  readonly clusterIps: Record<string, string>;
  complete: boolean;
}

export const STATE_FILE = path.join(STATE_DIR, 'state.json');

export function readState(): LabState | undefined {
  if (!existsSync(STATE_FILE)) return undefined;
  return JSON.parse(readFileSync(STATE_FILE, 'utf8')) as LabState;
}

export function writeState(state: LabState): void {
  mkdirSync(STATE_DIR, { recursive: true, mode: 0o755 });
  const temporary = `${STATE_FILE}.tmp`;
  writeFileSync(temporary, JSON.stringify(state, null, 2) + '\n');
  renameSync(temporary, STATE_FILE);
}

/** A pod's directory under the state dir: volumes, logs, resolv.conf. */
export function podDir(pod: string): string {
  return path.join(STATE_DIR, 'pods', pod);
}
