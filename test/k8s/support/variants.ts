import type { CatalogProps } from '../../../k8s/catalog-props.js';
import { minikube, production } from '../../../k8s/variants.js';

/** Production with every option on: managed MySQL, LoadBalancer, TLS. Synthesized only in tests. */
export const productionExternal: CatalogProps = {
  ...production,
  variant: 'production-external',
  database: { kind: 'external', host: 'mysql.example.internal', cidr: '10.20.0.0/16' },
  loadBalancer: true,
  ingress: { host: 'shop.example.com', className: 'traefik', tlsSecretName: 'shop-tls' },
};

/** The committed variants and the test-only one. */
export const ALL_VARIANTS: readonly CatalogProps[] = [minikube, production, productionExternal];
