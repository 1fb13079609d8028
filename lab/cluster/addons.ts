import type { BarePod, KubeObject, Service } from '../kube/objects.js';
import { CLUSTER } from './plan.js';

/**
 * What the cluster itself brings and the manifests only refer to, written as Kubernetes objects so
 * the lab treats them exactly like the manifests' own: the namespaces `kube-system` and `default`,
 * cluster DNS (a pod labelled `k8s-app: kube-dns`, the label CoreDNS carries, behind the Service
 * `kube-dns` at the ClusterIP kubelet hands out), and a "stranger": a pod in `default` that no
 * policy selects, to show what the policies refuse.
 */

/** Images the lab runs from its own code rather than from the manifests. */
export const LAB_IMAGES = { dns: 'lab/dns', agent: 'lab/agent' } as const;

/** The port the stranger's agent serves on, so a refused connection is the policy's doing. */
export const STRANGER_PORT = 8080;

const NOBODY = 65534;

export function clusterAddons(): KubeObject[] {
  const namespaces: KubeObject[] = ['kube-system', 'default'].map((name) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name },
  }));
  const dnsLabels = { 'k8s-app': 'kube-dns' };
  const dnsPod: BarePod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'dns', namespace: 'kube-system', labels: dnsLabels },
    spec: {
      dnsPolicy: 'Default',
      // A safe sysctl: lets the unprivileged server bind port 53 in its own network namespace.
      securityContext: { runAsUser: NOBODY, runAsGroup: NOBODY, sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '53' }] },
      containers: [{
        name: 'dns',
        image: LAB_IMAGES.dns,
        ports: [
          { name: 'dns', containerPort: 53, protocol: 'UDP' },
          { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
        ],
        readinessProbe: { tcpSocket: { port: 53 } },
      }],
    },
  };
  const dnsService: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kube-dns', namespace: 'kube-system', labels: dnsLabels },
    spec: {
      clusterIP: CLUSTER.dnsServiceIp,
      selector: dnsLabels,
      ports: [
        { name: 'dns', port: 53, targetPort: 53, protocol: 'UDP' },
        { name: 'dns-tcp', port: 53, targetPort: 53, protocol: 'TCP' },
      ],
    },
  };
  const stranger: BarePod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'stranger', namespace: 'default', labels: { run: 'stranger' } },
    spec: {
      dnsPolicy: 'ClusterFirst',
      securityContext: { runAsUser: NOBODY, runAsGroup: NOBODY },
      containers: [{
        name: 'stranger',
        image: LAB_IMAGES.agent,
        ports: [{ name: 'http', containerPort: STRANGER_PORT, protocol: 'TCP' }],
        readinessProbe: { tcpSocket: { port: STRANGER_PORT } },
      }],
    },
  };
  return [...namespaces, dnsService, dnsPod, stranger];
}
