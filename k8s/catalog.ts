import { App } from 'cdk8s';
import type { CatalogProps } from './catalog-props.js';
import { DatabaseChart } from './database-chart.js';
import { NamespaceChart } from './namespace-chart.js';
import { NetworkPolicyChart } from './network-policy-chart.js';
import { SecretChart } from './secret-chart.js';
import { WebChart } from './web-chart.js';

/**
 * The whole catalog for one variant, one chart per file in apply order: the namespace first, then
 * credentials, database, web tier and network policies.
 */
export function createCatalogApp(props: CatalogProps): App {
  const app = new App({ outdir: `k8s/dist/${props.variant}` });
  new NamespaceChart(app, 'namespace');
  const { secret } = new SecretChart(app, 'secret', { source: props.secret });
  const { tier: database } = new DatabaseChart(app, 'database', {
    settings: props.database,
    secret,
    user: props.databaseUser,
  });
  const web = new WebChart(app, 'web', { catalog: props, secret, database });
  new NetworkPolicyChart(app, 'network-policies', {
    web: web.app.deployment,
    database,
    ...(web.singleSignOn && { providerEgress: web.singleSignOn.egress }),
  });
  return app;
}
