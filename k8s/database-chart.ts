import { Chart } from 'cdk8s';
import type * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import type { DatabaseSettings } from './catalog-props.js';
import type { DatabaseTier } from './database-tier.js';
import { ExternalDatabase } from './external-database.js';
import { recommendedLabels } from './labels.js';
import { MySqlDatabase } from './mysql-database.js';
import { MYSQL_VERSION, NAMESPACE } from './names.js';

/** Properties of {@link DatabaseChart}. */
export interface DatabaseChartProps {
  readonly settings: DatabaseSettings;
  readonly secret: kplus.ISecret;
  readonly user: string;
  readonly backupUser: string;
}

/** The database tier: MySQL in the cluster, or an ExternalName Service for a managed one. */
export class DatabaseChart extends Chart {
  public readonly tier: DatabaseTier;

  constructor(scope: Construct, id: string, props: DatabaseChartProps) {
    super(scope, id, {
      namespace: NAMESPACE,
      labels: recommendedLabels({ name: 'mysql', component: 'database', version: MYSQL_VERSION }),
      disableResourceNameHashes: true,
    });
    const settings = props.settings;
    this.tier = settings.kind === 'in-cluster'
      ? new MySqlDatabase(this, 'MySql', {
        secret: props.secret,
        user: props.user,
        backupUser: props.backupUser,
        storage: settings.storage,
        storageClassName: settings.storageClassName,
      })
      : new ExternalDatabase(this, 'External', { host: settings.host, cidr: settings.cidr });
  }
}
