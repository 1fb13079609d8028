import { Chart } from 'cdk8s';
import type * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { CatalogSecret, type SecretSource } from './catalog-secret.js';
import { recommendedLabels } from './labels.js';
import { APP_NAME, NAMESPACE } from './names.js';

/** Properties of {@link SecretChart}. */
export interface SecretChartProps {
  readonly source: SecretSource;
}

/** The app's credentials; synthesizes nothing when they come from an existing Secret. */
export class SecretChart extends Chart {
  public readonly secret: kplus.ISecret;

  constructor(scope: Construct, id: string, props: SecretChartProps) {
    super(scope, id, {
      namespace: NAMESPACE,
      labels: recommendedLabels({ name: APP_NAME }),
      disableResourceNameHashes: true,
    });
    this.secret = new CatalogSecret(this, 'Credentials', { source: props.source }).secret;
  }
}
