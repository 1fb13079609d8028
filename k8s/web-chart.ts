import { Chart } from 'cdk8s';
import type * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import type { CatalogProps } from './catalog-props.js';
import type { DatabaseTier } from './database-tier.js';
import { recommendedLabels } from './labels.js';
import { APP_NAME, NAMESPACE } from './names.js';
import { PublicEntrypoints } from './public-entrypoints.js';
import { SingleSignOnConfig } from './single-sign-on.js';
import { WebApp } from './web-app.js';

/** Properties of {@link WebChart}. */
export interface WebChartProps {
  readonly catalog: CatalogProps;
  readonly secret: kplus.ISecret;
  readonly database: DatabaseTier;
}

/** The web tier and, in production, its Ingress and optional LoadBalancer. */
export class WebChart extends Chart {
  public readonly app: WebApp;
  public readonly singleSignOn?: SingleSignOnConfig;

  constructor(scope: Construct, id: string, props: WebChartProps) {
    super(scope, id, {
      namespace: NAMESPACE,
      labels: recommendedLabels({ name: APP_NAME, component: 'web' }),
      disableResourceNameHashes: true,
    });
    const catalog = props.catalog;
    // Before the Deployment in the file, so the pods find the ConfigMap when they start.
    if (catalog.singleSignOn) this.singleSignOn = new SingleSignOnConfig(this, 'SingleSignOn', catalog.singleSignOn);
    this.app = new WebApp(this, 'Web', {
      image: catalog.image,
      secret: props.secret,
      database: props.database,
      databaseUser: catalog.databaseUser,
      exposure: catalog.web.exposure,
      minReplicas: catalog.web.minReplicas,
      maxReplicas: catalog.web.maxReplicas,
      trustProxyHops: catalog.web.trustProxyHops,
      ...(this.singleSignOn && { singleSignOn: this.singleSignOn }),
    });
    if (catalog.ingress || catalog.loadBalancer) {
      new PublicEntrypoints(this, 'Public', {
        service: this.app.service,
        deployment: this.app.deployment,
        ingress: catalog.ingress,
        loadBalancer: catalog.loadBalancer,
      });
    }
  }
}
