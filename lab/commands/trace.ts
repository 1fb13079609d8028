import { isIP } from 'node:net';
import { probe, type Place } from '../agent/client.js';
import type { TaskResult } from '../agent/protocol.js';
import { CLUSTER, NETNS, type NodePlan } from '../cluster/plan.js';
import { type LabState, readState } from '../cluster/state.js';
import { run } from '../host/run.js';
import { inCidr } from '../net/ip.js';
import { greeting } from '../report.js';
import { type CountedRule, countedRules } from '../net/iptables.js';

/**
 * One real TCP connection, followed hop by hop through the kernel's own state: routes, ARP
 * (neighbour) entries, bridge forwarding entries, the VXLAN device's entries, conntrack, and the
 * iptables rules whose counters moved while the connection was made. Each hop carries the words
 * the tutorial uses for it.
 */

type Print = (line: string) => void;

interface Endpoint {
  readonly label: string;
  readonly netns: string;
  readonly place: Place;
  readonly ip: string;
  readonly node?: NodePlan;
  readonly hostVeth?: string;
}

export async function trace(from: string, to: string, print: Print = console.log): Promise<number> {
  const state = readState();
  if (!state?.complete) {
    print('the lab is not up: run `npm run lab -- up` first');
    return 1;
  }
  const source = endpointOf(from, state);
  const match = /^(.+):(\d+)$/.exec(to);
  if (!match) throw new Error(`TO is HOST:PORT (a Service or pod name, a node, or an address), not ${to}`);
  const [, host, portText] = match as unknown as [string, string, string];
  const port = Number(portText);

  print(`trace ${from} -> ${to}`);
  let step = 0;
  const hop = (title: string, words: string) => {
    step++;
    print(`\n${step}. ${title}`);
    print(`   ${words}`);
  };
  const show = async (where: string, argv: readonly string[], filter?: (line: string) => boolean) => {
    const { stdout, stderr } = await run(argv, { allowFailure: true });
    const lines = (stdout || stderr).split('\n').filter((l) => l.trim() && (!filter || filter(l)));
    const shown = argv.join(' ').replace(/^(ip|bridge) -n \S+ /, '$1 ').replace(/^ip netns exec \S+ /, '').replace(/^nsenter \S+ --mount /, '');
    print(`   $ ${shown}   # in ${where}`);
    for (const line of lines.length ? lines : ['(nothing)']) print(`     ${line}`);
    return lines;
  };

  // The name, as the source resolves it.
  let destination = resolveKnown(host, state);
  if (!destination) {
    if (!('sandboxPid' in source.place)) throw new Error(`${from} has no cluster DNS; give an address or a pod or node name`);
    const [answer] = await probe(source.place, [{ kind: 'dns', name: host }]);
    hop('DNS: the name becomes the Service\'s virtual IP',
      `${from} asks cluster DNS (the nameserver and search path kubelet wrote into its /etc/resolv.conf); the kube-dns Service's IP is itself a DNAT rule to the DNS pod.`);
    await show(from, ['nsenter', `--target=${source.place.sandboxPid}`, '--mount', 'cat', '/etc/resolv.conf']);
    print(`     getaddrinfo("${host}") = ${answer?.addresses?.join(' ') ?? answer?.error}`);
    destination = answer?.addresses?.[0];
    if (!destination) throw new Error(`${host} does not resolve from ${from}: ${answer?.error}`);
  }
  const service = Object.entries(state.clusterIps).find(([, ip]) => ip === destination)?.[0];

  const before = await allCounters();
  const [result] = await probe(source.place, [{ kind: 'tcp', host: destination, port, timeoutMs: 3000 }]);
  const after = await allCounters();
  const sourcePort = result!.localPort;

  hop(`The packet leaves ${from} at eth0`,
    `${source.label} ${source.ip}${sourcePort ? `:${sourcePort}` : ''} -> ${destination}:${port}. `
    + (source.node ? 'The pod has one route out: everything goes to the gateway on its bridge, whose MAC ARP found.' : 'The client is on the nodes\' network: the node\'s address is on its own link.'));
  const routeOut = await show(from, ['ip', '-n', source.netns, 'route', 'get', destination]);
  const gateway = /via (\S+)/.exec(routeOut[0] ?? '')?.[1];
  if (gateway) await show(from, ['ip', '-n', source.netns, 'neigh', 'show', gateway]);

  const nodeA = source.node ?? nodeOfAddress(destination);
  if (source.node && source.hostVeth) {
    const nodeNs = NETNS.node(source.node.name);
    hop(`Across the veth pair into ${source.node.name}'s root namespace, onto ${CLUSTER.bridge}`,
      `The pod's eth0 is one end of a veth pair; the other end, ${source.hostVeth}, is a port of the bridge ${CLUSTER.bridge}. The bridge learned the pod's MAC on that port, and since the frame is addressed to the bridge's own MAC (the gateway), the node's IP stack takes it.`);
    await show(source.node.name, ['ip', '-n', nodeNs, '-d', 'link', 'show', source.hostVeth], (l) => /master|veth|link-netns/.test(l));
    await show(source.node.name, ['bridge', '-n', nodeNs, 'fdb', 'show', 'br', CLUSTER.bridge, 'brport', source.hostVeth], (l) => !l.includes('permanent'));
    await show(source.node.name, ['ip', '-n', nodeNs, 'link', 'show', CLUSTER.bridge], (l) => l.includes('link/ether'));
  } else if (nodeA) {
    hop(`Across the physical network to ${nodeA.name}`,
      `The client is outside the cluster; it reaches the node by the node's own address on the shared network.`);
    await show('client', ['ip', '-n', NETNS.client, 'neigh', 'show', destination]);
  }
  if (!nodeA) {
    print('\nthe destination is on no node of the lab');
    return 1;
  }

  const nodeANs = NETNS.node(nodeA.name);
  const conntrack = await conntrackOf(nodeANs, source.ip, sourcePort);
  const natHits = hits(before.get(nodeA.name)!, after.get(nodeA.name)!, 'nat');
  // conntrack's second tuple is the reply it expects: from the endpoint, to the (maybe masqueraded) source.
  const reply = [...(conntrack[0] ?? '').matchAll(/src=(\S+) dst=(\S+) sport=\d+ dport=\d+/g)][1];
  const endpoint = reply?.[1] ?? natHits.map((r) => /to:(\S+):\d+/.exec(r.text)?.[1]).find(Boolean) ?? destination;
  const sourceAfterNat = reply?.[2] ?? source.ip;
  const nodePort = destination === nodeA.ip && natHits.some((r) => r.chain === 'KUBE-NODEPORTS');
  hop(service ? `The Service's virtual IP: kube-proxy's DNAT on ${nodeA.name}`
    : nodePort ? `NodePort ${port}: kube-proxy's DNAT on ${nodeA.name}, and SNAT on the way out`
      : `No Service on the way (${destination} is not a ClusterIP)`,
  service
    ? `No interface owns ${destination}; in PREROUTING, ${service}'s KUBE-SVC chain picked one ready endpoint at random and its KUBE-SEP chain rewrote the destination. Rules whose counters moved:`
    : nodePort
      ? `Any node answers the NodePort: KUBE-NODEPORTS marks the packet for masquerading and sends it to the Service's chain, which picks an endpoint on any node; POSTROUTING then rewrites the source to this node's address towards the pod (conntrack's reply tuple shows it), so the reply comes back the same way. Rules whose counters moved:`
      : 'PREROUTING rules whose counters moved:');
  printHits(print, natHits);
  if (conntrack.length) {
    print(`   $ conntrack -L -p tcp --orig-src ${source.ip} --orig-port-src ${sourcePort}   # in ${nodeA.name}: original direction, then the reply it expects`);
    for (const line of conntrack) print(`     ${line}`);
  }

  const policyA = hits(before.get(nodeA.name)!, after.get(nodeA.name)!, 'filter');
  hop(`NetworkPolicy on ${nodeA.name}: the policy plugin's iptables rules`,
    `With br_netfilter, even bridged pod-to-pod frames pass the node's FORWARD chain, where each local pod's chain marks what its policies allow and rejects the rest. Rules whose counters moved:`);
  printHits(print, policyA);

  if (policyA.some((r) => r.target === 'REJECT')) return stopped(print, ++step, result!, nodeA);
  const nodeB = nodeOfAddress(endpoint);
  const routeA = await show(nodeA.name, ['ip', '-n', nodeANs, 'route', 'get', endpoint, ...(source.node ? ['from', source.ip, 'iif', CLUSTER.bridge] : [])]);
  if (nodeB && nodeB !== nodeA) {
    hop(`The route to ${nodeB.name}'s pod range, through flannel's VXLAN device`,
      `${endpoint} is in ${nodeB.podCidr}, ${nodeB.name}'s slice of the pod network: the route sends it to ${CLUSTER.vxlan.device}, whose permanent ARP and forwarding entries (written by flannel) wrap the frame in UDP to ${nodeB.ip}:${CLUSTER.vxlan.port}, VNI ${CLUSTER.vxlan.vni}.`);
    const gatewayB = /via (\S+)/.exec(routeA[0] ?? '')?.[1];
    if (gatewayB) await show(nodeA.name, ['ip', '-n', nodeANs, 'neigh', 'show', gatewayB, 'dev', CLUSTER.vxlan.device]);
    await show(nodeA.name, ['bridge', '-n', nodeANs, 'fdb', 'show', 'dev', CLUSTER.vxlan.device]);
    await show(nodeA.name, ['ip', '-n', nodeANs, '-d', 'link', 'show', CLUSTER.vxlan.device], (l) => l.includes('vxlan id'));
    await show(nodeA.name, ['ip', '-n', nodeANs, 'route', 'get', nodeB.ip]);

    const nodeBNs = NETNS.node(nodeB.name);
    hop(`On ${nodeB.name}: decapsulated, policy, then out of ${CLUSTER.bridge}`,
      `${CLUSTER.vxlan.device} on ${nodeB.name} unwraps the packet; ${nodeB.name}'s FORWARD chain applies the receiving pod's ingress policy. Rules whose counters moved on ${nodeB.name}:`);
    const policyB = hits(before.get(nodeB.name)!, after.get(nodeB.name)!, 'filter');
    printHits(print, [...hits(before.get(nodeB.name)!, after.get(nodeB.name)!, 'nat'), ...policyB]);
    if (policyB.some((r) => r.target === 'REJECT')) return stopped(print, ++step, result!, nodeB);
    await show(nodeB.name, ['ip', '-n', nodeBNs, 'route', 'get', endpoint, 'from', sourceAfterNat, 'iif', CLUSTER.vxlan.device]);
    await delivered(show, nodeB, endpoint, state);
  } else if (nodeB) {
    hop(`The endpoint is on ${nodeB.name} too: back out of ${CLUSTER.bridge}`,
      `${endpoint} is in this node's own pod range, so the route is ${CLUSTER.bridge} itself.`);
    await delivered(show, nodeB, endpoint, state);
  }

  step++;
  print(`\n${step}. Result`);
  if (result!.ok) print(`   connected to ${destination}:${port} (answered by ${endpoint})${greeting(result!.banner)}`);
  else print(`   not connected: ${result!.error} after ${result!.ms} ms${result!.error === 'ECONNREFUSED' ? ' (an ICMP port-unreachable from a REJECT rule above, or nothing listening)' : ''}`);
  return 0;
}

function stopped(print: Print, step: number, result: TaskResult, node: NodePlan): number {
  print(`\n${step}. Rejected on ${node.name}`);
  print(`   The packet goes no further: a policy chain's REJECT answered with ICMP port-unreachable, which the sender sees as ${result.error ?? 'a refusal'} (after ${result.ms} ms).`);
  return 0;
}

async function delivered(show: (where: string, argv: readonly string[], filter?: (l: string) => boolean) => Promise<string[]>, node: NodePlan, endpoint: string, state: LabState): Promise<void> {
  const pod = Object.entries(state.pods).find(([, p]) => p.ip === endpoint);
  const netns = NETNS.node(node.name);
  await show(node.name, ['ip', '-n', netns, 'neigh', 'show', endpoint, 'dev', CLUSTER.bridge]);
  if (pod) {
    await show(node.name, ['bridge', '-n', netns, 'fdb', 'show', 'br', CLUSTER.bridge, 'brport', pod[1].hostVeth], (l) => !l.includes('permanent'));
    await show(pod[0], ['ip', '-n', NETNS.pod(pod[0]), '-4', 'addr', 'show', 'eth0'], (l) => l.includes('inet') || l.includes('eth0'));
  }
}

function endpointOf(name: string, state: LabState): Endpoint {
  if (name === 'client') return { label: 'client', netns: NETNS.client, place: { netns: NETNS.client }, ip: CLUSTER.clientIp };
  const pod = state.pods[name];
  if (!pod) throw new Error(`FROM is a pod (${Object.keys(state.pods).join(', ')}) or client, not ${name}`);
  return {
    label: name,
    netns: NETNS.pod(name),
    place: { sandboxPid: pod.sandboxPid! },
    ip: pod.ip,
    node: CLUSTER.nodes.find((n) => n.name === pod.node)!,
    hostVeth: pod.hostVeth,
  };
}

/** An address for a pod or node name, or the address itself; undefined for names DNS must answer. */
function resolveKnown(host: string, state: LabState): string | undefined {
  if (isIP(host)) return host;
  return state.pods[host]?.ip ?? CLUSTER.nodes.find((n) => n.name === host)?.ip;
}

function nodeOfAddress(ip: string): NodePlan | undefined {
  return CLUSTER.nodes.find((n) => n.ip === ip || inCidr(ip, n.podCidr));
}

async function allCounters(): Promise<Map<string, readonly CountedRule[]>> {
  const entries = await Promise.all(CLUSTER.nodes.map(async (n) => [n.name, [
    ...await countedRules(NETNS.node(n.name), 'nat'),
    ...await countedRules(NETNS.node(n.name), 'filter'),
  ]] as const));
  return new Map(entries);
}

function hits(before: readonly CountedRule[], after: readonly CountedRule[], table: string): (CountedRule & { delta: number })[] {
  return after
    .filter((r) => r.table === table)
    .map((r) => ({ ...r, delta: r.packets - (before.find((b) => b.table === r.table && b.chain === r.chain && b.index === r.index)?.packets ?? 0) }))
    .filter((r) => r.delta > 0 && r.chain !== 'INPUT' && r.chain !== 'OUTPUT') // the node's own traffic
    .filter((r) => r.chain.startsWith('KUBE') || r.chain.startsWith('NPC') || /KUBE|NPC/.test(r.target));
}

function printHits(print: Print, rules: readonly (CountedRule & { delta: number })[]): void {
  print('   $ iptables -L -v -x -n --line-numbers (before and after the connection; packets counted in between)');
  if (rules.length === 0) print('     (no rule counted a packet)');
  for (const r of rules) print(`     ${r.table.padEnd(6)} ${`${r.chain} #${r.index}`.padEnd(30)} +${r.delta}  ${r.text.replace(/\s+/g, ' ').slice(0, 150)}`);
}

async function conntrackOf(netns: string, source: string, port: number | undefined): Promise<string[]> {
  if (!port) return [];
  const { stdout } = await run(['ip', 'netns', 'exec', netns, 'conntrack', '-L', '-p', 'tcp', '--orig-src', source, '--orig-port-src', String(port)], { allowFailure: true });
  return stdout.split('\n').filter((l) => l.startsWith('tcp'));
}
