import { isIPv6 } from 'node:net';
import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { APP_PORT, MYSQL_PORT } from '../web/defaults.js';
import type { DatabaseTier } from './database-tier.js';
import type { EgressRange } from './single-sign-on.js';

/** Properties of {@link NetworkPolicies}. */
export interface NetworkPoliciesProps {
  /** The web pods. */
  readonly web: kplus.Deployment;
  /** The database they use. */
  readonly database: DatabaseTier;
  /** The deployment check, which calls the web Service. */
  readonly verify: kplus.Job;
  /** The database backup, which reads MySQL. @default no backup */
  readonly backup?: kplus.CronJob;
  /**
   * Where the web pods reach the OpenID Provider (single sign-on).
   * @default none: the web pods reach nothing outside the cluster but the database
   */
  readonly providerEgress?: readonly Required<EgressRange>[];
}

/**
 * Default deny for the namespace, in and out, then exactly: anyone to the web pods' app port; the
 * web pods to MySQL, to cluster DNS and, with single sign-on, to the provider's ranges; MySQL from
 * the web pods and the backup only; the backup to MySQL and cluster DNS; the verify Job to the web
 * pods and cluster DNS.
 */
export class NetworkPolicies extends Construct {
  constructor(scope: Construct, id: string, props: NetworkPoliciesProps) {
    super(scope, id);

    new kplus.NetworkPolicy(this, 'DefaultDeny', {
      metadata: { name: 'default-deny' },
      selector: kplus.Pods.all(this, 'AllPods'),
      ingress: { default: kplus.NetworkPolicyTrafficDefault.DENY },
      egress: { default: kplus.NetworkPolicyTrafficDefault.DENY },
    });

    // "From anywhere" is a rule without `from`: the only form that also admits traffic a NodePort or
    // load balancer forwards from outside the pod network. kplus has no peer for it, so the
    // allow-all rule it makes gets the port added (in the typed shape: patches are re-serialized).
    const webIngress = new kplus.NetworkPolicy(this, 'WebIngress', {
      metadata: { name: 'web-ingress' },
      selector: props.web,
      ingress: { default: kplus.NetworkPolicyTrafficDefault.ALLOW },
    });
    ApiObject.of(webIngress).addJsonPatch(
      JsonPatch.add('/spec/ingress/0/ports', [{ port: kplus.k8s.IntOrString.fromNumber(APP_PORT), protocol: 'TCP' }]),
    );

    const webEgress = new kplus.NetworkPolicy(this, 'WebEgress', {
      metadata: { name: 'web-egress' },
      selector: props.web,
    });
    const database = props.database;
    if (database.workload) {
      webEgress.addEgressRule(database.workload, [kplus.NetworkPolicyPort.tcp(MYSQL_PORT)]);
    } else if (database.externalCidr) {
      webEgress.addEgressRule(
        kplus.NetworkPolicyIpBlock.ipv4(this, 'ExternalDatabase', database.externalCidr),
        [kplus.NetworkPolicyPort.tcp(MYSQL_PORT)],
      );
    } else {
      throw new Error('the database tier has neither pods nor an external address range');
    }
    const clusterDns = kplus.Pods.select(this, 'ClusterDns', {
      labels: { 'k8s-app': 'kube-dns' },
      namespaces: kplus.Namespaces.select(this, 'KubeSystem', { names: ['kube-system'] }),
    });
    const dnsPorts = [kplus.NetworkPolicyPort.udp(53), kplus.NetworkPolicyPort.tcp(53)];
    webEgress.addEgressRule(clusterDns, dnsPorts);
    (props.providerEgress ?? []).forEach((range, i) => {
      const block = isIPv6(range.cidr.split('/')[0]!) ? kplus.NetworkPolicyIpBlock.ipv6 : kplus.NetworkPolicyIpBlock.ipv4;
      webEgress.addEgressRule(block(this, `IdentityProvider${i}`, range.cidr), [kplus.NetworkPolicyPort.tcp(range.port)]);
    });

    const verifyEgress = new kplus.NetworkPolicy(this, 'VerifyEgress', {
      metadata: { name: 'verify-egress' },
      selector: props.verify,
    });
    verifyEgress.addEgressRule(props.web, [kplus.NetworkPolicyPort.tcp(APP_PORT)]);
    verifyEgress.addEgressRule(clusterDns, dnsPorts);

    if (database.workload) {
      const databaseIngress = new kplus.NetworkPolicy(this, 'DatabaseIngress', {
        metadata: { name: 'database-ingress' },
        selector: database.workload,
      });
      databaseIngress.addIngressRule(props.web, [kplus.NetworkPolicyPort.tcp(MYSQL_PORT)]);
      if (props.backup) {
        databaseIngress.addIngressRule(props.backup, [kplus.NetworkPolicyPort.tcp(MYSQL_PORT)]);
        const backupEgress = new kplus.NetworkPolicy(this, 'BackupEgress', {
          metadata: { name: 'backup-egress' },
          selector: props.backup,
        });
        backupEgress.addEgressRule(database.workload, [kplus.NetworkPolicyPort.tcp(MYSQL_PORT)]);
        backupEgress.addEgressRule(clusterDns, dnsPorts);
      }
    }
  }
}
