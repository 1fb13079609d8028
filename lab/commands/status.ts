import { loadTopology } from '../cluster/load.js';
import { CLUSTER, NETNS } from '../cluster/plan.js';
import { readState } from '../cluster/state.js';
import { inNetns, run } from '../host/run.js';
import { labNamespaces } from '../net/fabric.js';
import { runProbes } from '../pods/probes.js';
import { runningPods } from '../pods/runtime.js';
import { compilePolicies } from '../policy/compile.js';
import { addressedPods } from '../policy/sync.js';
import { table } from '../report.js';

/** Nodes, pods, Services with their endpoints and the policies, read from the running lab. */
export async function status(print: (line: string) => void = console.log): Promise<number> {
  const namespaces = await labNamespaces();
  const state = readState();
  if (namespaces.length === 0 || !state) {
    print(namespaces.length === 0 ? 'the lab is down' : `leftovers of a lab: ${namespaces.join(', ')} (run down)`);
    return namespaces.length === 0 ? 0 : 1;
  }
  const topology = loadTopology();

  const nodeRows: string[][] = [];
  for (const node of CLUSTER.nodes) {
    const addresses = await addressesOf(NETNS.node(node.name));
    const vtep = JSON.parse((await run(['ip', '-n', NETNS.node(node.name), '-j', 'link', 'show', CLUSTER.vxlan.device])).stdout) as { address: string }[];
    nodeRows.push([node.name, addresses[CLUSTER.nodeInterface] ?? '-', `${CLUSTER.bridge} ${addresses[CLUSTER.bridge] ?? '-'}`, `${CLUSTER.vxlan.device} ${addresses[CLUSTER.vxlan.device] ?? '-'} ${vtep[0]?.address ?? ''}`]);
  }
  print(table(['node', 'eth0', 'pod bridge', 'vxlan (VTEP address, MAC)'], nodeRows));
  print('');

  const pods = runningPods(topology, state);
  const probes = new Map((await runProbes(pods)).map((r) => [r.pod, r]));
  const podRows: string[][] = [];
  for (const running of pods) {
    const addresses = await addressesOf(NETNS.pod(running.pod.name));
    const alive = Object.values(running.state.containerPids).every((pid) => isAlive(pid));
    podRows.push([
      running.pod.name,
      running.pod.namespace,
      running.state.node,
      addresses.eth0 ?? '-',
      running.state.hostVeth,
      alive ? (probes.get(running.pod.name)?.ok ? 'ready' : 'not ready') : 'exited',
      running.pod.owner,
    ]);
  }
  print(table(['pod', 'namespace', 'node', 'eth0', 'node-side veth', 'state', 'from'], podRows));
  print('');

  print(table(['service', 'type', 'cluster IP', 'port', 'endpoints (from node1 iptables)'], await serviceRows()));
  print('');

  const firewalls = compilePolicies(topology.policies, addressedPods(topology, state), topology.namespaces);
  const policyRows = topology.policies.map((policy) => {
    const name = `${policy.metadata.namespace ?? 'default'}/${policy.metadata.name}`;
    const inward = firewalls.filter((f) => f.ingress?.policies.includes(name)).map((f) => f.pod.name);
    const outward = firewalls.filter((f) => f.egress?.policies.includes(name)).map((f) => f.pod.name);
    return [name, inward.join(' ') || '-', outward.join(' ') || '-'];
  });
  print(table(['network policy', 'isolates for ingress', 'isolates for egress'], policyRows));
  return 0;
}

async function addressesOf(netns: string): Promise<Record<string, string>> {
  const { stdout } = await run(['ip', '-n', netns, '-j', '-4', 'addr', 'show']);
  const links = JSON.parse(stdout) as { ifname: string; addr_info: { local: string; prefixlen: number }[] }[];
  return Object.fromEntries(links.filter((l) => l.addr_info[0]).map((l) => [l.ifname, `${l.addr_info[0]!.local}/${l.addr_info[0]!.prefixlen}`]));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Services and the pods they DNAT to, read back from kube-proxy's rules in node1. */
async function serviceRows(): Promise<string[][]> {
  const { stdout } = await inNetns(NETNS.node(CLUSTER.nodes[0]!.name), ['iptables-save', '-t', 'nat']);
  const rules = stdout.split('\n');
  const rows: string[][] = [];
  for (const rule of rules.filter((r) => r.startsWith('-A KUBE-SERVICES ') && r.includes('cluster IP'))) {
    const name = /--comment "([^ ]+) cluster IP"/.exec(rule)?.[1] ?? '?';
    const ip = /-d (\S+)\/32/.exec(rule)?.[1] ?? '?';
    const port = /--dport (\d+)/.exec(rule)?.[1] ?? '?';
    const protocol = /-p (\w+)/.exec(rule)?.[1] ?? '?';
    const svc = /-j (KUBE-SVC-\w+)/.exec(rule)?.[1];
    const seps = rules.filter((r) => r.startsWith(`-A ${svc} `)).map((r) => /-j (KUBE-SEP-\w+)/.exec(r)?.[1]).filter(Boolean);
    const targets = seps.map((sep) => rules.find((r) => r.startsWith(`-A ${sep} `) && r.includes('DNAT'))?.match(/--to-destination (\S+)/)?.[1] ?? '?');
    const nodePort = rules.find((r) => r.startsWith('-A KUBE-NODEPORTS ') && r.includes(`"${name}"`))?.match(/--dport (\d+)/)?.[1];
    rows.push([name, nodePort ? `NodePort ${nodePort}` : 'ClusterIP', ip, `${port}/${protocol}`, targets.join(' ') || 'none ready']);
  }
  const rejected = (await inNetns(NETNS.node(CLUSTER.nodes[0]!.name), ['iptables-save', '-t', 'filter'])).stdout
    .split('\n').filter((r) => r.startsWith('-A KUBE-SERVICES ') && r.includes('has no endpoints'));
  for (const rule of rejected) {
    rows.push([/--comment "(\S+) has no endpoints"/.exec(rule)?.[1] ?? '?', '', /-d (\S+)\/32/.exec(rule)?.[1] ?? '?', /--dport (\d+)/.exec(rule)?.[1] ?? '?', 'none ready (REJECT)']);
  }
  return rows;
}
