import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { recommendedLabels } from './labels.js';
import { backupClaim, type BackupSettings } from './mysql-backup.js';
import { APP_NAME, NAMESPACE } from './names.js';

/** Properties of {@link NamespaceChart}. */
export interface NamespaceChartProps {
  /** Make the backup volume's claim here, beside the namespace. @default no backup volume */
  readonly backup?: BackupSettings;
}

/**
 * The namespace, which has the API server enforce the "restricted" Pod Security Standard, and the
 * backup volume's claim: what must outlive the deployed set where the operator owns them.
 */
export class NamespaceChart extends Chart {
  /** The backup volume's claim, when there is one. */
  public readonly backupClaim?: kplus.PersistentVolumeClaim;

  constructor(scope: Construct, id: string, props: NamespaceChartProps = {}) {
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
    if (props.backup) {
      this.backupClaim = backupClaim(this, 'BackupClaim', props.backup);
    }
  }
}
