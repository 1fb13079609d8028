/**
 * The parts of Kubernetes objects the lab reads. Field names are the API's; anything the lab does
 * not read is left out, so these are views on the YAML, not full schemas.
 */

export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: ObjectMeta;
  readonly [field: string]: unknown;
}

export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly { key: string; operator: string; values?: readonly string[] }[];
}

export interface ContainerPort {
  readonly containerPort: number;
  readonly name?: string;
  readonly protocol?: string;
}

export interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: {
    readonly secretKeyRef?: { name: string; key: string; optional?: boolean };
    readonly configMapKeyRef?: { name: string; key: string; optional?: boolean };
    readonly fieldRef?: { fieldPath: string };
  };
}

export interface VolumeMount {
  readonly name: string;
  readonly mountPath: string;
  readonly subPath?: string;
  readonly readOnly?: boolean;
}

export interface Probe {
  readonly httpGet?: { path?: string; port: number | string; scheme?: string };
  readonly tcpSocket?: { port: number | string };
  readonly exec?: { command: readonly string[] };
  readonly periodSeconds?: number;
  readonly timeoutSeconds?: number;
  readonly failureThreshold?: number;
}

export interface SecurityContext {
  readonly runAsUser?: number;
  readonly runAsGroup?: number;
  readonly fsGroup?: number;
  readonly supplementalGroups?: readonly number[];
  /** Pod-level only: namespaced kernel parameters, e.g. net.ipv4.ip_unprivileged_port_start. */
  readonly sysctls?: readonly { name: string; value: string }[];
  readonly readOnlyRootFilesystem?: boolean;
  readonly allowPrivilegeEscalation?: boolean;
  readonly capabilities?: { add?: readonly string[]; drop?: readonly string[] };
}

export interface Container {
  readonly name: string;
  readonly image: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env?: readonly EnvVar[];
  readonly ports?: readonly ContainerPort[];
  readonly volumeMounts?: readonly VolumeMount[];
  readonly readinessProbe?: Probe;
  readonly livenessProbe?: Probe;
  readonly startupProbe?: Probe;
  readonly securityContext?: SecurityContext;
  readonly workingDir?: string;
}

export interface KeyToPath {
  readonly key: string;
  readonly path: string;
  readonly mode?: number;
}

export interface Volume {
  readonly name: string;
  readonly secret?: { secretName: string; items?: readonly KeyToPath[]; defaultMode?: number; optional?: boolean };
  readonly configMap?: { name: string; items?: readonly KeyToPath[]; defaultMode?: number; optional?: boolean };
  readonly emptyDir?: { medium?: string; sizeLimit?: string };
  readonly persistentVolumeClaim?: { claimName: string };
}

export interface PodSpec {
  readonly containers: readonly Container[];
  readonly initContainers?: readonly Container[];
  readonly volumes?: readonly Volume[];
  readonly securityContext?: SecurityContext;
  readonly dnsPolicy?: string;
  readonly enableServiceLinks?: boolean;
  readonly hostNetwork?: boolean;
  readonly hostname?: string;
  readonly subdomain?: string;
}

export interface PodTemplate {
  readonly metadata: { readonly labels?: Readonly<Record<string, string>> };
  readonly spec: PodSpec;
}

export interface Workload extends KubeObject {
  readonly kind: 'Deployment' | 'StatefulSet';
  readonly spec: {
    readonly replicas?: number;
    readonly selector: LabelSelector;
    readonly serviceName?: string;
    readonly template: PodTemplate;
    readonly volumeClaimTemplates?: readonly { metadata: { name: string } }[];
  };
}

/** A bare Pod: the lab's own cluster add-ons are written this way. */
export interface BarePod extends KubeObject {
  readonly kind: 'Pod';
  readonly spec: PodSpec;
}

export interface ServicePort {
  readonly name?: string;
  readonly port: number;
  readonly targetPort?: number | string;
  readonly nodePort?: number;
  readonly protocol?: string;
}

export interface Service extends KubeObject {
  readonly kind: 'Service';
  readonly spec: {
    readonly type?: string;
    readonly clusterIP?: string;
    readonly selector?: Readonly<Record<string, string>>;
    readonly ports?: readonly ServicePort[];
    readonly externalName?: string;
  };
}

export interface Secret extends KubeObject {
  readonly kind: 'Secret';
  readonly data?: Readonly<Record<string, string>>;
  readonly stringData?: Readonly<Record<string, string>>;
}

export interface ConfigMap extends KubeObject {
  readonly kind: 'ConfigMap';
  readonly data?: Readonly<Record<string, string>>;
}

export interface PolicyPeer {
  readonly podSelector?: LabelSelector;
  readonly namespaceSelector?: LabelSelector;
  readonly ipBlock?: { cidr: string; except?: readonly string[] };
}

export interface PolicyPort {
  readonly port?: number | string;
  readonly endPort?: number;
  readonly protocol?: string;
}

export interface PolicyRule {
  readonly from?: readonly PolicyPeer[];
  readonly to?: readonly PolicyPeer[];
  readonly ports?: readonly PolicyPort[];
}

export interface NetworkPolicy extends KubeObject {
  readonly kind: 'NetworkPolicy';
  readonly spec: {
    readonly podSelector: LabelSelector;
    readonly policyTypes?: readonly string[];
    readonly ingress?: readonly PolicyRule[];
    readonly egress?: readonly PolicyRule[];
  };
}

export interface HorizontalPodAutoscaler extends KubeObject {
  readonly kind: 'HorizontalPodAutoscaler';
  readonly spec: {
    readonly scaleTargetRef: { kind: string; name: string };
    readonly minReplicas?: number;
  };
}

/** Objects of one kind, typed by the caller. */
export function ofKind<T extends KubeObject>(objects: readonly KubeObject[], kind: T['kind']): T[] {
  return objects.filter((o): o is T => o.kind === kind);
}

/** The namespace an object lives in; the API server's default when none is given. */
export function namespaceOf(object: KubeObject): string {
  return object.metadata.namespace ?? 'default';
}

/** `namespace/name`, the way kubectl and kube-proxy name objects. */
export function qualifiedName(object: KubeObject): string {
  return `${namespaceOf(object)}/${object.metadata.name}`;
}
