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

/** Production with single sign-on: a provider reached over HTTPS at an IPv4 range and an IPv6 one. Synthesized only in tests. */
export const productionSso: CatalogProps = {
  ...production,
  variant: 'production-sso',
  singleSignOn: {
    issuer: 'https://sso.example.com/realms/main',
    clientId: 'product-catalog',
    roleMap: 'catalog-admins=admin,catalog-editors=editor',
    defaultRole: 'none',
    buttonLabel: 'Sign in with Example SSO',
    redirectUri: 'https://catalog.example.com/auth/oidc/callback',
    localLogin: false,
    breakGlassUser: 'break-glass',
    egress: [{ cidr: '198.51.100.0/28' }, { cidr: '2001:db8:5::/48', port: 8443 }],
  },
};

/** The committed variants and the test-only ones. */
export const ALL_VARIANTS: readonly CatalogProps[] = [minikube, production, productionExternal, productionSso];
