import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../cluster/plan.js';
import { podDir } from '../cluster/state.js';
import type { LabPod } from '../cluster/topology.js';
import { run, type RunResult } from '../host/run.js';
import type { Container, SecurityContext } from '../kube/objects.js';

/**
 * Processes in a pod: they join the sandbox's network, mount and UTS namespaces (`nsenter`), take
 * the container's identity and restrictions (`setpriv`: user, group, fsGroup as supplementary
 * group, no new privileges, capabilities dropped) and get exactly the environment given (`env -i`).
 */

export interface Identity {
  readonly uid?: number;
  readonly gid?: number;
  readonly groups: readonly number[];
  readonly noNewPrivileges: boolean;
  readonly dropAllCapabilities: boolean;
}

/** The container's identity from its and the pod's securityContext (container wins). */
export function identityOf(pod: LabPod, container: Container): Identity {
  const podContext: SecurityContext = pod.spec.securityContext ?? {};
  const own: SecurityContext = container.securityContext ?? {};
  const groups = [podContext.fsGroup, ...(podContext.supplementalGroups ?? [])].filter((g): g is number => g !== undefined);
  return {
    uid: own.runAsUser ?? podContext.runAsUser,
    gid: own.runAsGroup ?? podContext.runAsGroup,
    groups,
    noNewPrivileges: own.allowPrivilegeEscalation === false,
    dropAllCapabilities: own.capabilities?.drop?.includes('ALL') ?? false,
  };
}

/** Root, as `kubectl exec` is for the lab's own checks. */
export const ROOT: Identity = { groups: [], noNewPrivileges: false, dropAllCapabilities: false };

/** The node binary's folder first, so an image's `node` is this machine's node. */
export function containerPath(extra: readonly string[] = []): string {
  return [...extra, path.dirname(process.execPath), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'].join(':');
}

/** A command line and exactly the environment it gets (secrets stay off command lines). */
export interface Command {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

/** What runs `argv` inside the pod of sandbox `sandboxPid` as `identity` with `env`. */
export function inPod(sandboxPid: number, identity: Identity, env: Readonly<Record<string, string>>, argv: readonly string[], workingDir = '/'): Command {
  const setpriv = ['setpriv'];
  if (identity.uid !== undefined) setpriv.push(`--reuid=${identity.uid}`);
  if (identity.gid !== undefined) setpriv.push(`--regid=${identity.gid}`);
  if (identity.uid !== undefined || identity.gid !== undefined) {
    setpriv.push(identity.groups.length > 0 ? `--groups=${identity.groups.join(',')}` : '--clear-groups');
  }
  if (identity.noNewPrivileges) setpriv.push('--no-new-privs');
  if (identity.dropAllCapabilities) setpriv.push('--bounding-set=-all', '--inh-caps=-all');
  // nsenter and setpriv pass their environment on unchanged, so the process gets exactly `env`.
  return {
    argv: ['/usr/bin/nsenter', `--target=${sandboxPid}`, '--mount', '--uts', '--net', `--wd=${workingDir}`, '--', ...setpriv, '--', ...argv],
    env,
  };
}

/** Starts a long-running process in the pod, detached from the lab command; returns its pid. */
export function startInPod(pod: LabPod, name: string, command: Command): number {
  const log = openSync(path.join(podDir(pod.name), `${name}.log`), 'a');
  const [file, ...args] = command.argv as [string, ...string[]];
  const child = spawn(file, args, { detached: true, stdio: ['ignore', log, log], cwd: REPO_ROOT, env: command.env });
  child.unref();
  return child.pid!;
}

/** Runs a command in the pod and waits for it. */
export function execInPod(
  sandboxPid: number,
  identity: Identity,
  env: Readonly<Record<string, string>>,
  argv: readonly string[],
  options: { input?: string; timeoutMs?: number; allowFailure?: boolean; workingDir?: string } = {},
): Promise<RunResult> {
  const command = inPod(sandboxPid, identity, env, argv, options.workingDir);
  return run(command.argv, { ...options, env: command.env });
}
