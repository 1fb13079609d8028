import { Chart } from 'cdk8s';
import type * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { DeploymentVerification, type DeploymentVerificationProps } from './deployment-verification.js';
import { recommendedLabels } from './labels.js';
import { APP_NAME, NAMESPACE } from './names.js';

/** The deployment check, alone in its file: skaffold's jobManifestPath reads exactly one Job. */
export class VerifyChart extends Chart {
  public readonly job: kplus.Job;

  constructor(scope: Construct, id: string, props: DeploymentVerificationProps) {
    super(scope, id, {
      namespace: NAMESPACE,
      labels: recommendedLabels({ name: APP_NAME, component: 'verify' }),
      disableResourceNameHashes: true,
    });
    this.job = new DeploymentVerification(this, 'Verification', props).job;
  }
}
