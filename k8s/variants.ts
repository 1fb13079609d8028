import type { CatalogProps } from './catalog-props.js';
import { APP_NAME, APP_VERSION, WEB_IMAGE_REPOSITORY } from './names.js';

/** The web Service's fixed port on the minikube node (`minikube service` opens it). */
export const MINIKUBE_NODE_PORT = 30080;

/** The app image; skaffold replaces the tag with the one it built. */
const image = `${WEB_IMAGE_REPOSITORY}:${APP_VERSION}`;

/** A local minikube cluster: NodePort, MySQL in the cluster, a published development password. */
export const minikube: CatalogProps = {
  variant: 'minikube',
  ownsNamespace: true,
  image,
  databaseUser: 'catalog',
  backup: { user: 'catalog_backup', storage: '2Gi' },
  secret: {
    kind: 'development',
    values: {
      mysqlRootPassword: 'dev-only-root-password',
      mysqlPassword: 'dev-only-app-password',
      csrfSecret: 'dev-only-csrf-secret-0123456789abcdef0123456789abcdef',
      adminPassword: 'dev-only-admin-password',
      mysqlBackupPassword: 'dev-only-backup-password',
    },
  },
  database: { kind: 'in-cluster', storage: '1Gi' },
  web: { exposure: { type: 'NodePort', nodePort: MINIKUBE_NODE_PORT }, minReplicas: 2, maxReplicas: 4 },
};

/**
 * A production cluster: ClusterIP behind an Ingress, credentials from a Secret created by hand in
 * a namespace the operator creates once from k8s/dist/production/persistent/.
 * Set `database` to `{ kind: 'external', host: '...' }` for a managed MySQL, `loadBalancer` for a
 * cloud load balancer, `singleSignOn` for sign-in through an OpenID Provider (docs/KUBERNETES.md),
 * then run `npm run synth`.
 */
export const production: CatalogProps = {
  variant: 'production',
  ownsNamespace: false,
  image,
  databaseUser: 'catalog',
  backup: { user: 'catalog_backup', storage: '20Gi', schedule: '30 2 * * *', keep: 7 },
  secret: { kind: 'existing', name: APP_NAME },
  database: { kind: 'in-cluster', storage: '10Gi' },
  web: { exposure: { type: 'ClusterIP' }, minReplicas: 2, maxReplicas: 10, trustProxyHops: 1 },
  ingress: { host: 'catalog.example.com', className: 'nginx' },
  loadBalancer: false,
};

/** Every variant `npm run synth` writes to k8s/dist/<variant>/. */
export const VARIANTS: readonly CatalogProps[] = [minikube, production];
