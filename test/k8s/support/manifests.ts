import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { createCatalogApp } from '../../../k8s/catalog.js';
import type { CatalogProps } from '../../../k8s/catalog-props.js';
import { DIST_DIR, type ManifestFile, renderManifests } from '../../../k8s/write-manifests.js';
import type { KubeObject } from './strict-schema.js';

/** Synthesizes a variant in memory, as `npm run synth` would write it. */
export function synthFiles(props: CatalogProps): ManifestFile[] {
  return renderManifests(createCatalogApp(props));
}

/** The committed files of k8s/dist/<variant>/. */
export function committedFiles(variant: string): ManifestFile[] {
  const dir = path.join(DIST_DIR, variant);
  return readdirSync(dir)
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .map((name) => ({ name, content: readFileSync(path.join(dir, name), 'utf8') }));
}

/** Every object in the files, in order. */
export function objectsOf(files: readonly ManifestFile[]): KubeObject[] {
  return files.flatMap((file) =>
    parseAllDocuments(file.content).map((document) => {
      if (document.errors.length > 0) {
        throw new Error(`${file.name}: ${document.errors.map((e) => e.message).join('; ')}`);
      }
      return document.toJS() as KubeObject;
    }));
}

/** Synthesizes a variant and returns its objects. */
export function synthObjects(props: CatalogProps): KubeObject[] {
  return objectsOf(synthFiles(props));
}

/** The one object of that kind and name; fails otherwise. */
export function the(objects: readonly KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  if (found.length !== 1) {
    throw new Error(`expected one ${kind} ${name}, found ${found.length}`);
  }
  return found[0]!;
}

/** Shapes of the parts of workloads that the tests read. */
export interface Container {
  name: string;
  image: string;
  imagePullPolicy?: string;
  args?: string[];
  ports?: { containerPort: number; name?: string; protocol?: string }[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  volumeMounts?: { name: string; mountPath: string; subPath?: string; readOnly?: boolean }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown> & { capabilities?: { drop?: string[]; add?: string[] } };
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
}

export interface Probe {
  httpGet?: { path: string; port: number | string };
  exec?: { command: string[] };
  tcpSocket?: { port: number | string };
  periodSeconds?: number;
  failureThreshold?: number;
  timeoutSeconds?: number;
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: {
    name: string;
    secret?: { secretName: string; items?: { key: string; path: string }[] };
    configMap?: { name: string; items?: { key: string; path: string }[] };
    emptyDir?: Record<string, unknown>;
    persistentVolumeClaim?: { claimName: string };
  }[];
  securityContext?: Record<string, unknown> & { seccompProfile?: { type: string } };
  automountServiceAccountToken?: boolean;
  serviceAccountName?: string;
  terminationGracePeriodSeconds?: number;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
}

export interface Workload extends KubeObject {
  spec: {
    replicas?: number;
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
    volumeClaimTemplates?: { metadata: { name: string }; spec: { resources: { requests: { storage: string } } } }[];
    serviceName?: string;
  };
}

/** The Deployments and StatefulSets among the objects. */
export function workloads(objects: readonly KubeObject[]): Workload[] {
  return objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet') as Workload[];
}
