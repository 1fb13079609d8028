import * as apps from 'kubernetes-models/apps/v1';
import * as autoscaling from 'kubernetes-models/autoscaling/v2';
import * as batch from 'kubernetes-models/batch/v1';
import * as networking from 'kubernetes-models/networking.k8s.io/v1';
import * as policy from 'kubernetes-models/policy/v1';
import * as core from 'kubernetes-models/v1';

/** A Kubernetes object as synthesized: plain JSON. */
export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
};

interface ModelClass {
  apiVersion: string;
  kind: string;
  prototype: { validate(this: unknown): void };
}

/** The kinds the charts may produce, each with its Kubernetes 1.27 model. */
const MODELS: readonly ModelClass[] = [
  core.Namespace, core.Secret, core.ConfigMap, core.Service, core.ServiceAccount, core.Pod,
  apps.Deployment, apps.StatefulSet, batch.Job, batch.CronJob, core.PersistentVolumeClaim,
  autoscaling.HorizontalPodAutoscaler, policy.PodDisruptionBudget,
  networking.NetworkPolicy, networking.Ingress,
];

/**
 * Validates one object against the Kubernetes 1.27 OpenAPI schema of its apiVersion and kind
 * (types, enums, required fields) and, unlike kubernetes-models alone, rejects unknown fields and
 * nulls (a patch value in the wrong shape synthesizes as null).
 * Returns the problems found, empty when the object is valid.
 *
 * kubernetes-models' validators are compiled from the OpenAPI schema and read every property the
 * schema declares. Running one on a proxy that records the properties it reads leaves the unknown
 * fields as exactly the keys that were never read.
 */
export function strictValidate(object: KubeObject): string[] {
  const model = MODELS.find((m) => m.apiVersion === object.apiVersion && m.kind === object.kind);
  if (!model) {
    return [`no Kubernetes 1.27 model for ${object.apiVersion} ${object.kind}`];
  }
  const read = new Map<object, Set<PropertyKey>>();
  try {
    model.prototype.validate.call(track(object, read));
  } catch (error) {
    return [(error as Error).message];
  }
  return unknownFields(object, '', read);
}

function track(value: unknown, read: Map<object, Set<PropertyKey>>): unknown {
  if (value === null || typeof value !== 'object') {
    return value;
  }
  const keys = new Set<PropertyKey>();
  read.set(value, keys);
  return new Proxy(value, {
    get(target, key, receiver) {
      keys.add(key);
      return track(Reflect.get(target, key, receiver), read);
    },
  });
}

function unknownFields(value: unknown, path: string, read: Map<object, Set<PropertyKey>>): string[] {
  if (value === null || typeof value !== 'object') {
    return [];
  }
  const keys = read.get(value);
  if (!keys) {
    return [];
  }
  const problems: string[] = [];
  for (const [key, child] of Object.entries(value)) {
    const childPath = `${path}/${key}`;
    if (child === null) {
      problems.push(`${childPath} is null`);
    } else if (!Array.isArray(value) && !keys.has(key)) {
      problems.push(`${childPath} is not a field of the schema`);
    } else {
      problems.push(...unknownFields(child, childPath, read));
    }
  }
  return problems;
}
