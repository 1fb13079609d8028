import type { ContainerPort, NetworkPolicy, PolicyPeer, PolicyPort, PolicyRule } from '../kube/objects.js';
import { namespaceOf } from '../kube/objects.js';
import { selects } from '../kube/selectors.js';
import { inCidr } from '../net/ip.js';

/**
 * NetworkPolicy semantics, resolved against the pods the lab runs: for each pod and direction,
 * whether it is isolated and, if so, exactly which peers and ports its policies allow. Rendering
 * this as iptables rules is `render.ts`'s job; keeping the two apart lets the semantics be tested
 * without a kernel.
 */

/** A pod with an address, as the policy compiler sees it. */
export interface AddressedPod {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly ip: string;
  readonly ports: readonly ContainerPort[];
}

export interface NamespaceLabels {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

/** A destination port range; no `port` means every port of the protocol. */
export interface PortMatch {
  readonly protocol: Protocol;
  readonly port?: number;
  readonly endPort?: number;
}

/** Who is on the other end: anyone, one pod (by address), or an address block. */
export type PeerMatch =
  | { readonly kind: 'any' }
  | { readonly kind: 'pod'; readonly pod: string; readonly ip: string }
  | { readonly kind: 'block'; readonly cidr: string; readonly except: readonly string[] };

/** One allowed (peer, ports) pair, with the policy rule it comes from. */
export interface Allowance {
  readonly policy: string;
  /** 1-based index of the rule in the policy's ingress or egress list. */
  readonly rule: number;
  readonly peer: PeerMatch;
  /** Null: every port and protocol. */
  readonly ports: readonly PortMatch[] | null;
}

export interface DirectionRules {
  /** The policies that isolate the pod in this direction (`namespace/name`). */
  readonly policies: readonly string[];
  readonly allowances: readonly Allowance[];
}

/** What the policies make of one pod; null for a direction in which no policy isolates it. */
export interface PodFirewall {
  readonly pod: AddressedPod;
  readonly ingress: DirectionRules | null;
  readonly egress: DirectionRules | null;
}

export type Direction = 'Ingress' | 'Egress';

export function compilePolicies(
  policies: readonly NetworkPolicy[],
  pods: readonly AddressedPod[],
  namespaces: readonly NamespaceLabels[],
): PodFirewall[] {
  return pods.map((pod) => ({
    pod,
    ingress: compileDirection('Ingress', pod, policies, pods, namespaces),
    egress: compileDirection('Egress', pod, policies, pods, namespaces),
  }));
}

/** The policy types a policy governs; without `policyTypes`, Egress only if it has egress rules. */
export function policyTypes(policy: NetworkPolicy): readonly string[] {
  return policy.spec.policyTypes ?? (policy.spec.egress ? ['Ingress', 'Egress'] : ['Ingress']);
}

/** The policies that select `pod` for `direction`. */
export function isolatingPolicies(
  direction: Direction,
  pod: AddressedPod,
  policies: readonly NetworkPolicy[],
): NetworkPolicy[] {
  return policies.filter((policy) =>
    namespaceOf(policy) === pod.namespace
    && policyTypes(policy).includes(direction)
    && selects(policy.spec.podSelector, pod.labels));
}

function compileDirection(
  direction: Direction,
  pod: AddressedPod,
  policies: readonly NetworkPolicy[],
  pods: readonly AddressedPod[],
  namespaces: readonly NamespaceLabels[],
): DirectionRules | null {
  const isolating = isolatingPolicies(direction, pod, policies);
  if (isolating.length === 0) return null;
  const allowances = isolating.flatMap((policy) => {
    const rules = (direction === 'Ingress' ? policy.spec.ingress : policy.spec.egress) ?? [];
    return rules.flatMap((rule, index) =>
      compileRule(direction, pod, policy, rule, index + 1, pods, namespaces));
  });
  return { policies: isolating.map((p) => `${namespaceOf(p)}/${p.metadata.name}`), allowances };
}

function compileRule(
  direction: Direction,
  subject: AddressedPod,
  policy: NetworkPolicy,
  rule: PolicyRule,
  ruleIndex: number,
  pods: readonly AddressedPod[],
  namespaces: readonly NamespaceLabels[],
): Allowance[] {
  const source = { policy: `${namespaceOf(policy)}/${policy.metadata.name}`, rule: ruleIndex };
  const peers = (direction === 'Ingress' ? rule.from : rule.to) ?? [];
  const peerMatches: PeerMatch[] = peers.length === 0
    ? [{ kind: 'any' }]
    : peers.flatMap((peer) => resolvePeer(peer, namespaceOf(policy), pods, namespaces));
  const allowances: Allowance[] = [];
  for (const peer of peerMatches) {
    // A named port is the port of that name on the pod receiving the connection.
    const receivers = direction === 'Ingress' ? [subject] : receiversOf(peer, pods);
    if (!rule.ports || rule.ports.length === 0) {
      allowances.push({ ...source, peer, ports: null });
    } else if (!rule.ports.some((p) => typeof p.port === 'string')) {
      allowances.push({ ...source, peer, ports: rule.ports.map((p) => numericPort(p)) });
    } else if (direction === 'Ingress') {
      allowances.push({ ...source, peer, ports: rule.ports.flatMap((p) => resolvePort(p, subject)) });
    } else {
      const numeric = rule.ports.filter((p) => typeof p.port !== 'string').map((p) => numericPort(p));
      if (numeric.length > 0) allowances.push({ ...source, peer, ports: numeric });
      // Egress to a named port: one allowance per receiving pod that has a port of that name.
      const named = rule.ports.filter((p) => typeof p.port === 'string');
      for (const receiver of receivers) {
        const ports = named.flatMap((p) => resolvePort(p, receiver));
        if (ports.length > 0) allowances.push({ ...source, peer: { kind: 'pod', pod: receiver.name, ip: receiver.ip }, ports });
      }
    }
  }
  return allowances.filter((a) => a.ports === null || a.ports.length > 0);
}

function resolvePeer(
  peer: PolicyPeer,
  policyNamespace: string,
  pods: readonly AddressedPod[],
  namespaces: readonly NamespaceLabels[],
): PeerMatch[] {
  if (peer.ipBlock) {
    return [{ kind: 'block', cidr: peer.ipBlock.cidr, except: peer.ipBlock.except ?? [] }];
  }
  const inNamespace = (pod: AddressedPod) => {
    if (!peer.namespaceSelector) return pod.namespace === policyNamespace;
    const labels = namespaces.find((n) => n.name === pod.namespace)?.labels ?? {};
    return selects(peer.namespaceSelector, labels);
  };
  return pods
    .filter((pod) => inNamespace(pod) && (!peer.podSelector || selects(peer.podSelector, pod.labels)))
    .map((pod) => ({ kind: 'pod', pod: pod.name, ip: pod.ip }));
}

function receiversOf(peer: PeerMatch, pods: readonly AddressedPod[]): readonly AddressedPod[] {
  if (peer.kind === 'pod') return pods.filter((p) => p.name === peer.pod);
  if (peer.kind === 'any') return pods;
  return []; // an address block holds no pods the lab knows the ports of
}

function protocolOf(port: PolicyPort | ContainerPort): Protocol {
  const protocol = port.protocol ?? 'TCP';
  if (protocol !== 'TCP' && protocol !== 'UDP' && protocol !== 'SCTP') throw new Error(`unknown protocol ${protocol}`);
  return protocol;
}

function numericPort(port: PolicyPort): PortMatch {
  const protocol = protocolOf(port);
  if (port.port === undefined) return { protocol };
  return port.endPort === undefined
    ? { protocol, port: port.port as number }
    : { protocol, port: port.port as number, endPort: port.endPort };
}

function resolvePort(port: PolicyPort, receiver: AddressedPod): PortMatch[] {
  if (typeof port.port !== 'string') return [numericPort(port)];
  const protocol = protocolOf(port);
  return receiver.ports
    .filter((p) => p.name === port.port && protocolOf(p) === protocol)
    .map((p) => ({ protocol, port: p.containerPort }));
}

/**
 * Whether the compiled policies let `from` open a connection to `to` (a pod's address or any
 * other) on `port`: the source's egress and the destination's ingress must both allow it. This
 * is what `check` expects before it sends a packet.
 */
export function allows(
  firewalls: readonly PodFirewall[],
  fromIp: string,
  toIp: string,
  port: number,
  protocol: Protocol,
): boolean {
  const of = (ip: string) => firewalls.find((f) => f.pod.ip === ip);
  const permits = (rules: DirectionRules | null | undefined, peerIp: string) =>
    !rules || rules.allowances.some((a) => peerMatchesIp(a.peer, peerIp) && portAllowed(a.ports, port, protocol));
  return permits(of(fromIp)?.egress, toIp) && permits(of(toIp)?.ingress, fromIp);
}

function peerMatchesIp(peer: PeerMatch, ip: string): boolean {
  if (peer.kind === 'any') return true;
  if (peer.kind === 'pod') return peer.ip === ip;
  return inCidr(ip, peer.cidr) && !peer.except.some((cidr) => inCidr(ip, cidr));
}

function portAllowed(ports: readonly PortMatch[] | null, port: number, protocol: Protocol): boolean {
  return ports === null || ports.some((p) => p.protocol === protocol
    && (p.port === undefined || (p.port <= port && port <= (p.endPort ?? p.port))));
}
