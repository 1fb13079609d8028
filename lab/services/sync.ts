import { CLUSTER, NETNS } from '../cluster/plan.js';
import type { LabState } from '../cluster/state.js';
import type { Topology } from '../cluster/topology.js';
import { selects } from '../kube/selectors.js';
import { chainsOf, restore } from '../net/iptables.js';
import { type Endpoint, renderServices, type ServicePortView } from './kube-proxy.js';

/**
 * The Services' ports with their ready endpoints, as the EndpointSlice controller publishes them:
 * pods of the Service's namespace that its selector selects and whose readiness probe passes, at
 * the target port (a number, or the pod's container port of that name).
 */
export function servicePorts(topology: Topology, state: LabState): ServicePortView[] {
  const views: ServicePortView[] = [];
  for (const service of topology.services) {
    const spec = service.object.spec;
    if (!service.clusterIP || !spec.selector) continue;
    const selected = topology.pods.filter((pod) =>
      pod.namespace === service.namespace && selects({ matchLabels: spec.selector! }, pod.labels));
    for (const port of spec.ports ?? []) {
      const protocol = (port.protocol ?? 'TCP') as ServicePortView['protocol'];
      const endpoints: Endpoint[] = [];
      for (const pod of selected) {
        const podState = state.pods[pod.name];
        if (!podState?.ready) continue;
        const target = port.targetPort ?? port.port;
        const number = typeof target === 'number'
          ? target
          : pod.spec.containers.flatMap((c) => c.ports ?? []).find((p) => p.name === target)?.containerPort;
        if (number !== undefined) endpoints.push({ pod: pod.name, ip: podState.ip, port: number });
      }
      views.push({
        namespace: service.namespace,
        name: service.name,
        ...(port.name && { portName: port.name }),
        protocol,
        clusterIP: service.clusterIP,
        port: port.port,
        ...(spec.type === 'NodePort' || spec.type === 'LoadBalancer' ? { nodePort: port.nodePort } : {}),
        endpoints,
      });
    }
  }
  return views;
}

/** kube-proxy's sync: the same Service rules on every node. */
export async function syncServices(topology: Topology, state: LabState): Promise<void> {
  const views = servicePorts(topology, state);
  for (const node of CLUSTER.nodes) {
    const netns = NETNS.node(node.name);
    await restore(netns, renderServices(views, CLUSTER.clusterCidr, await chainsOf(netns, 'nat')).text);
  }
}
