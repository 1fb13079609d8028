import { CLUSTER, NETNS } from '../cluster/plan.js';
import type { LabState } from '../cluster/state.js';
import type { Topology } from '../cluster/topology.js';
import { namespaceOf } from '../kube/objects.js';
import { chainsOf, restore } from '../net/iptables.js';
import { type AddressedPod, compilePolicies } from './compile.js';
import { renderPolicies } from './render.js';

/** The lab's pods with their addresses, as the policy compiler takes them. */
export function addressedPods(topology: Topology, state: LabState): (AddressedPod & { node: string })[] {
  return topology.pods.filter((p) => state.pods[p.name]).map((p) => ({
    name: p.name,
    namespace: p.namespace,
    labels: p.labels,
    ip: state.pods[p.name]!.ip,
    node: p.node,
    ports: p.spec.containers.flatMap((c) => c.ports ?? []),
  }));
}

/**
 * The policy plugin's sync: on each node, the chains of that node's own pods. `without` leaves
 * policies out (`namespace/name`), as if they had been deleted.
 */
export async function syncPolicies(topology: Topology, state: LabState, without: readonly string[] = []): Promise<void> {
  const pods = addressedPods(topology, state);
  const policies = topology.policies.filter((p) => !without.includes(`${namespaceOf(p)}/${p.metadata.name}`));
  const firewalls = compilePolicies(policies, pods, topology.namespaces);
  for (const node of CLUSTER.nodes) {
    const local = firewalls.filter((f) => pods.find((p) => p.name === f.pod.name)?.node === node.name);
    const netns = NETNS.node(node.name);
    await restore(netns, renderPolicies(local, await chainsOf(netns, 'filter')).text);
  }
}
