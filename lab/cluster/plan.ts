import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * What a real cluster decides for itself and the manifests leave open: addresses, node names, the
 * DNS domain. Values are minikube's and flannel's defaults, so the lab's output reads like theirs.
 */

/** Every name the lab creates on the host starts with this, so `down` finds all of it. */
export const LAB_PREFIX = 'pclab-';

/** The repository root: the app's `dist/`, `node_modules/` and the manifests are found from here. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The manifests the lab enacts. */
export const MANIFEST_DIR = path.join(REPO_ROOT, 'k8s/dist/minikube');

/** The lab's files: pod volumes, logs, IPAM state, the state file. Removed whole by `down`. */
export const STATE_DIR = process.env.LAB_STATE_DIR ?? `/var/lib/${LAB_PREFIX}product-catalog`;

export interface NodePlan {
  readonly name: string;
  /** The node's address on the "physical" network. */
  readonly ip: string;
  /** The node's slice of the cluster's pod network (flannel's subnet lease). */
  readonly podCidr: string;
}

export const CLUSTER = {
  domain: 'cluster.local',
  /** All pods' addresses: kube-proxy's clusterCIDR, flannel's Network. */
  clusterCidr: '10.244.0.0/16',
  /** ClusterIPs come from here. */
  serviceCidr: '10.96.0.0/12',
  /** The kube-dns Service's ClusterIP: what kubelet writes as `nameserver`. */
  dnsServiceIp: '10.96.0.10',
  /** The "physical" network the nodes share (minikube's Docker network). */
  lanCidr: '192.168.49.0/24',
  /** A machine on that network outside the cluster: the reader's laptop, the NodePort client. */
  clientIp: '192.168.49.1',
  nodes: [
    { name: 'node1', ip: '192.168.49.2', podCidr: '10.244.0.0/24' },
    { name: 'node2', ip: '192.168.49.3', podCidr: '10.244.1.0/24' },
  ] as readonly NodePlan[],
  /** The pod bridge of each node (the tutorial's and kubenet's name). */
  bridge: 'cbr0',
  /** flannel's vxlan backend: device, VNI, UDP port; the pod MTU leaves room for its 50 bytes. */
  vxlan: { device: 'flannel.1', vni: 1, port: 8472 },
  podMtu: 1450,
  /** The node's interface on the physical network. */
  nodeInterface: 'eth0',
} as const;

/** Network namespace names. */
export const NETNS = {
  node: (node: string) => `${LAB_PREFIX}${node}`,
  pod: (pod: string) => `${LAB_PREFIX}pod-${pod}`,
  /** The switch of the physical network. */
  lan: `${LAB_PREFIX}lan`,
  /** The machine outside the cluster. */
  client: `${LAB_PREFIX}client`,
} as const;
