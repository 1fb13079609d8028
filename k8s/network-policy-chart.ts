import { Chart } from 'cdk8s';
import type * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import type { DatabaseTier } from './database-tier.js';
import { recommendedLabels } from './labels.js';
import { APP_NAME, NAMESPACE } from './names.js';
import { NetworkPolicies } from './network-policies.js';

/** Properties of {@link NetworkPolicyChart}. */
export interface NetworkPolicyChartProps {
  readonly web: kplus.Deployment;
  readonly database: DatabaseTier;
  readonly verify: kplus.Job;
  readonly backup?: kplus.CronJob;
}

/** Who may talk to whom inside the namespace. */
export class NetworkPolicyChart extends Chart {
  constructor(scope: Construct, id: string, props: NetworkPolicyChartProps) {
    super(scope, id, {
      namespace: NAMESPACE,
      labels: recommendedLabels({ name: APP_NAME }),
      disableResourceNameHashes: true,
    });
    new NetworkPolicies(this, 'Policies', props);
  }
}
