import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { recommendedLabels } from './labels.js';
import { APP_NAME, NAMESPACE } from './names.js';

/** The namespace, which has the API server enforce the "restricted" Pod Security Standard. */
export class NamespaceChart extends Chart {
  constructor(scope: Construct, id: string) {
    super(scope, id, { labels: recommendedLabels({ name: APP_NAME }), disableResourceNameHashes: true });
    new kplus.Namespace(this, 'Namespace', {
      metadata: {
        name: NAMESPACE,
        labels: {
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'v1.27',
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/audit': 'restricted',
        },
      },
    });
  }
}
