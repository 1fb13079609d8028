import { App, type Chart } from 'cdk8s';
import type { CatalogProps } from './catalog-props.js';
import { BackupChart } from './backup-chart.js';
import { DatabaseChart } from './database-chart.js';
import { NamespaceChart } from './namespace-chart.js';
import { NetworkPolicyChart } from './network-policy-chart.js';
import { SecretChart } from './secret-chart.js';
import { VerifyChart } from './verify-chart.js';
import { WebChart } from './web-chart.js';

/** Charts written together to one folder of k8s/dist/, one file per chart in apply order. */
export interface ManifestSet {
  /** Folder under k8s/dist/, e.g. `minikube` or `production/persistent`. */
  readonly folder: string;
  readonly charts: readonly Chart[];
}

/** The catalog of one variant: its cdk8s App and the folders its charts are written to. */
export interface Catalog {
  readonly app: App;
  /** The first set is what `kubectl apply -f k8s/dist/<variant>/` and skaffold deploy. */
  readonly sets: readonly ManifestSet[];
}

/** Subfolder of a variant for the objects an operator applies once and nothing else deletes. */
export const PERSISTENT_FOLDER = 'persistent';

/** Subfolder of a variant holding the verify Job, run by `skaffold verify` or `kubectl create -f`. */
export const VERIFY_FOLDER = 'verify';

/**
 * The whole catalog for one variant, one chart per file in apply order: the namespace first, then
 * credentials, database, web tier, backup and network policies. Without `ownsNamespace` the namespace
 * and the backup claim go to k8s/dist/<variant>/persistent/ instead, so deleting the deployed set
 * leaves them, the Secret in the namespace and the volumes alone. The verify Job goes to k8s/dist/<variant>/verify/.
 */
export function createCatalog(props: CatalogProps): Catalog {
  const app = new App({ outdir: `k8s/dist/${props.variant}` });
  const inCluster = props.database.kind === 'in-cluster';
  const namespace = new NamespaceChart(app, 'namespace', { backup: inCluster ? props.backup : undefined });
  const secret = new SecretChart(app, 'secret', { source: props.secret });
  const database = new DatabaseChart(app, 'database', {
    settings: props.database,
    secret: secret.secret,
    user: props.databaseUser,
    backupUser: props.backup.user,
  });
  const web = new WebChart(app, 'web', { catalog: props, secret: secret.secret, database: database.tier });
  const verify = new VerifyChart(app, 'verify', { image: props.image, service: web.app.service, secret: secret.secret });
  const backup = namespace.backupClaim
    ? new BackupChart(app, 'backup', {
      settings: props.backup,
      claim: namespace.backupClaim,
      service: database.tier.service,
      secret: secret.secret,
      user: props.backup.user,
    })
    : undefined;
  const policies = new NetworkPolicyChart(app, 'network-policies', {
    web: web.app.deployment,
    database: database.tier,
    verify: verify.job,
    backup: backup?.cronJob,
    ...(web.singleSignOn && { providerEgress: web.singleSignOn.egress }),
  });

  const deployed = [secret, database, web, ...(backup ? [backup] : []), policies];
  const sets: ManifestSet[] = props.ownsNamespace
    ? [{ folder: props.variant, charts: [namespace, ...deployed] }]
    : [
      { folder: props.variant, charts: deployed },
      { folder: `${props.variant}/${PERSISTENT_FOLDER}`, charts: [namespace] },
    ];
  sets.push({ folder: `${props.variant}/${VERIFY_FOLDER}`, charts: [verify] });
  return { app, sets };
}
