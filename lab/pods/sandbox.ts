import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readlinkSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { NETNS, REPO_ROOT, STATE_DIR } from '../cluster/plan.js';
import { podDir } from '../cluster/state.js';
import type { LabPod } from '../cluster/topology.js';
import { clusterFirstResolvConf } from '../dns/records.js';
import type { Mount } from './volumes.js';

/**
 * A pod's sandbox, Kubernetes' "pause container": a process that holds the pod's namespaces, so
 * containers can join them. It runs in the pod's network namespace, in a private mount namespace
 * where the volumes, /etc/resolv.conf and /etc/hosts are mounted over the host's paths (the host's
 * own mounts are never touched), and in its own UTS namespace with the pod's name as hostname.
 */

export interface SandboxPlan {
  readonly script: string;
  /** Mount paths that cannot be made without creating a folder in the host's `/`. */
  readonly skipped: readonly string[];
}

const quote = (value: string) => `'${value.replaceAll("'", "'\\''")}'`;

/** What the pods' containers run from the host: this checkout and the running Node.js. */
function neededInPods(): Array<[string, string]> {
  return [
    ['the checkout', canonical(REPO_ROOT.replace(/\/$/, ''))],
    ['Node.js', canonical(path.dirname(process.execPath))],
  ];
}

/**
 * The shell script that sets up the mount namespace, then becomes the sandbox process. Mount
 * points that do not exist are made in a writable overlay over their nearest existing folder (so
 * the host's folder stays as it is); overlays come first, then the volumes, shallowest first, so no
 * later mount hides an earlier one. Paths are resolved through symlinks (/var/run is /run).
 */
export function sandboxScript(pod: LabPod, mounts: readonly Mount[], etcDir: string): SandboxPlan {
  const scratch = path.join(podDir(pod.name), 'scratch');
  const readOnlyRoot = pod.spec.containers.every((c) => c.securityContext?.readOnlyRootFilesystem === true);
  const all: Mount[] = [
    ...mounts,
    { volume: 'resolv.conf', source: path.join(etcDir, 'resolv.conf'), target: '/etc/resolv.conf', readOnly: true },
    { volume: 'hosts', source: path.join(etcDir, 'hosts'), target: '/etc/hosts', readOnly: true },
  ].map((m) => ({ ...m, target: canonical(m.target) }))
    .sort((a, b) => a.target.split('/').length - b.target.split('/').length);

  const skipped: string[] = [];
  const layers: string[] = [];
  const missing: string[] = [];
  const placed: Mount[] = [];
  const kept: string[] = [];
  for (const mount of all) {
    for (const [what, needed] of neededInPods()) {
      if (needed !== mount.target && !needed.startsWith(`${mount.target}/`)) continue;
      // A checkout in /tmp, say, under the web pod's emptyDir: kept visible by a bind on top.
      if (mount.readOnly || needed === mount.target) {
        throw new Error(`pod ${pod.name}: its volume ${mount.volume} at ${mount.target} would hide ${what} (${needed}); clone the project elsewhere`);
      }
      if (!kept.includes(needed)) kept.push(needed);
    }
    if (!existsSync(mount.target)) {
      const ancestor = nearestExisting(mount.target);
      if (ancestor === '/') {
        skipped.push(mount.target);
        continue;
      }
      if (STATE_DIR === ancestor || STATE_DIR.startsWith(`${ancestor}/`)) {
        throw new Error(`pod ${pod.name}: cannot make ${mount.target}: it would hide the lab's state dir`);
      }
      if (!layers.some((l) => ancestor === l || ancestor.startsWith(`${l}/`))) layers.push(ancestor);
      missing.push(mount.target);
    }
    placed.push(mount);
  }

  const lines = ['set -eu', `hostname ${quote(pod.name)}`, `mount -t tmpfs -o size=4m,mode=0700 lab-scratch ${quote(scratch)}`];
  layers.forEach((layer, i) => {
    const dir = `${scratch}/layer${i}`;
    lines.push(`mkdir -p ${quote(`${dir}/upper`)} ${quote(`${dir}/work`)}`);
    lines.push(`mount -t overlay -o ${quote(`lowerdir=${layer},upperdir=${dir}/upper,workdir=${dir}/work`)} lab-layer ${quote(layer)}`);
  });
  for (const target of missing) lines.push(`mkdir -p ${quote(target)}`);
  kept.forEach((dir, i) => lines.push(`mkdir -p ${quote(`${scratch}/kept${i}`)}`, `mount --bind ${quote(dir)} ${quote(`${scratch}/kept${i}`)}`));
  for (const mount of placed) {
    lines.push(`mount --bind ${quote(mount.source)} ${quote(mount.target)}`);
    if (mount.readOnly) lines.push(`mount -o remount,bind,ro ${quote(mount.target)}`);
  }
  kept.forEach((dir, i) => lines.push(`mkdir -p ${quote(dir)}`, `mount --bind ${quote(`${scratch}/kept${i}`)} ${quote(dir)}`));
  if (readOnlyRoot) {
    lines.push('mount -o remount,bind,ro /');
    for (const layer of layers) lines.push(`mount -o remount,bind,ro ${quote(layer)}`);
  }
  lines.push('exec sleep infinity');
  return { script: lines.join('\n') + '\n', skipped };
}

function nearestExisting(target: string): string {
  let ancestor = path.dirname(target);
  while (!existsSync(ancestor)) ancestor = path.dirname(ancestor);
  return ancestor;
}

/** The path with symlinks of its existing part resolved, as the kernel will mount it. */
function canonical(target: string): string {
  const existing = existsSync(target) ? target : nearestExisting(target);
  return path.join(realpathSync(existing), path.relative(existing, target));
}

/** resolv.conf, hosts and hostname as kubelet writes them for the pod. */
export function writePodEtc(pod: LabPod, ip: string): string {
  const dir = path.join(podDir(pod.name), 'etc');
  mkdirSync(dir, { recursive: true });
  const policy = pod.spec.dnsPolicy ?? 'ClusterFirst';
  // `Default` inherits the node's resolver; the lab's nodes have none, so the pod gets none either.
  writeFileSync(path.join(dir, 'resolv.conf'), policy === 'ClusterFirst' ? clusterFirstResolvConf(pod.namespace) : '');
  writeFileSync(path.join(dir, 'hosts'), `# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n${ip}\t${pod.name}\n`);
  return dir;
}

/** Starts the sandbox and waits until its mounts are made; returns its process id. */
export async function startSandbox(pod: LabPod, plan: SandboxPlan): Promise<number> {
  const dir = podDir(pod.name);
  mkdirSync(path.join(dir, 'scratch'), { recursive: true });
  const scriptFile = path.join(dir, 'sandbox.sh');
  writeFileSync(scriptFile, plan.script);
  const log = openSync(path.join(dir, 'sandbox.log'), 'a');
  const child = spawn('ip', ['netns', 'exec', NETNS.pod(pod.name), 'unshare', '--mount', '--uts', '--propagation', 'private', '--', 'sh', scriptFile], {
    detached: true,
    stdio: ['ignore', log, log],
  });
  child.unref();
  const pid = child.pid!;
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`the sandbox of ${pod.name} failed (${scriptFile}); see ${path.join(dir, 'sandbox.log')}`);
    try {
      if (readlinkSync(`/proc/${pid}/exe`).endsWith('/sleep')) return pid;
    } catch {
      // not there yet
    }
    await sleep(50);
  }
  throw new Error(`the sandbox of ${pod.name} did not come up`);
}
