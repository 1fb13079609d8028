import { Chart } from 'cdk8s';
import type * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { recommendedLabels } from './labels.js';
import { MySqlBackup, type MySqlBackupProps } from './mysql-backup.js';
import { MYSQL_VERSION, NAMESPACE } from './names.js';

/** The nightly database backup: its CronJob and ServiceAccount (the volume is in the namespace chart). */
export class BackupChart extends Chart {
  public readonly cronJob: kplus.CronJob;

  constructor(scope: Construct, id: string, props: MySqlBackupProps) {
    super(scope, id, {
      namespace: NAMESPACE,
      labels: recommendedLabels({ name: 'mysql', component: 'backup', version: MYSQL_VERSION }),
      disableResourceNameHashes: true,
    });
    this.cronJob = new MySqlBackup(this, 'Backup', props).cronJob;
  }
}
