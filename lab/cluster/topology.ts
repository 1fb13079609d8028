import type {
  BarePod, HorizontalPodAutoscaler, KubeObject, NetworkPolicy, PodSpec, Service, Workload,
} from '../kube/objects.js';
import { namespaceOf, ofKind } from '../kube/objects.js';
import { addressIn, inCidr, ipToNumber, parseCidr } from '../net/ip.js';
import { CLUSTER } from './plan.js';

/** A pod the lab runs: where it comes from, where it is scheduled, what it runs. */
export interface LabPod {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly node: string;
  /** The object that makes it, e.g. `Deployment product-catalog`. */
  readonly owner: string;
  readonly spec: PodSpec;
}

export interface LabService {
  readonly object: Service;
  readonly namespace: string;
  readonly name: string;
  /** Null for a headless Service. */
  readonly clusterIP: string | null;
}

export interface LabNamespace {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** The lab's cluster: every object, and the pods, Services and namespaces made from them. */
export interface Topology {
  readonly objects: readonly KubeObject[];
  readonly namespaces: readonly LabNamespace[];
  readonly pods: readonly LabPod[];
  readonly services: readonly LabService[];
  readonly policies: readonly NetworkPolicy[];
}

/** First address handed to a Service without a `clusterIP`; below it: the API server, DNS. */
const FIRST_ALLOCATED_SERVICE_OFFSET = 20;

/**
 * Builds the lab's cluster from the manifests and the cluster's add-ons: pods for each workload's
 * replicas (named like the tutorial's `web-1`, or `mysql-0` as a StatefulSet names them), spread
 * over the nodes round-robin in apply order; a ClusterIP for each Service.
 */
export function buildTopology(manifests: readonly KubeObject[], addons: readonly KubeObject[]): Topology {
  const objects = [...manifests, ...addons];
  const nodes = CLUSTER.nodes.map((n) => n.name);
  let next = 0;
  const schedule = () => nodes[next++ % nodes.length]!;

  const pods: LabPod[] = [];
  for (const workload of objects.filter((o): o is Workload => o.kind === 'Deployment' || o.kind === 'StatefulSet')) {
    const template = workload.spec.template;
    const labels = template.metadata.labels ?? {};
    const replicas = replicaCount(workload, objects);
    for (let i = 0; i < replicas; i++) {
      pods.push({
        name: podName(workload, i),
        namespace: namespaceOf(workload),
        labels,
        node: schedule(),
        owner: `${workload.kind} ${workload.metadata.name}`,
        spec: template.spec,
      });
    }
  }
  for (const pod of ofKind<BarePod>(objects, 'Pod')) {
    pods.push({
      name: pod.metadata.name,
      namespace: namespaceOf(pod),
      labels: pod.metadata.labels ?? {},
      node: schedule(),
      owner: 'Pod',
      spec: pod.spec,
    });
  }
  const duplicate = pods.find((p, i) => pods.findIndex((q) => q.name === p.name) !== i);
  if (duplicate) throw new Error(`two lab pods would be named ${duplicate.name}`);

  return {
    objects,
    namespaces: namespacesOf(objects),
    pods,
    services: allocateClusterIps(ofKind<Service>(objects, 'Service')),
    policies: ofKind<NetworkPolicy>(objects, 'NetworkPolicy'),
  };
}

/**
 * How many pods a workload runs once the cluster settles: `replicas` (1 when unset, as the API
 * server defaults it), raised to the `minReplicas` of a HorizontalPodAutoscaler that targets it.
 */
export function replicaCount(workload: Workload, objects: readonly KubeObject[]): number {
  const declared = workload.spec.replicas ?? 1;
  const autoscaler = ofKind<HorizontalPodAutoscaler>(objects, 'HorizontalPodAutoscaler').find((hpa) =>
    namespaceOf(hpa) === namespaceOf(workload)
    && hpa.spec.scaleTargetRef.kind === workload.kind
    && hpa.spec.scaleTargetRef.name === workload.metadata.name);
  return autoscaler ? Math.max(declared, autoscaler.spec.minReplicas ?? 1) : declared;
}

function podName(workload: Workload, index: number): string {
  if (workload.kind === 'StatefulSet') return `${workload.metadata.name}-${index}`;
  const component = workload.spec.template.metadata.labels?.['app.kubernetes.io/component'];
  return `${component ?? workload.metadata.name}-${index + 1}`;
}

function namespacesOf(objects: readonly KubeObject[]): LabNamespace[] {
  const names = new Set(objects.map(namespaceOf));
  for (const o of objects) if (o.kind === 'Namespace') names.add(o.metadata.name);
  return [...names].map((name) => {
    const declared = objects.find((o) => o.kind === 'Namespace' && o.metadata.name === name);
    // The API server labels every namespace with its own name.
    return { name, labels: { ...declared?.metadata.labels, 'kubernetes.io/metadata.name': name } };
  });
}

function allocateClusterIps(services: readonly Service[]): LabService[] {
  const taken = new Set(services.map((s) => s.spec.clusterIP).filter((ip): ip is string => !!ip && ip !== 'None'));
  const { size } = parseCidr(CLUSTER.serviceCidr);
  let offset = FIRST_ALLOCATED_SERVICE_OFFSET;
  return services.map((service) => {
    const base = { object: service, namespace: namespaceOf(service), name: service.metadata.name };
    if (service.spec.type === 'ExternalName') return { ...base, clusterIP: null };
    const given = service.spec.clusterIP;
    if (given === 'None') return { ...base, clusterIP: null };
    if (given) {
      if (!inCidr(given, CLUSTER.serviceCidr)) {
        throw new Error(`Service ${base.namespace}/${base.name}: clusterIP ${given} is outside ${CLUSTER.serviceCidr}`);
      }
      return { ...base, clusterIP: given };
    }
    while (taken.has(addressIn(CLUSTER.serviceCidr, offset))) offset++;
    if (offset >= size - 1) throw new Error('the lab service range is full');
    const ip = addressIn(CLUSTER.serviceCidr, offset);
    taken.add(ip);
    return { ...base, clusterIP: ip };
  });
}

/** Orders addresses numerically, for stable output. */
export function byAddress(a: string, b: string): number {
  return ipToNumber(a) - ipToNumber(b);
}
