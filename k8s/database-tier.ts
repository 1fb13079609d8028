import type * as kplus from 'cdk8s-plus-27';

/** What the web tier and the network policies need to know of the database tier. */
export interface DatabaseTier {
  /** The Service the app connects to; named DATABASE_SERVICE_NAME in every variant. */
  readonly service: kplus.Service;
  /** The pods serving the database, when it runs in the cluster. */
  readonly workload?: kplus.StatefulSet;
  /** Addresses the web pods may reach on the MySQL port, when the database runs outside. */
  readonly externalCidr?: string;
}
