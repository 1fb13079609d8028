import { probe as runAgent } from '../agent/client.js';
import type { Task } from '../agent/protocol.js';
import { NETNS } from '../cluster/plan.js';
import type { Probe } from '../kube/objects.js';
import { execInPod } from './containers.js';
import type { RunningContainer, RunningPod } from './runtime.js';

/**
 * Kubelet's probes: HTTP and TCP probes from the node's namespace to the pod's address (so they
 * pass no NetworkPolicy: traffic from a pod's own node is always allowed), exec probes inside the
 * container with its identity and environment. Success is 2xx/3xx, a connection, or exit code 0.
 */

export interface ProbeResult {
  readonly pod: string;
  readonly ok: boolean;
  readonly detail: string;
}

type Kind = 'readinessProbe' | 'livenessProbe' | 'startupProbe';

function portOf(container: RunningContainer, port: number | string): number {
  if (typeof port === 'number') return port;
  const found = container.container.ports?.find((p) => p.name === port);
  if (!found) throw new Error(`container ${container.container.name} has no port named ${port}`);
  return found.containerPort;
}

/** Runs the `kind` probe of every container of these pods; a pod passes when all its containers do. */
export async function runProbes(pods: readonly RunningPod[], kind: Kind = 'readinessProbe'): Promise<ProbeResult[]> {
  const results: ProbeResult[] = [];
  const network = new Map<string, { pod: string; task: Task }[]>();
  for (const running of pods) {
    for (const container of running.containers) {
      const spec: Probe | undefined = container.container[kind];
      const timeoutMs = (spec?.timeoutSeconds ?? 1) * 1000;
      if (!spec) {
        results.push({ pod: running.pod.name, ok: true, detail: `${container.container.name}: no ${kind}` });
      } else if (spec.exec) {
        const outcome = await execInPod(running.state.sandboxPid!, container.identity, container.env, spec.exec.command, { allowFailure: true, timeoutMs });
        results.push({
          pod: running.pod.name,
          ok: outcome.code === 0,
          detail: `exec ${spec.exec.command.join(' ').slice(0, 60)}…: exit ${outcome.code}${outcome.code ? ` ${outcome.stderr.trim().split('\n').at(-1)}` : ''}`,
        });
      } else {
        const port = portOf(container, spec.httpGet?.port ?? spec.tcpSocket!.port);
        const task: Task = spec.httpGet
          ? { kind: 'http', url: `http://${running.state.ip}:${port}${spec.httpGet.path ?? '/'}`, timeoutMs }
          : { kind: 'tcp', host: running.state.ip, port, timeoutMs };
        const list = network.get(running.state.node) ?? [];
        list.push({ pod: running.pod.name, task });
        network.set(running.state.node, list);
      }
    }
  }
  await Promise.all([...network].map(async ([node, list]) => {
    const outcomes = await runAgent({ netns: NETNS.node(node) }, list.map((l) => l.task));
    outcomes.forEach((outcome, i) => {
      const { pod, task } = list[i]!;
      const what = task.kind === 'http' ? `GET ${task.url}` : task.kind === 'tcp' ? `TCP ${task.host}:${task.port}` : '';
      results.push({ pod, ok: outcome.ok, detail: `${what}: ${outcome.status ?? outcome.error ?? (outcome.ok ? 'connected' : 'failed')}` });
    });
  }));
  const byPod = new Map<string, ProbeResult>();
  for (const r of results) {
    const seen = byPod.get(r.pod);
    byPod.set(r.pod, seen ? { pod: r.pod, ok: seen.ok && r.ok, detail: `${seen.detail}; ${r.detail}` } : r);
  }
  return [...byPod.values()];
}
