import { CLUSTER, LAB_PREFIX, NETNS, type NodePlan } from '../cluster/plan.js';
import { inNetns, run } from '../host/run.js';
import { BASE_JUMPS } from '../services/kube-proxy.js';
import { parseCidr } from './ip.js';
import { restore } from './iptables.js';

/**
 * The lab's machines and wires: the physical network (a switch namespace with a bridge), the
 * client outside the cluster, and the nodes with their pod network plumbing between them.
 * Everything is created inside the lab's namespaces; nothing touches the host's.
 */

const LAN_BRIDGE = 'lan0';

/** A new, empty network namespace with loopback up and IPv6 off (the lab is IPv4 only). */
export async function createNetns(name: string): Promise<void> {
  if (!name.startsWith(LAB_PREFIX)) throw new Error(`refusing to create ${name}: lab names start with ${LAB_PREFIX}`);
  await run(['ip', 'netns', 'add', name]);
  await sysctl(name, { 'net.ipv6.conf.all.disable_ipv6': '1', 'net.ipv6.conf.default.disable_ipv6': '1' });
  await run(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
}

/** Sets sysctls inside a namespace: `net.*` ones are per namespace, so the host keeps its own. */
export async function sysctl(netns: string, values: Record<string, string>): Promise<void> {
  await inNetns(netns, ['sysctl', '-q', '-w', ...Object.entries(values).map(([k, v]) => `${k}=${v}`)]);
}

/** The switch and a cable from it to `netns`, whose end there is `eth0` with `address`. */
async function plugIntoLan(netns: string, portName: string, address: string): Promise<void> {
  const { prefix } = parseCidr(CLUSTER.lanCidr);
  await run(['ip', '-n', NETNS.lan, 'link', 'add', portName, 'type', 'veth', 'peer', 'name', CLUSTER.nodeInterface, 'netns', netns]);
  await run(['ip', '-n', NETNS.lan, 'link', 'set', portName, 'master', LAN_BRIDGE, 'up']);
  await run(['ip', '-n', netns, 'addr', 'add', `${address}/${prefix}`, 'dev', CLUSTER.nodeInterface]);
  await run(['ip', '-n', netns, 'link', 'set', CLUSTER.nodeInterface, 'up']);
}

export async function createPhysicalNetwork(): Promise<void> {
  await createNetns(NETNS.lan);
  // A switch forwards frames; it does not run them through iptables.
  await sysctl(NETNS.lan, { 'net.bridge.bridge-nf-call-iptables': '0', 'net.bridge.bridge-nf-call-arptables': '0' });
  await run(['ip', '-n', NETNS.lan, 'link', 'add', LAN_BRIDGE, 'type', 'bridge']);
  await run(['ip', '-n', NETNS.lan, 'link', 'set', LAN_BRIDGE, 'up']);
  await createNetns(NETNS.client);
  await plugIntoLan(NETNS.client, 'port-client', CLUSTER.clientIp);
}

/** A node: its namespace on the physical network, forwarding on, br_netfilter on for cbr0. */
export async function createNode(node: NodePlan): Promise<void> {
  const netns = NETNS.node(node.name);
  await createNetns(netns);
  await plugIntoLan(netns, `port-${node.name}`, node.ip);
  // Nodes reach anything off the pod network through the "router" of the physical network; the
  // client there does not forward, so nothing goes further.
  await run(['ip', '-n', netns, 'route', 'add', 'default', 'via', CLUSTER.clientIp]);
  await sysctl(netns, {
    'net.ipv4.ip_forward': '1',
    // Per-namespace on this kernel (checked: setting them in a lab namespace leaves the host's
    // values alone): bridged pod-to-pod frames on cbr0 pass through this node's iptables.
    'net.bridge.bridge-nf-call-iptables': '1',
    'net.bridge.bridge-nf-call-ip6tables': '0',
    'net.bridge.bridge-nf-call-arptables': '0',
  });
  await restore(netns, BASE_JUMPS);
}

/** The MAC address of the VXLAN device: flannel publishes it in the node's annotations. */
export async function vtepMac(node: NodePlan): Promise<string> {
  const { stdout } = await run(['ip', '-n', NETNS.node(node.name), '-j', 'link', 'show', CLUSTER.vxlan.device]);
  return (JSON.parse(stdout) as { address: string }[])[0]!.address;
}

/** flannel's vxlan backend on one node: the VTEP device, with the node's subnet's network address. */
export async function createVtep(node: NodePlan): Promise<void> {
  const netns = NETNS.node(node.name);
  const { device, vni, port } = CLUSTER.vxlan;
  await run(['ip', '-n', netns, 'link', 'add', device, 'type', 'vxlan', 'id', String(vni), 'local', node.ip,
    'dev', CLUSTER.nodeInterface, 'dstport', String(port), 'nolearning']);
  await run(['ip', '-n', netns, 'link', 'set', device, 'mtu', String(CLUSTER.podMtu), 'up']);
  await run(['ip', '-n', netns, 'addr', 'add', `${networkAddress(node.podCidr)}/32`, 'dev', device]);
}

/**
 * What flannel writes on `node` for each other node: a route to its pod subnet through the VTEP
 * (`onlink`, the gateway being the other VTEP's address), a permanent ARP entry for that address,
 * and a forwarding entry sending frames for that MAC to the other node's IP.
 */
export async function routeToPeer(node: NodePlan, peer: NodePlan, peerVtepMac: string): Promise<void> {
  const netns = NETNS.node(node.name);
  const { device } = CLUSTER.vxlan;
  const gateway = networkAddress(peer.podCidr);
  await run(['ip', '-n', netns, 'neigh', 'replace', gateway, 'lladdr', peerVtepMac, 'dev', device, 'nud', 'permanent']);
  await run(['bridge', '-n', netns, 'fdb', 'replace', peerVtepMac, 'dev', device, 'dst', peer.ip, 'self', 'permanent']);
  await run(['ip', '-n', netns, 'route', 'replace', peer.podCidr, 'via', gateway, 'dev', device, 'onlink']);
}

function networkAddress(cidr: string): string {
  return cidr.split('/')[0]!;
}

/** The lab's namespaces that exist now, found by prefix (so also after a crash). */
export async function labNamespaces(): Promise<string[]> {
  const { stdout } = await run(['ip', '-j', 'netns', 'list']);
  const list = stdout.trim() ? (JSON.parse(stdout) as { name: string }[]) : [];
  return list.map((n) => n.name).filter((name) => name.startsWith(LAB_PREFIX));
}
