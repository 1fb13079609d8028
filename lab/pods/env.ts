import type { LabPod, LabService, Topology } from '../cluster/topology.js';
import type { ConfigMap, Container, Secret } from '../kube/objects.js';
import { namespaceOf, ofKind } from '../kube/objects.js';

/**
 * A container's environment as kubelet and the runtime build it: the image's ENV, the Services of
 * the pod's namespace as `<NAME>_SERVICE_HOST`-style variables (unless `enableServiceLinks` is
 * false), HOSTNAME, then the container's own `env`, which wins.
 */
export function containerEnv(
  pod: LabPod,
  container: Container,
  topology: Topology,
  podIp: string,
  imageEnv: Readonly<Record<string, string>>,
): Record<string, string> {
  const env: Record<string, string> = { ...imageEnv, HOSTNAME: pod.name };
  if (pod.spec.enableServiceLinks !== false) {
    for (const service of topology.services.filter((s) => s.namespace === pod.namespace)) {
      Object.assign(env, serviceLinks(service));
    }
  }
  for (const variable of container.env ?? []) {
    env[variable.name] = variable.value ?? valueFrom(variable.valueFrom, pod, topology, podIp, variable.name);
  }
  return env;
}

function serviceLinks(service: LabService): Record<string, string> {
  const ip = service.clusterIP;
  const ports = service.object.spec.ports ?? [];
  if (!ip || ports.length === 0) return {};
  const prefix = service.name.toUpperCase().replaceAll('-', '_');
  const first = ports[0]!;
  const links: Record<string, string> = {
    [`${prefix}_SERVICE_HOST`]: ip,
    [`${prefix}_SERVICE_PORT`]: String(first.port),
    [`${prefix}_PORT`]: `${(first.protocol ?? 'TCP').toLowerCase()}://${ip}:${first.port}`,
  };
  for (const port of ports) {
    const protocol = port.protocol ?? 'TCP';
    const key = `${prefix}_PORT_${port.port}_${protocol}`;
    if (port.name) links[`${prefix}_SERVICE_PORT_${port.name.toUpperCase().replaceAll('-', '_')}`] = String(port.port);
    links[key] = `${protocol.toLowerCase()}://${ip}:${port.port}`;
    links[`${key}_PROTO`] = protocol.toLowerCase();
    links[`${key}_PORT`] = String(port.port);
    links[`${key}_ADDR`] = ip;
  }
  return links;
}

function valueFrom(
  source: NonNullable<Container['env']>[number]['valueFrom'],
  pod: LabPod,
  topology: Topology,
  podIp: string,
  name: string,
): string {
  if (source?.secretKeyRef) {
    const ref = source.secretKeyRef;
    const secret = ofKind<Secret>(topology.objects, 'Secret').find((s) => s.metadata.name === ref.name && namespaceOf(s) === pod.namespace);
    const value = secret?.stringData?.[ref.key] ?? (secret?.data?.[ref.key] && Buffer.from(secret.data[ref.key]!, 'base64').toString('utf8'));
    if (value === undefined && !ref.optional) throw new Error(`pod ${pod.name}: env ${name} refers to missing Secret key ${ref.name}/${ref.key}`);
    return value || '';
  }
  if (source?.configMapKeyRef) {
    const ref = source.configMapKeyRef;
    const configMap = ofKind<ConfigMap>(topology.objects, 'ConfigMap').find((c) => c.metadata.name === ref.name && namespaceOf(c) === pod.namespace);
    const value = configMap?.data?.[ref.key];
    if (value === undefined && !ref.optional) throw new Error(`pod ${pod.name}: env ${name} refers to missing ConfigMap key ${ref.name}/${ref.key}`);
    return value ?? '';
  }
  const field = source?.fieldRef?.fieldPath;
  const fields: Record<string, string> = {
    'metadata.name': pod.name,
    'metadata.namespace': pod.namespace,
    'spec.nodeName': pod.node,
    'status.podIP': podIp,
  };
  if (field && field in fields) return fields[field]!;
  throw new Error(`pod ${pod.name}: env ${name} has a source the lab does not support`);
}
