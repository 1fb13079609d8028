import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { DATABASE_SERVICE_NAME } from '../web/defaults.js';
import type { DatabaseTier } from './database-tier.js';

/** Properties of {@link ExternalDatabase}. */
export interface ExternalDatabaseProps {
  /** DNS name of the managed MySQL server. */
  readonly host: string;
  /**
   * Addresses of that server, for the web pods' egress policy.
   * @default '0.0.0.0/0' (any address, on the MySQL port only)
   */
  readonly cidr?: string;
}

/**
 * A managed MySQL outside the cluster behind an ExternalName Service of the usual name, so the
 * app's MYSQL_HOST stays `webapp-sql1` whichever database serves it.
 */
export class ExternalDatabase extends Construct implements DatabaseTier {
  public readonly service: kplus.Service;
  public readonly externalCidr: string;

  constructor(scope: Construct, id: string, props: ExternalDatabaseProps) {
    super(scope, id);
    this.externalCidr = props.cidr ?? '0.0.0.0/0';
    this.service = new kplus.Service(this, 'Service', {
      metadata: { name: DATABASE_SERVICE_NAME },
      type: kplus.ServiceType.EXTERNAL_NAME,
      externalName: props.host,
    });
  }
}
