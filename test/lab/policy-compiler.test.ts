import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { clusterAddons } from '../../lab/cluster/addons.js';
import { buildTopology, type LabPod, type Topology } from '../../lab/cluster/topology.js';
import type { KubeObject, NetworkPolicy } from '../../lab/kube/objects.js';
import { type AddressedPod, compilePolicies } from '../../lab/policy/compile.js';
import { POLICY_ENTRY_CHAIN, renderPolicies } from '../../lab/policy/render.js';
import { minikube, production } from '../../k8s/variants.js';
import { synthObjects } from '../k8s/support/manifests.js';
import { connectionAllowed, type Endpoint, external, pod } from '../k8s/support/network-policy.js';
import type { KubeObject as ReferenceObject } from '../k8s/support/strict-schema.js';
import { productionExternal } from '../k8s/support/variants.js';
import { type Packet, RuleSet } from './support/iptables-eval.js';

/**
 * The policy compiler's iptables rules, run through a small iptables interpreter, must decide every
 * connection exactly as the NetworkPolicy evaluator of the manifests tests does
 * (test/k8s/support/network-policy.ts): same semantics, two independent implementations.
 */

interface Party {
  readonly label: string;
  readonly ip: string;
  /** The lab pod, or undefined for an address outside the pod network. */
  readonly pod?: AddressedPod & { node: string };
  readonly reference: Endpoint;
}

/** Pods the manifests do not make, to probe the policies from other places. */
const EXTRA_PODS: KubeObject[] = [
  barePod('debug-shell', 'product-catalog', { app: 'debug-shell' }),
  barePod('web-elsewhere', 'default', { app: 'web' }),
  barePod('ingress-controller', 'ingress-nginx', { 'app.kubernetes.io/name': 'ingress-nginx' }),
  barePod('other-system-pod', 'kube-system', { 'k8s-app': 'other' }),
];

const OUTSIDE = ['203.0.113.7', '10.20.3.4', '10.21.0.1', '192.168.49.1'];
const PORTS = [22, 53, 80, 443, 3000, 3306, 8080, 33060];
const PROTOCOLS = ['TCP', 'UDP'] as const;

function barePod(name: string, namespace: string, labels: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels },
    spec: { containers: [{ name, image: 'x', ports: [{ name: 'http', containerPort: 8080 }] }] },
  };
}

/** The lab's cluster for a set of objects, with addresses as the CNI would hand them out per node. */
function labCluster(objects: readonly KubeObject[]): { topology: Topology; parties: Party[]; nodes: Map<string, RuleSet> } {
  const topology = buildTopology(objects, [...clusterAddons(), ...EXTRA_PODS]);
  const perNode = new Map<string, number>();
  const addressed = topology.pods.map((p: LabPod) => {
    const n = (perNode.get(p.node) ?? 1) + 1;
    perNode.set(p.node, n);
    const subnet = p.node === 'node1' ? 0 : 1;
    return {
      name: p.name,
      namespace: p.namespace,
      labels: p.labels,
      ip: `10.244.${subnet}.${n}`,
      node: p.node,
      ports: p.spec.containers.flatMap((c) => c.ports ?? []),
    };
  });
  const firewalls = compilePolicies(topology.policies, addressed, topology.namespaces);
  const nodes = new Map<string, RuleSet>();
  for (const node of new Set(addressed.map((p) => p.node))) {
    const local = firewalls.filter((f) => addressed.find((p) => p.name === f.pod.name)!.node === node);
    nodes.set(node, new RuleSet(renderPolicies(local).text));
  }
  const namespaceLabels = (ns: string) => topology.namespaces.find((n) => n.name === ns)!.labels;
  const parties: Party[] = [
    ...addressed.map((p) => ({ label: `${p.namespace}/${p.name}`, ip: p.ip, pod: p, reference: pod(p.namespace, { ...p.labels }, { ...namespaceLabels(p.namespace) }) })),
    ...OUTSIDE.map((ip) => ({ label: ip, ip, reference: external(ip) })),
  ];
  return { topology, parties, nodes };
}

/** What the rendered rules decide: the source's node checks egress, the destination's ingress. */
function compiledAllows(nodes: Map<string, RuleSet>, from: Party, to: Party, port: number, protocol: 'TCP' | 'UDP'): boolean {
  const packet: Packet = { src: from.ip, dst: to.ip, protocol: protocol === 'TCP' ? 'tcp' : 'udp', dport: port };
  const traversed = new Set([from.pod?.node, to.pod?.node].filter((n): n is string => n !== undefined));
  return [...traversed].every((node) => nodes.get(node)!.evaluate(POLICY_ENTRY_CHAIN, packet) === 'ACCEPT');
}

function assertSameDecisions(objects: readonly KubeObject[]): { allowed: number; denied: number } {
  const { topology, parties, nodes } = labCluster(objects);
  const counts = { allowed: 0, denied: 0 };
  const mismatches: string[] = [];
  for (const from of parties) {
    for (const to of parties) {
      if (!from.pod && !to.pod) continue;
      for (const protocol of PROTOCOLS) {
        for (const port of PORTS) {
          const expected = connectionAllowed(topology.objects as ReferenceObject[], from.reference, to.reference, port, protocol);
          const actual = compiledAllows(nodes, from, to, port, protocol);
          counts[expected ? 'allowed' : 'denied']++;
          if (expected !== actual) mismatches.push(`${from.label} -> ${to.label} ${protocol} ${port}: evaluator ${expected}, rules ${actual}`);
        }
      }
    }
  }
  assert.deepEqual(mismatches, []);
  return counts;
}

describe('policy compiler against the manifests tests\' NetworkPolicy evaluator', () => {
  for (const variant of [minikube, production, productionExternal]) {
    it(`when the ${variant.variant} policies are compiled, then every connection between lab pods and outside addresses is decided as the evaluator decides it`, () => {
      const counts = assertSameDecisions(synthObjects(variant) as KubeObject[]);
      assert.ok(counts.allowed > 0 && counts.denied > 0, `both kinds of decision were exercised: ${JSON.stringify(counts)}`);
    });
  }

  it('when the minikube policies are compiled, then a web pod reaches MySQL and DNS and nothing else, and only web pods reach MySQL', () => {
    const { parties, nodes } = labCluster(synthObjects(minikube) as KubeObject[]);
    const the = (name: string) => parties.find((p) => p.pod?.name === name)!;
    assert.equal(compiledAllows(nodes, the('web-1'), the('mysql-0'), 3306, 'TCP'), true);
    assert.equal(compiledAllows(nodes, the('web-2'), the('dns'), 53, 'UDP'), true);
    assert.equal(compiledAllows(nodes, the('web-1'), the('web-2'), 3000, 'TCP'), false);
    assert.equal(compiledAllows(nodes, the('stranger'), the('mysql-0'), 3306, 'TCP'), false);
    assert.equal(compiledAllows(nodes, the('stranger'), the('web-1'), 3000, 'TCP'), true);
    assert.equal(compiledAllows(nodes, the('mysql-0'), the('dns'), 53, 'UDP'), false);
  });

  it('when policies are random (selectors, namespaces, address blocks with exceptions, port ranges, implied policy types), then the rules decide as the evaluator', () => {
    const labelValue = fc.constantFrom('web', 'db', 'other');
    const selector = fc.record({ matchLabels: fc.dictionary(fc.constantFrom('app', 'tier'), labelValue, { maxKeys: 2 }) }, { requiredKeys: [] });
    const namespaceSelector = fc.record({ matchLabels: fc.dictionary(fc.constantFrom('kubernetes.io/metadata.name', 'team'), fc.constantFrom('shop', 'ops', 'default', 'blue'), { maxKeys: 1 }) });
    const peer = fc.oneof(
      fc.record({ podSelector: selector }),
      fc.record({ namespaceSelector }),
      fc.record({ podSelector: selector, namespaceSelector }),
      fc.record({ ipBlock: fc.record({ cidr: fc.constantFrom('203.0.113.0/24', '198.51.100.0/24'), except: fc.constantFrom([], ['203.0.113.7/32'], ['203.0.113.0/28']) }) }),
    );
    const port = fc.oneof(
      fc.record({ protocol: fc.constantFrom('TCP', 'UDP'), port: fc.constantFrom(53, 80, 3306) }),
      fc.record({ protocol: fc.constantFrom('TCP', 'UDP'), port: fc.constant(80), endPort: fc.constantFrom(80, 443, 8080) }),
      fc.record({ protocol: fc.constantFrom('TCP', 'UDP') }),
    );
    const rule = fc.record({ peers: fc.option(fc.array(peer, { maxLength: 2 }), { nil: undefined }), ports: fc.option(fc.array(port, { maxLength: 2 }), { nil: undefined }) });
    const policy = fc.record({
      namespace: fc.constantFrom('shop', 'ops'),
      podSelector: selector,
      policyTypes: fc.option(fc.subarray(['Ingress', 'Egress']), { nil: undefined }),
      ingress: fc.option(fc.array(rule, { maxLength: 2 }), { nil: undefined }),
      egress: fc.option(fc.array(rule, { maxLength: 2 }), { nil: undefined }),
    });
    const podLabels = fc.dictionary(fc.constantFrom('app', 'tier'), labelValue, { maxKeys: 2 });
    const pods = fc.array(fc.record({ namespace: fc.constantFrom('shop', 'ops', 'default'), labels: podLabels }), { minLength: 1, maxLength: 5 });

    fc.assert(fc.property(fc.array(policy, { maxLength: 4 }), pods, (policies, podSpecs) => {
      const objects: KubeObject[] = [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { team: 'blue' } } },
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ops' } },
        ...podSpecs.map((p, i) => barePod(`p${i}`, p.namespace, p.labels)),
        ...policies.map((p, i): NetworkPolicy => ({
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: { name: `np${i}`, namespace: p.namespace },
          spec: {
            podSelector: p.podSelector,
            ...(p.policyTypes && { policyTypes: p.policyTypes }),
            ...(p.ingress && { ingress: p.ingress.map((r) => ({ ...(r.peers && { from: r.peers }), ...(r.ports && { ports: r.ports }) })) }),
            ...(p.egress && { egress: p.egress.map((r) => ({ ...(r.peers && { to: r.peers }), ...(r.ports && { ports: r.ports }) })) }),
          },
        })),
      ];
      assertSameDecisions(objects);
    }), { numRuns: 150 });
  });

  it('when a policy names a port, then it allows the port of that name on the receiving pod', () => {
    const objects: KubeObject[] = [
      barePod('server', 'shop', { app: 'server' }),
      barePod('client', 'shop', { app: 'client' }),
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'named', namespace: 'shop' },
        spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [{ ports: [{ port: 'http' }] }], egress: [{ ports: [{ port: 'http' }] }] },
      } satisfies NetworkPolicy,
    ];
    const { parties, nodes } = labCluster(objects);
    const the = (name: string) => parties.find((p) => p.pod?.name === name)!;
    assert.equal(compiledAllows(nodes, the('client'), the('server'), 8080, 'TCP'), true);
    assert.equal(compiledAllows(nodes, the('client'), the('server'), 80, 'TCP'), false);
    assert.equal(compiledAllows(nodes, the('client'), the('server'), 8080, 'UDP'), false);
  });
});
