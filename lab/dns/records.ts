import type { LabService } from '../cluster/topology.js';
import { CLUSTER } from '../cluster/plan.js';

/** Pod addresses by pod name, with readiness. */
export type PodAddresses = ReadonlyMap<string, { ip: string; ready: boolean; namespace: string; labels: Readonly<Record<string, string>> }>;

/**
 * The names cluster DNS serves, as the Kubernetes DNS specification defines them:
 * `<service>.<namespace>.svc.<domain>` is the ClusterIP, or for a headless Service the addresses
 * of its ready pods. Short names such as `webapp-sql1` resolve through the search path each pod's
 * resolv.conf carries, not here.
 */
export function serviceRecords(services: readonly LabService[], pods: PodAddresses): Map<string, string[]> {
  const records = new Map<string, string[]>();
  for (const service of services) {
    const name = `${service.name}.${service.namespace}.svc.${CLUSTER.domain}`;
    if (service.object.spec.type === 'ExternalName') continue;
    if (service.clusterIP) {
      records.set(name, [service.clusterIP]);
      continue;
    }
    const selector = service.object.spec.selector ?? {};
    records.set(name, [...pods.values()]
      .filter((p) => p.ready && p.namespace === service.namespace
        && Object.entries(selector).every(([k, v]) => p.labels[k] === v))
      .map((p) => p.ip));
  }
  return records;
}

/** The resolv.conf kubelet writes for a pod with `dnsPolicy: ClusterFirst` in `namespace`. */
export function clusterFirstResolvConf(namespace: string): string {
  const domain = CLUSTER.domain;
  return [
    `search ${namespace}.svc.${domain} svc.${domain} ${domain}`,
    `nameserver ${CLUSTER.dnsServiceIp}`,
    'options ndots:5',
    '',
  ].join('\n');
}
