import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { createCatalog } from '../../../k8s/catalog.js';
import type { CatalogProps } from '../../../k8s/catalog-props.js';
import { DIST_DIR, type ManifestFile, renderManifests } from '../../../k8s/write-manifests.js';
import type { KubeObject } from './strict-schema.js';

/** One folder of k8s/dist/ as `npm run synth` writes it. */
export interface SynthesizedSet {
  readonly folder: string;
  readonly files: ManifestFile[];
}

/** Synthesizes every folder of a variant in memory; the first is the deployed set. */
export function synthSets(props: CatalogProps): SynthesizedSet[] {
  const { app, sets } = createCatalog(props);
  return sets.map((set) => ({ folder: set.folder, files: renderManifests(app, set.charts) }));
}

/** Synthesizes a variant's deployed set in memory, as `npm run synth` writes k8s/dist/<variant>/. */
export function synthFiles(props: CatalogProps): ManifestFile[] {
  return synthSets(props)[0]!.files;
}

/** The objects of the variant's folder `folder` (e.g. `production/persistent`). */
export function synthSetObjects(props: CatalogProps, folder: string): KubeObject[] {
  const set = synthSets(props).find((s) => s.folder === folder);
  if (!set) throw new Error(`${props.variant} writes no folder ${folder}`);
  return objectsOf(set.files);
}

/** Every object of a variant, deployed or not (the namespace of production, the verify Job). */
export function allSynthObjects(props: CatalogProps): KubeObject[] {
  return synthSets(props).flatMap((set) => objectsOf(set.files));
}

/** The committed files of k8s/dist/<folder>/. */
export function committedFiles(folder: string): ManifestFile[] {
  const dir = path.join(DIST_DIR, folder);
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
  command?: string[];
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
    emptyDir?: { sizeLimit?: string; medium?: string };
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

/** Kinds whose objects hold a pod template, and where it is. */
const POD_TEMPLATE_PATHS: Record<string, readonly string[]> = {
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

/**
 * Every object that makes pods (Deployment, StatefulSet, Job, CronJob), seen as a workload whose
 * `spec.template` is its pod template, for checks that apply to every pod.
 */
export function podTemplates(objects: readonly KubeObject[]): Workload[] {
  return objects.flatMap((object) => {
    const where = POD_TEMPLATE_PATHS[object.kind];
    if (!where) return [];
    const template = where.reduce<unknown>((value, key) => (value as Record<string, unknown>)[key], object);
    return [{ ...object, spec: { ...(object.spec as object), template } } as Workload];
  });
}
