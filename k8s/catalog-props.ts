import type { SecretSource } from './catalog-secret.js';
import type { BackupSettings } from './mysql-backup.js';
import type { IngressSettings } from './public-entrypoints.js';
import type { SingleSignOnSettings } from './single-sign-on.js';
import type { WebServiceExposure } from './web-app.js';

/** Where the database runs. */
export type DatabaseSettings =
  /** A MySQL StatefulSet in the namespace. */
  | { readonly kind: 'in-cluster'; readonly storage: string; readonly storageClassName?: string }
  /** A managed MySQL reached through an ExternalName Service. */
  | { readonly kind: 'external'; readonly host: string; readonly cidr?: string };

/** Everything that differs between deployments of the catalog. */
export interface CatalogProps {
  /** Name of the output folder, k8s/dist/<variant>/. */
  readonly variant: string;
  /**
   * Whether the Namespace is part of the deployed set. `false` writes it to
   * k8s/dist/<variant>/persistent/ for an operator to apply once: deleting the deployed set
   * (`kubectl delete -f`, `skaffold delete`) then keeps the namespace, the Secret created in it
   * and the volumes.
   */
  readonly ownsNamespace: boolean;
  /** The app image. */
  readonly image: string;
  /** The app's database user. */
  readonly databaseUser: string;
  /**
   * Nightly dumps of a database in the cluster (a managed database has its provider's backups), as
   * this read-only user.
   */
  readonly backup: BackupSettings & { readonly user: string };
  readonly secret: SecretSource;
  readonly database: DatabaseSettings;
  readonly web: {
    readonly exposure: WebServiceExposure;
    readonly minReplicas: number;
    readonly maxReplicas: number;
    /** @default unset: the app trusts no proxy */
    readonly trustProxyHops?: number;
  };
  /** @default no Ingress */
  readonly ingress?: IngressSettings;
  /** @default false */
  readonly loadBalancer?: boolean;
  /** Sign-in through an OpenID Provider, and the web pods' egress to it. @default off */
  readonly singleSignOn?: SingleSignOnSettings;
}
