import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { recommendedLabels } from './labels.js';
import { APP_NAME, NAMESPACE } from './names.js';
import { NetworkPolicies, type NetworkPoliciesProps } from './network-policies.js';

/** Properties of {@link NetworkPolicyChart}. */
export type NetworkPolicyChartProps = NetworkPoliciesProps;

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
