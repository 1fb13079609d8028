import { chainHash, chainName } from '../net/names.js';
import type { Allowance, DirectionRules, PeerMatch, PodFirewall, PortMatch } from './compile.js';
import { comment } from '../net/iptables.js';

/**
 * Renders compiled policies as iptables rules for one node, the way a policy plugin (kube-router,
 * Weave Net's npc) does: one chain per local pod and direction, reached from the node's FORWARD
 * chain, which bridged traffic also passes thanks to br_netfilter. A pod's chain marks a packet
 * that some allowance matches and rejects the rest; replies of allowed connections pass on
 * conntrack state. Traffic from the node itself (kubelet's probes) never passes FORWARD, and
 * Kubernetes allows it regardless of policy.
 */

/** The chain the node's FORWARD chain jumps to. */
export const POLICY_ENTRY_CHAIN = 'NPC';

/** Every chain of the policy rules starts with this. */
export const POLICY_CHAIN_PREFIX = 'NPC';

/** The packet mark bit an allowance sets; kube-proxy uses 0x4000 and 0x8000. */
export const ALLOW_MARK = '0x10000/0x10000';
const CLEAR_MARK = '0x0/0x10000';

export interface RenderedPolicy {
  /** iptables-restore input for the filter table, to apply with `--noflush`. */
  readonly text: string;
  readonly chains: readonly string[];
}

/**
 * The rules for the pods in `local` (the node's own pods), replacing whatever policy chains
 * `existing` names: chains no longer needed are flushed and deleted in the same transaction.
 */
export function renderPolicies(firewalls: readonly PodFirewall[], existing: readonly string[] = []): RenderedPolicy {
  const chains = new Map<string, string[]>([[POLICY_ENTRY_CHAIN, []]]);
  const entry = chains.get(POLICY_ENTRY_CHAIN)!;
  entry.push(`-A ${POLICY_ENTRY_CHAIN} -m conntrack --ctstate RELATED,ESTABLISHED ${comment('replies of allowed connections')} -j ACCEPT`);
  for (const { pod, egress } of firewalls) {
    if (!egress) continue;
    const chain = chainName(`${POLICY_CHAIN_PREFIX}-OUT-`, pod.name);
    entry.push(`-A ${POLICY_ENTRY_CHAIN} -s ${pod.ip}/32 ${comment(`egress of ${pod.namespace}/${pod.name}`)} -j ${chain}`);
    renderPodChain(chains, chain, 'Egress', egress);
  }
  for (const { pod, ingress } of firewalls) {
    if (!ingress) continue;
    const chain = chainName(`${POLICY_CHAIN_PREFIX}-IN-`, pod.name);
    entry.push(`-A ${POLICY_ENTRY_CHAIN} -d ${pod.ip}/32 ${comment(`ingress of ${pod.namespace}/${pod.name}`)} -j ${chain}`);
    renderPodChain(chains, chain, 'Ingress', ingress);
  }
  const stale = existing.filter((name) => name.startsWith(POLICY_CHAIN_PREFIX) && !chains.has(name));
  const lines = [
    '*filter',
    ...[...chains.keys(), ...stale].map((name) => `:${name} - [0:0]`),
    ...[...chains.values()].flat(),
    ...stale.map((name) => `-X ${name}`),
    'COMMIT',
    '',
  ];
  return { text: lines.join('\n'), chains: [...chains.keys()] };
}

function renderPodChain(
  chains: Map<string, string[]>,
  chain: string,
  direction: 'Ingress' | 'Egress',
  rules: DirectionRules,
): void {
  const lines: string[] = [`-A ${chain} -j MARK --set-xmark ${CLEAR_MARK}`];
  chains.set(chain, lines);
  for (const allowance of rules.allowances) {
    for (const ports of portVariants(allowance.ports)) {
      const why = comment(describe(allowance, ports));
      const peer = allowance.peer;
      if (peer.kind === 'block' && peer.except.length > 0) {
        const block = `${POLICY_CHAIN_PREFIX}-B-${chainHash(`${chain} ${peer.cidr} ${peer.except.join(',')}`)}`;
        if (!chains.has(block)) {
          const field = direction === 'Ingress' ? '-s' : '-d';
          chains.set(block, [
            ...peer.except.map((cidr) => `-A ${block} ${field} ${cidr} ${comment(`except ${cidr}`)} -j RETURN`),
            `-A ${block} -j MARK --set-xmark ${ALLOW_MARK}`,
          ]);
        }
        lines.push(`-A ${chain} ${peerMatch(direction, peer)}${portMatch(ports)}${why} -j ${block}`);
      } else {
        lines.push(`-A ${chain} ${peerMatch(direction, peer)}${portMatch(ports)}${why} -j MARK --set-xmark ${ALLOW_MARK}`);
      }
    }
  }
  lines.push(`-A ${chain} -m mark --mark ${ALLOW_MARK} -j RETURN`);
  lines.push(`-A ${chain} ${comment(`default deny (${rules.policies.join(', ')})`)} -j REJECT --reject-with icmp-port-unreachable`);
}

/** One rule per port entry, or a single rule for "any port". */
function portVariants(ports: readonly PortMatch[] | null): (PortMatch | null)[] {
  return ports === null ? [null] : [...ports];
}

function peerMatch(direction: 'Ingress' | 'Egress', peer: PeerMatch): string {
  const field = direction === 'Ingress' ? '-s' : '-d';
  if (peer.kind === 'any') return '';
  if (peer.kind === 'pod') return `${field} ${peer.ip}/32 `;
  return `${field} ${peer.cidr} `;
}

function portMatch(port: PortMatch | null): string {
  if (port === null) return '';
  const protocol = port.protocol.toLowerCase();
  if (port.port === undefined) return `-p ${protocol} `;
  const range = port.endPort === undefined ? `${port.port}` : `${port.port}:${port.endPort}`;
  return `-p ${protocol} -m ${protocol} --dport ${range} `;
}

function describe(allowance: Allowance, port: PortMatch | null): string {
  const peer = allowance.peer;
  const who = peer.kind === 'any' ? 'anyone' : peer.kind === 'pod' ? peer.pod : peer.cidr;
  const what = port === null ? 'any port'
    : port.port === undefined ? `${port.protocol} any port`
      : `${port.protocol} ${port.port}${port.endPort === undefined ? '' : `-${port.endPort}`}`;
  return `${allowance.policy} rule ${allowance.rule}: ${who} ${what}`;
}
