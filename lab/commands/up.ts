import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadTopology } from '../cluster/load.js';
import { CLUSTER, NETNS, REPO_ROOT } from '../cluster/plan.js';
import { type LabState, podDir, readState, writeState } from '../cluster/state.js';
import type { Topology } from '../cluster/topology.js';
import { serviceRecords } from '../dns/records.js';
import { run } from '../host/run.js';
import { attachPod } from '../net/cni.js';
import { createNetns, createNode, sysctl, createPhysicalNetwork, createVtep, labNamespaces, routeToPeer, vtepMac } from '../net/fabric.js';
import { inPod, startInPod } from '../pods/containers.js';
import { DNS_RECORDS_FILE } from '../pods/images.js';
import { startMysqlStandin } from '../pods/mysql-standin.js';
import { runProbes } from '../pods/probes.js';
import { type RunningPod, runningPods } from '../pods/runtime.js';
import { sandboxScript, startSandbox, writePodEtc } from '../pods/sandbox.js';
import { prepareVolumes } from '../pods/volumes.js';
import { syncPolicies } from '../policy/sync.js';
import { syncServices } from '../services/sync.js';
import { elapsed } from '../report.js';
import { down } from './down.js';

/** How long `up` waits for every pod to pass its readiness probe when the manifests allow longer. */
const READY_TIMEOUT_MS = Number(process.env.LAB_READY_TIMEOUT_MS ?? 300_000);

export interface UpOptions {
  /** Run `npm run build` first (default), so the pods run the current source. */
  readonly build: boolean;
}

/** Builds the lab from the manifests and waits until every pod is ready. */
export async function up(options: UpOptions, print: (line: string) => void = console.log): Promise<void> {
  const started = Date.now();
  const existing = await labNamespaces();
  if (existing.length > 0) {
    const state = readState();
    if (state?.complete) {
      print('the lab is already up (`npm run lab -- down` removes it)');
      return;
    }
    print('a half-built lab is in the way; removing it first');
    await down(print);
  }
  if (options.build) {
    print('building the app (npm run build)');
    await run(['npm', 'run', '--silent', 'build'], { cwd: REPO_ROOT, timeoutMs: 300_000 });
  }
  const topology = loadTopology();
  try {
    await build(topology, print, started);
  } catch (error) {
    print(`up failed after ${elapsed(started)}; the lab stays as it is for a look (status, logs under the state dir); \`down\` removes it`);
    throw error;
  }
  print(`the lab is up (${elapsed(started)})`);
}

async function build(topology: Topology, print: (line: string) => void, started: number): Promise<void> {
  print('physical network: switch, client, nodes');
  await createPhysicalNetwork();
  for (const node of CLUSTER.nodes) await createNode(node);
  for (const node of CLUSTER.nodes) await createVtep(node);
  for (const node of CLUSTER.nodes) {
    for (const peer of CLUSTER.nodes.filter((n) => n !== node)) await routeToPeer(node, peer, await vtepMac(peer));
  }

  print(`pods: ${topology.pods.map((p) => `${p.name}@${p.node}`).join(', ')} (CNI bridge + host-local)`);
  const state: LabState = { startedAt: new Date(started).toISOString(), pods: {}, clusterIps: {}, complete: false };
  for (const s of topology.services) if (s.clusterIP) state.clusterIps[`${s.namespace}/${s.name}`] = s.clusterIP;
  for (const pod of topology.pods) {
    const node = CLUSTER.nodes.find((n) => n.name === pod.node)!;
    await createNetns(NETNS.pod(pod.name));
    const sysctls = pod.spec.securityContext?.sysctls ?? [];
    if (sysctls.length > 0) await sysctl(NETNS.pod(pod.name), Object.fromEntries(sysctls.map((s) => [s.name, s.value])));
    const attachment = await attachPod(node, pod.name);
    state.pods[pod.name] = { ip: attachment.ip, mac: attachment.mac, hostVeth: attachment.hostVeth, node: node.name, containerPids: {}, ready: false };
    mkdirSync(podDir(pod.name), { recursive: true });
    writeFileSync(path.join(podDir(pod.name), 'cni-result.json'), attachment.result);
  }
  writeState(state);

  print('policies and Services into each node\'s iptables');
  await syncPolicies(topology, state);
  await syncServices(topology, state);
  publishDnsRecords(topology, state);

  print('sandboxes and containers');
  const mountsByPod = new Map<string, ReturnType<typeof prepareVolumes>>();
  for (const pod of topology.pods) {
    const mounts = prepareVolumes(pod, topology);
    mountsByPod.set(pod.name, mounts);
    const plan = sandboxScript(pod, mounts, writePodEtc(pod, state.pods[pod.name]!.ip));
    for (const path of plan.skipped) print(`  ${pod.name}: ${path} is not mounted (it would need a folder in the host's /)`);
    state.pods[pod.name]!.sandboxPid = await startSandbox(pod, plan);
  }
  writeState(state);
  const pods = runningPods(topology, state);
  const databases: Promise<void>[] = [];
  for (const running of pods) {
    for (const container of running.containers) {
      const pod = running.pod;
      if (container.image.kind === 'mysql') {
        databases.push(startMysqlStandin(pod, running.state.sandboxPid!, container, mountsByPod.get(pod.name)!, (line) => print(`  ${pod.name}: ${line}`))
          .then((pid) => {
            running.state.containerPids[container.container.name] = pid;
          }));
      } else {
        const image = container.image;
        if (image.kind !== 'program') continue;
        print(`  ${pod.name}: ${container.container.name} runs ${image.argv.join(' ')} (${image.description})`);
        running.state.containerPids[container.container.name] = startInPod(pod, container.container.name,
          inPod(running.state.sandboxPid!, container.identity, container.env, image.argv, image.workingDir));
      }
    }
  }
  await Promise.all(databases);
  writeState(state);

  await waitUntilReady(topology, state, pods, print);
  state.complete = true;
  writeState(state);
}

/** Kubelet's readiness probes and the endpoints they feed, until every pod is ready. */
async function waitUntilReady(topology: Topology, state: LabState, pods: readonly RunningPod[], print: (line: string) => void): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = '';
  for (;;) {
    const waiting = pods.filter((p) => !p.state.ready);
    if (waiting.length === 0) return;
    assertRunning(waiting);
    const results = await runProbes(waiting);
    let changed = false;
    for (const result of results) {
      if (result.ok) {
        state.pods[result.pod]!.ready = true;
        changed = true;
        print(`  ${result.pod} is ready`);
      }
    }
    if (changed) {
      writeState(state);
      await syncServices(topology, state);
      publishDnsRecords(topology, state);
    }
    const notReady = results.filter((r) => !r.ok).map((r) => `${r.pod} (${r.detail})`).join(', ');
    if (notReady && notReady !== last) print(`  waiting for ${notReady}`);
    last = notReady;
    if (Date.now() > deadline) throw new Error(`pods not ready after ${READY_TIMEOUT_MS / 1000} s: ${notReady}`);
    await sleep(1000);
  }
}

function assertRunning(pods: readonly RunningPod[]): void {
  for (const running of pods) {
    for (const [name, pid] of Object.entries(running.state.containerPids)) {
      try {
        process.kill(pid, 0);
      } catch {
        throw new Error(`${running.pod.name}: container ${name} exited; see ${podDir(running.pod.name)}/${name}.log`);
      }
    }
  }
}

/** The names cluster DNS answers, from the Services and the pods that are ready now. */
function publishDnsRecords(topology: Topology, state: LabState): void {
  const pods = new Map(topology.pods.filter((p) => state.pods[p.name]).map((p) => [p.name, {
    ip: state.pods[p.name]!.ip,
    ready: state.pods[p.name]!.ready,
    namespace: p.namespace,
    labels: p.labels,
  }]));
  const temporary = `${DNS_RECORDS_FILE}.tmp`;
  writeFileSync(temporary, JSON.stringify(Object.fromEntries(serviceRecords(topology.services, pods)), null, 2));
  renameSync(temporary, DNS_RECORDS_FILE);
}
