import { existsSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { CLUSTER, NETNS, STATE_DIR } from '../cluster/plan.js';
import { readState } from '../cluster/state.js';
import { run } from '../host/run.js';
import { detachPod } from '../net/cni.js';
import { labNamespaces } from '../net/fabric.js';

/**
 * Removes the whole lab, whatever state it is in (also half built, or after a crash): every
 * process inside a lab namespace (found by the kernel, not by a pid file), the pods' network
 * attachments (CNI DEL), the namespaces, and the state dir. Running it again does nothing.
 */
export async function down(print: (line: string) => void = console.log): Promise<void> {
  const namespaces = await labNamespaces();
  const pids = await processesIn(namespaces);
  if (pids.length > 0) {
    print(`stopping ${pids.length} processes in the lab's namespaces`);
    signal(pids, 'SIGTERM');
    for (let i = 0; i < 100 && alive(pids).length > 0; i++) await sleep(100);
    signal(alive(pids), 'SIGKILL');
  }
  const state = existsSync(STATE_DIR) ? safeState() : undefined;
  for (const [pod, podState] of Object.entries(state?.pods ?? {})) {
    const node = CLUSTER.nodes.find((n) => n.name === podState.node);
    if (node && namespaces.includes(NETNS.pod(pod)) && namespaces.includes(NETNS.node(node.name))) {
      await detachPod(node, pod).catch((error: Error) => print(`CNI DEL for ${pod} failed (the namespace goes anyway): ${error.message}`));
    }
  }
  // Pods first, then nodes, the client and the switch: each veth goes with its namespace.
  const order = (name: string) => (name.startsWith(NETNS.pod('')) ? 0 : name === NETNS.lan ? 2 : 1);
  for (const name of [...namespaces].sort((a, b) => order(a) - order(b))) {
    await run(['ip', 'netns', 'del', name]);
  }
  if (existsSync(STATE_DIR)) rmSync(STATE_DIR, { recursive: true, force: true });
  const left = await labNamespaces();
  if (left.length > 0 || existsSync(STATE_DIR)) {
    throw new Error(`the lab is not gone: ${[...left, ...(existsSync(STATE_DIR) ? [STATE_DIR] : [])].join(', ')}`);
  }
  print(namespaces.length > 0 ? `removed ${namespaces.length} namespaces and ${STATE_DIR}` : 'no lab to remove');
}

function safeState() {
  try {
    return readState();
  } catch {
    return undefined;
  }
}

async function processesIn(namespaces: readonly string[]): Promise<number[]> {
  const pids = new Set<number>();
  for (const name of namespaces) {
    const { stdout } = await run(['ip', 'netns', 'pids', name], { allowFailure: true });
    for (const pid of stdout.split('\n').filter(Boolean)) pids.add(Number(pid));
  }
  return [...pids];
}

function alive(pids: readonly number[]): number[] {
  return pids.filter((pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  });
}

function signal(pids: readonly number[], name: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, name);
    } catch {
      // already gone
    }
  }
}
