import { chmodSync, chownSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Topology, LabPod } from '../cluster/topology.js';
import { podDir } from '../cluster/state.js';
import type { ConfigMap, KeyToPath, Secret, Volume } from '../kube/objects.js';
import { namespaceOf, ofKind } from '../kube/objects.js';

/**
 * A pod's volumes, made the way kubelet makes them, as directories under the pod's folder in the
 * lab's state dir: Secret and ConfigMap keys as files (items, modes, group `fsGroup`), emptyDir as
 * a world-writable directory, claims as directories owned by `fsGroup`. The sandbox mounts them at
 * the containers' mount paths.
 */

export interface Mount {
  readonly volume: string;
  /** Where the content lives on the host. */
  readonly source: string;
  /** Where the container sees it. */
  readonly target: string;
  readonly readOnly: boolean;
}

/** Kubelet's default mode for Secret and ConfigMap files. */
const DEFAULT_FILE_MODE = 0o644;

export function volumesDir(pod: string): string {
  return path.join(podDir(pod), 'volumes');
}

/** Writes every volume of the pod and returns the mounts of its containers. */
export function prepareVolumes(pod: LabPod, topology: Topology): Mount[] {
  const fsGroup = pod.spec.securityContext?.fsGroup;
  for (const volume of podVolumes(pod)) {
    const dir = path.join(volumesDir(pod.name), volume.name);
    mkdirSync(dir, { recursive: true });
    if (volume.secret) {
      const secret = ofKind<Secret>(topology.objects, 'Secret')
        .find((s) => s.metadata.name === volume.secret!.secretName && namespaceOf(s) === pod.namespace);
      if (!secret && !volume.secret.optional) {
        throw new Error(`pod ${pod.name}: Secret ${pod.namespace}/${volume.secret.secretName} does not exist (kubelet would not start the pod)`);
      }
      writeKeys(dir, secretValues(secret), volume.secret.items, volume.secret.defaultMode, fsGroup, `Secret ${volume.secret.secretName}`);
    } else if (volume.configMap) {
      const configMap = ofKind<ConfigMap>(topology.objects, 'ConfigMap')
        .find((c) => c.metadata.name === volume.configMap!.name && namespaceOf(c) === pod.namespace);
      if (!configMap && !volume.configMap.optional) {
        throw new Error(`pod ${pod.name}: ConfigMap ${pod.namespace}/${volume.configMap.name} does not exist`);
      }
      writeKeys(dir, configMap?.data ?? {}, volume.configMap.items, volume.configMap.defaultMode, fsGroup, `ConfigMap ${volume.configMap.name}`);
    } else if (volume.emptyDir) {
      chmodSync(dir, 0o777);
    } else {
      ownByFsGroup(dir, fsGroup);
    }
  }
  return pod.spec.containers.flatMap((container) => (container.volumeMounts ?? []).map((mount) => {
    let source = path.join(volumesDir(pod.name), mount.name);
    if (!existsSync(source)) throw new Error(`pod ${pod.name}: container ${container.name} mounts unknown volume ${mount.name}`);
    if (mount.subPath) {
      source = path.join(source, mount.subPath);
      mkdirSync(source, { recursive: true });
      ownByFsGroup(source, fsGroup);
    }
    return { volume: mount.name, source, target: mount.mountPath, readOnly: mount.readOnly ?? false };
  }));
}

/** The pod's volumes plus a claim volume for each of a StatefulSet's volumeClaimTemplates. */
function podVolumes(pod: LabPod): Volume[] {
  const declared = [...(pod.spec.volumes ?? [])];
  const mounted = new Set(pod.spec.containers.flatMap((c) => (c.volumeMounts ?? []).map((m) => m.name)));
  for (const name of mounted) {
    if (!declared.some((v) => v.name === name)) declared.push({ name, persistentVolumeClaim: { claimName: `${name}-${pod.name}` } });
  }
  return declared;
}

function secretValues(secret: Secret | undefined): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(secret?.data ?? {})) values[key] = Buffer.from(value, 'base64').toString('utf8');
  return { ...values, ...secret?.stringData };
}

function writeKeys(
  dir: string,
  values: Readonly<Record<string, string>>,
  items: readonly KeyToPath[] | undefined,
  defaultMode: number | undefined,
  fsGroup: number | undefined,
  what: string,
): void {
  const chosen: readonly KeyToPath[] = items ?? Object.keys(values).map((key) => ({ key, path: key }));
  for (const item of chosen) {
    const value = values[item.key];
    if (value === undefined) throw new Error(`${what} has no key ${item.key}`);
    const file = path.join(dir, item.path);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, value);
    chmodSync(file, item.mode ?? defaultMode ?? DEFAULT_FILE_MODE);
    if (fsGroup !== undefined) chownSync(file, 0, fsGroup);
  }
}

function ownByFsGroup(dir: string, fsGroup: number | undefined): void {
  if (fsGroup === undefined) return;
  chownSync(dir, 0, fsGroup);
  chmodSync(dir, 0o2775);
}

/** Maps a path inside the container to the host file behind it, through the container's mounts. */
export function hostPathOf(mounts: readonly Mount[], containerPath: string): string | undefined {
  const mount = [...mounts]
    .sort((a, b) => b.target.length - a.target.length)
    .find((m) => containerPath === m.target || containerPath.startsWith(`${m.target}/`));
  return mount && path.join(mount.source, path.relative(mount.target, containerPath));
}
