import { isIP } from 'node:net';
import type { KubeObject } from './strict-schema.js';

/**
 * A small evaluator of Kubernetes NetworkPolicy semantics
 * (https://kubernetes.io/docs/concepts/services-networking/network-policies/), enough to ask of the
 * synthesized policies whether one endpoint may open a connection to another.
 */

/** A pod, with the labels of the pod and of its namespace. */
export interface PodEndpoint {
  readonly kind: 'pod';
  readonly namespace: string;
  readonly namespaceLabels: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
}

/** An address outside the pod network: a client on the internet, a node, a managed database. */
export interface ExternalEndpoint {
  readonly kind: 'external';
  readonly ip: string;
}

export type Endpoint = PodEndpoint | ExternalEndpoint;

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

interface Peer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}

interface PolicyPort {
  port?: number | string;
  endPort?: number;
  protocol?: string;
}

interface Rule {
  from?: Peer[];
  to?: Peer[];
  ports?: PolicyPort[];
}

interface NetworkPolicy extends KubeObject {
  spec: {
    podSelector: LabelSelector;
    policyTypes?: string[];
    ingress?: Rule[];
    egress?: Rule[];
  };
}

/** A pod in a namespace; the namespace gets its automatic `kubernetes.io/metadata.name` label. */
export function pod(
  namespace: string,
  labels: Record<string, string>,
  namespaceLabels: Record<string, string> = {},
): PodEndpoint {
  return {
    kind: 'pod',
    namespace,
    labels,
    namespaceLabels: { ...namespaceLabels, 'kubernetes.io/metadata.name': namespace },
  };
}

/** An address outside the cluster's pod network. */
export function external(ip: string): ExternalEndpoint {
  return { kind: 'external', ip };
}

/**
 * Whether `from` may connect to `to` on `port`/`protocol`: the source's egress policies and the
 * destination's ingress policies must both allow it.
 */
export function connectionAllowed(
  objects: readonly KubeObject[],
  from: Endpoint,
  to: Endpoint,
  port: number,
  protocol = 'TCP',
): boolean {
  const policies = objects.filter((o): o is NetworkPolicy => o.kind === 'NetworkPolicy');
  return directionAllows(policies, 'Egress', from, to, port, protocol)
    && directionAllows(policies, 'Ingress', to, from, port, protocol);
}

function directionAllows(
  policies: readonly NetworkPolicy[],
  direction: 'Ingress' | 'Egress',
  subject: Endpoint,
  peer: Endpoint,
  port: number,
  protocol: string,
): boolean {
  if (subject.kind !== 'pod') {
    return true; // policies only govern pods
  }
  const isolating = policies.filter((policy) =>
    (policy.metadata.namespace ?? 'default') === subject.namespace
    && policyTypes(policy).includes(direction)
    && selectorMatches(policy.spec.podSelector, subject.labels));
  if (isolating.length === 0) {
    return true;
  }
  return isolating.some((policy) => {
    const rules = (direction === 'Ingress' ? policy.spec.ingress : policy.spec.egress) ?? [];
    return rules.some((rule) => {
      const peers = direction === 'Ingress' ? rule.from : rule.to;
      const anyPeer = !peers || peers.length === 0
        || peers.some((p) => peerMatches(p, peer, policy.metadata.namespace ?? 'default'));
      return anyPeer && portMatches(rule.ports, port, protocol);
    });
  });
}

function policyTypes(policy: NetworkPolicy): string[] {
  if (policy.spec.policyTypes) {
    return policy.spec.policyTypes;
  }
  return policy.spec.egress ? ['Ingress', 'Egress'] : ['Ingress'];
}

function peerMatches(peer: Peer, endpoint: Endpoint, policyNamespace: string): boolean {
  if (peer.ipBlock) {
    return endpoint.kind === 'external' && inBlock(endpoint.ip, peer.ipBlock);
  }
  if (endpoint.kind !== 'pod') {
    return false;
  }
  const namespaceOk = peer.namespaceSelector
    ? selectorMatches(peer.namespaceSelector, endpoint.namespaceLabels)
    : endpoint.namespace === policyNamespace;
  const podOk = peer.podSelector ? selectorMatches(peer.podSelector, endpoint.labels) : true;
  return namespaceOk && podOk;
}

function portMatches(ports: PolicyPort[] | undefined, port: number, protocol: string): boolean {
  if (!ports || ports.length === 0) {
    return true;
  }
  return ports.some((p) => {
    if ((p.protocol ?? 'TCP') !== protocol) {
      return false;
    }
    if (p.port === undefined) {
      return true;
    }
    if (typeof p.port === 'string') {
      throw new Error(`named port ${p.port} is not supported by this evaluator`);
    }
    return p.endPort === undefined ? p.port === port : p.port <= port && port <= p.endPort;
  });
}

/** Label selector semantics; an empty selector matches everything. */
export function selectorMatches(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  const byExpressions = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    switch (operator) {
      case 'In': return key in labels && values.includes(labels[key]!);
      case 'NotIn': return !(key in labels) || !values.includes(labels[key]!);
      case 'Exists': return key in labels;
      case 'DoesNotExist': return !(key in labels);
      default: throw new Error(`unknown selector operator ${operator}`);
    }
  });
  return byLabels && byExpressions;
}

function inBlock(ip: string, block: { cidr: string; except?: string[] }): boolean {
  return inCidr(ip, block.cidr) && !(block.except ?? []).some((cidr) => inCidr(ip, cidr));
}

function inCidr(ip: string, cidr: string): boolean {
  const [network, bits] = cidr.split('/') as [string, string];
  const family = isIP(ip);
  if (family === 0 || isIP(network) !== family) {
    return false; // an IPv4 address is never in an IPv6 range, nor the reverse
  }
  const width = family === 4 ? 32n : 128n;
  const mask = ((1n << width) - 1n) ^ ((1n << (width - BigInt(bits))) - 1n);
  return (toNumber(ip) & mask) === (toNumber(network) & mask);
}

function toNumber(ip: string): bigint {
  if (isIP(ip) === 4) return ip.split('.').reduce((sum, octet) => (sum << 8n) + BigInt(octet), 0n);
  // IPv6: expand "::" to the missing groups of zeros, then read eight 16-bit groups.
  const [head = '', tail] = ip.split('::') as [string, string | undefined];
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const given = [...groups(head), ...(tail === undefined ? [] : groups(tail))];
  const all = tail === undefined ? given : [...groups(head), ...Array<string>(8 - given.length).fill('0'), ...groups(tail)];
  return all.reduce((sum, group) => (sum << 16n) + BigInt(`0x${group}`), 0n);
}
