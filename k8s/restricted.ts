import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';

/** The numeric, non-root user and group a pod runs as. */
export interface PodIdentity {
  readonly uid: number;
  readonly gid: number;
}

/**
 * Pod-level settings of the "restricted" Pod Security Standard, with a numeric user so that
 * `runAsNonRoot` can be checked whatever the image's USER says. Volumes belong to the pod's group.
 */
export function restrictedPodSecurity(identity: PodIdentity): kplus.PodSecurityContextProps {
  return {
    ensureNonRoot: true,
    user: identity.uid,
    group: identity.gid,
    fsGroup: identity.gid,
    fsGroupChangePolicy: kplus.FsGroupChangePolicy.ON_ROOT_MISMATCH,
  };
}

/** Container-level settings of the "restricted" standard, plus a read-only root filesystem. */
export function restrictedContainerSecurity(identity: PodIdentity): kplus.ContainerSecurityContextProps {
  return {
    ensureNonRoot: true,
    user: identity.uid,
    group: identity.gid,
    privileged: false,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
  };
}

/**
 * Adds the two settings of the "restricted" standard that cdk8s-plus-27 cannot express:
 * `seccompProfile: RuntimeDefault` on the pod and `capabilities.drop: [ALL]` on every container.
 * Call it after the workload's last container is added; a CronJob's pod spec is at
 * `/spec/jobTemplate/spec/template/spec`.
 */
export function addRestrictedPatches(workload: kplus.Workload, podSpecPath = '/spec/template/spec'): void {
  const apiObject = ApiObject.of(workload);
  apiObject.addJsonPatch(
    JsonPatch.add(`${podSpecPath}/securityContext/seccompProfile`, { type: 'RuntimeDefault' }),
  );
  workload.containers.forEach((_container, index) => {
    apiObject.addJsonPatch(
      JsonPatch.add(`${podSpecPath}/containers/${index}/securityContext/capabilities`, { drop: ['ALL'] }),
    );
  });
}

/**
 * Common properties of every workload here: its name, the chart's labels on its pods, a
 * ServiceAccount of its own without an API token, and the restricted pod security context.
 */
export function restrictedWorkloadProps(
  scope: Construct,
  name: string,
  identity: PodIdentity,
): kplus.WorkloadProps {
  return {
    metadata: { name },
    podMetadata: { labels: Chart.of(scope).labels },
    serviceAccount: new kplus.ServiceAccount(scope, 'ServiceAccount', {
      metadata: { name },
      automountToken: false,
    }),
    automountServiceAccountToken: false,
    securityContext: restrictedPodSecurity(identity),
  };
}
