import path from 'node:path';
import type { LabState, PodState } from '../cluster/state.js';
import { podDir } from '../cluster/state.js';
import type { LabPod, Topology } from '../cluster/topology.js';
import type { Container } from '../kube/objects.js';
import { containerPath, identityOf, type Identity } from './containers.js';
import { containerEnv } from './env.js';
import { resolveImage, type Image } from './images.js';

/** A container as the lab runs it: its image's meaning, environment and identity. */
export interface RunningContainer {
  readonly container: Container;
  readonly image: Image;
  readonly env: Readonly<Record<string, string>>;
  readonly identity: Identity;
}

export interface RunningPod {
  readonly pod: LabPod;
  readonly state: PodState;
  readonly containers: readonly RunningContainer[];
}

/** Where the MariaDB stand-in's `mysql` and `mysqladmin` names live (the probes call them so). */
export function standinBin(pod: string): string {
  return path.join(podDir(pod), 'bin');
}

/** The pods of the topology with what `up` recorded of them. */
export function runningPods(topology: Topology, state: LabState): RunningPod[] {
  return topology.pods.filter((pod) => state.pods[pod.name]).map((pod) => {
    const podState = state.pods[pod.name]!;
    return {
      pod,
      state: podState,
      containers: pod.spec.containers.map((container) => {
        const image = resolveImage(container);
        const extraPath = image.kind === 'mysql' ? [standinBin(pod.name)] : [];
        const imageEnv = image.kind === 'program' ? image.env : {};
        const env = { PATH: containerPath(extraPath), ...containerEnv(pod, container, topology, podState.ip, imageEnv) };
        return { container, image, env, identity: identityOf(pod, container) };
      }),
    };
  });
}
