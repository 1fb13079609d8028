import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { APP_PORT, MYSQL_PORT } from '../../web/defaults.js';
import { NAMESPACE } from '../../k8s/names.js';
import { minikube, production } from '../../k8s/variants.js';
import type { CatalogProps } from '../../k8s/catalog-props.js';
import { allSynthObjects, podTemplates, synthObjects, the, type Workload } from './support/manifests.js';
import { connectionAllowed, external, pod, type PodEndpoint } from './support/network-policy.js';
import { productionExternal, productionSso } from './support/variants.js';

function podOf(variant: CatalogProps, kind: string, name: string): PodEndpoint {
  const objects = allSynthObjects(variant);
  const [workload] = podTemplates([the(objects, kind, name)]) as [Workload];
  const namespace = the(objects, 'Namespace', NAMESPACE);
  return pod(NAMESPACE, workload.spec.template.metadata.labels, namespace.metadata.labels);
}

const clusterDns = pod('kube-system', { 'k8s-app': 'kube-dns' });
const internetClient = external('203.0.113.7');
const ingressController = pod('ingress-nginx', { 'app.kubernetes.io/name': 'ingress-nginx' });

for (const variant of [minikube, production]) {
  describe(`NetworkPolicy semantics (${variant.variant})`, () => {
    const objects = synthObjects(variant);
    const web = podOf(variant, 'Deployment', 'product-catalog');
    const mysql = podOf(variant, 'StatefulSet', 'mysql');
    const otherPodHere = pod(NAMESPACE, { app: 'debug-shell' });
    const podElsewhere = pod('default', { app: 'web' });
    const allowed = (from: Parameters<typeof connectionAllowed>[1], to: Parameters<typeof connectionAllowed>[2], port: number, protocol?: string) =>
      connectionAllowed(objects, from, to, port, protocol);

    it('when a web pod connects to MySQL on 3306, then it is allowed', () => {
      assert.equal(allowed(web, mysql, MYSQL_PORT), true);
    });

    it('when any other pod, here or elsewhere, or an outside address connects to MySQL, then it is denied', () => {
      assert.equal(allowed(otherPodHere, mysql, MYSQL_PORT), false);
      assert.equal(allowed(podElsewhere, mysql, MYSQL_PORT), false);
      assert.equal(allowed(ingressController, mysql, MYSQL_PORT), false);
      assert.equal(allowed(internetClient, mysql, MYSQL_PORT), false);
      assert.equal(allowed(web, mysql, 33060), false);
    });

    it('when a web pod looks up a name, then cluster DNS is reachable on 53 over UDP and TCP', () => {
      assert.equal(allowed(web, clusterDns, 53, 'UDP'), true);
      assert.equal(allowed(web, clusterDns, 53, 'TCP'), true);
    });

    it('when a web pod connects anywhere else, then it is denied', () => {
      assert.equal(allowed(web, internetClient, 443), false);
      assert.equal(allowed(web, external('10.96.0.1'), 443), false); // the API server
      assert.equal(allowed(web, clusterDns, 443), false);
      assert.equal(allowed(web, pod('kube-system', { 'k8s-app': 'other' }), 53, 'UDP'), false);
      assert.equal(allowed(web, web, APP_PORT), false);
      assert.equal(allowed(web, podElsewhere, 80), false);
    });

    it('when a client outside the namespace connects to a web pod on the app port, then it is allowed, on no other port', () => {
      assert.equal(allowed(internetClient, web, APP_PORT), true);
      assert.equal(allowed(ingressController, web, APP_PORT), true);
      assert.equal(allowed(podElsewhere, web, APP_PORT), true);
      assert.equal(allowed(internetClient, web, 22), false);
      assert.equal(allowed(internetClient, web, APP_PORT, 'UDP'), false);
    });

    it('when the verify Job calls the web pods on the app port, or looks up their Service name, then it is allowed; MySQL and anything else not', () => {
      const verify = podOf(variant, 'Job', 'verify');
      assert.equal(allowed(verify, web, APP_PORT), true);
      assert.equal(allowed(verify, clusterDns, 53, 'UDP'), true);
      assert.equal(allowed(verify, clusterDns, 53, 'TCP'), true);
      assert.equal(allowed(verify, mysql, MYSQL_PORT), false);
      assert.equal(allowed(verify, web, 22), false);
      assert.equal(allowed(verify, internetClient, 443), false);
      assert.equal(allowed(verify, external('10.96.0.1'), 443), false);
    });

    it('when the backup connects to MySQL on 3306, or looks up its Service name, then it is allowed; the web pods and anything else not', () => {
      const backup = podOf(variant, 'CronJob', 'mysql-backup');
      assert.equal(allowed(backup, mysql, MYSQL_PORT), true);
      assert.equal(allowed(backup, clusterDns, 53, 'UDP'), true);
      assert.equal(allowed(backup, clusterDns, 53, 'TCP'), true);
      assert.equal(allowed(backup, mysql, 33060), false);
      assert.equal(allowed(backup, web, APP_PORT), false);
      assert.equal(allowed(backup, internetClient, 443), false);
      assert.equal(allowed(backup, external('10.96.0.1'), 443), false);
      assert.equal(allowed(web, backup, 22), false);
    });

    it('when anything but the web pods and the backup connects to MySQL, then it is denied: the verify Job too', () => {
      assert.equal(allowed(podOf(variant, 'Job', 'verify'), mysql, MYSQL_PORT), false);
    });

    it('when MySQL or any other pod of the namespace sends anything out, then it is denied', () => {
      assert.equal(allowed(mysql, clusterDns, 53, 'UDP'), false);
      assert.equal(allowed(mysql, internetClient, 443), false);
      assert.equal(allowed(mysql, web, APP_PORT), false);
      assert.equal(allowed(otherPodHere, web, APP_PORT), false);
      assert.equal(allowed(otherPodHere, clusterDns, 53, 'UDP'), false);
    });
  });
}

describe('NetworkPolicy semantics (managed MySQL outside the cluster)', () => {
  const objects = synthObjects(productionExternal);
  const web = podOf(productionExternal, 'Deployment', 'product-catalog');

  it('when a web pod connects to the managed database range on 3306, then it is allowed, elsewhere or on other ports not', () => {
    assert.equal(connectionAllowed(objects, web, external('10.20.3.4'), MYSQL_PORT), true);
    assert.equal(connectionAllowed(objects, web, external('10.20.3.4'), 22), false);
    assert.equal(connectionAllowed(objects, web, external('10.21.0.1'), MYSQL_PORT), false);
    assert.equal(connectionAllowed(objects, web, clusterDns, 53, 'UDP'), true);
  });
});

describe('NetworkPolicy semantics (single sign-on)', () => {
  const objects = synthObjects(productionSso);
  const web = podOf(productionSso, 'Deployment', 'product-catalog');
  const mysql = podOf(productionSso, 'StatefulSet', 'mysql');
  const allowed = (from: PodEndpoint, ip: string, port: number) => connectionAllowed(objects, from, external(ip), port);

  it("when a web pod connects to the provider's ranges on their ports, then it is allowed, over IPv4 and IPv6", () => {
    assert.equal(allowed(web, '198.51.100.1', 443), true);
    assert.equal(allowed(web, '198.51.100.15', 443), true);
    assert.equal(allowed(web, '2001:db8:5::10', 8443), true);
    assert.equal(allowed(web, '2001:db8:5:ffff::1', 8443), true);
  });

  it('when a web pod connects outside those ranges, or to them on another port, then it is denied', () => {
    assert.equal(allowed(web, '198.51.100.16', 443), false);
    assert.equal(allowed(web, '198.51.100.1', 80), false);
    assert.equal(allowed(web, '198.51.100.1', 8443), false);
    assert.equal(allowed(web, '2001:db8:6::1', 8443), false);
    assert.equal(allowed(web, '2001:db8:5::10', 443), false);
    assert.equal(allowed(web, '203.0.113.7', 443), false);
    assert.equal(connectionAllowed(objects, web, clusterDns, 53, 'UDP'), true, 'DNS stays open');
  });

  it('when MySQL or any other pod of the namespace connects to the provider, then it is denied', () => {
    assert.equal(allowed(mysql, '198.51.100.1', 443), false);
    assert.equal(allowed(pod(NAMESPACE, { app: 'debug-shell' }), '198.51.100.1', 443), false);
  });
});
