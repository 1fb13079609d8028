import { Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { mountSecretFiles } from './catalog-secret.js';
import { SECRET_KEYS, secretFile } from './names.js';
import { addRestrictedPatches, restrictedContainerSecurity, restrictedPodSecurity } from './restricted.js';
import { NODE_IDENTITY } from './web-app.js';

/** Name of the verify container; skaffold.yaml's verify step names the same one, or skaffold drops the manifest's settings. */
export const VERIFY_CONTAINER_NAME = 'verify';

/** The verify container's command, compiled from web/ops/verify-cli.ts; skaffold.yaml repeats it. */
export const VERIFY_COMMAND: readonly string[] = ['node', 'dist/web/ops/verify-cli.js'];

/** Secret keys the round trip reads, mounted as the web pods mount theirs: it signs in as the first admin. */
export const VERIFY_SECRET_KEYS: readonly string[] = [SECRET_KEYS.adminPassword];

/** Properties of {@link DeploymentVerification}. */
export interface DeploymentVerificationProps {
  /** The app image: the verify script is part of it. */
  readonly image: string;
  /** The web Service the round trip goes through, by its DNS name. */
  readonly service: kplus.Service;
  readonly secret: kplus.ISecret;
}

/**
 * A Job that proves the deployed catalog works from inside the cluster: from the app's own image,
 * it creates, reads and deletes a product through the web Service by name (web/ops/verify-cli.ts).
 * skaffold's verify stage runs it (jobManifestPath); without skaffold, `kubectl create -f`.
 */
export class DeploymentVerification extends Construct {
  public readonly job: kplus.Job;

  constructor(scope: Construct, id: string, props: DeploymentVerificationProps) {
    super(scope, id);
    const port = props.service.ports[0]!.port;
    this.job = new kplus.Job(this, 'Job', {
      metadata: { name: 'verify' },
      podMetadata: { labels: Chart.of(this).labels },
      // No ServiceAccount object: skaffold reads only the Job from this file.
      automountServiceAccountToken: false,
      securityContext: restrictedPodSecurity(NODE_IDENTITY),
      restartPolicy: kplus.RestartPolicy.NEVER,
      backoffLimit: 0,
      activeDeadline: Duration.minutes(2),
      ttlAfterFinished: Duration.hours(1),
    });
    const container = this.job.addContainer({
      name: VERIFY_CONTAINER_NAME,
      image: props.image,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      command: [...VERIFY_COMMAND],
      envVariables: {
        VERIFY_BASE_URL: kplus.EnvValue.fromValue(`http://${props.service.name}:${port}`),
        ADMIN_PASSWORD_FILE: kplus.EnvValue.fromValue(secretFile(SECRET_KEYS.adminPassword)),
      },
      securityContext: restrictedContainerSecurity(NODE_IDENTITY),
      resources: {
        cpu: { request: kplus.Cpu.millis(50) },
        memory: { request: Size.mebibytes(64), limit: Size.mebibytes(128) },
      },
    });
    mountSecretFiles(this, container, props.secret, VERIFY_SECRET_KEYS);
    addRestrictedPatches(this.job);
  }
}
