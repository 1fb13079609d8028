import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clusterAddons } from '../../lab/cluster/addons.js';
import { loadTopology } from '../../lab/cluster/load.js';
import { buildTopology } from '../../lab/cluster/topology.js';
import type { KubeObject } from '../../lab/kube/objects.js';
import { containerEnv } from '../../lab/pods/env.js';
import { resolveImage } from '../../lab/pods/images.js';
import { renderServices } from '../../lab/services/kube-proxy.js';
import { DATABASE_SERVICE_NAME, MYSQL_PORT } from '../../web/defaults.js';
import { APP_NAME, NAMESPACE } from '../../k8s/names.js';
import { MINIKUBE_NODE_PORT } from '../../k8s/variants.js';

describe('lab topology from the committed minikube manifests', () => {
  const topology = loadTopology();
  const web = topology.pods.filter((p) => p.owner === `Deployment ${APP_NAME}`);

  it('when the Deployment sets no replicas, then the autoscaler\'s minReplicas decides how many web pods run, spread over both nodes', () => {
    const hpa = topology.objects.find((o) => o.kind === 'HorizontalPodAutoscaler') as KubeObject & { spec: { minReplicas: number } };
    assert.equal(web.length, hpa.spec.minReplicas);
    assert.deepEqual(new Set(web.map((p) => p.node)).size, 2);
    assert.ok(topology.pods.some((p) => p.name === 'mysql-0'), 'the StatefulSet names its pod by ordinal');
  });

  it('when Services have no clusterIP, then each gets its own address in the service range, and kube-dns keeps 10.96.0.10', () => {
    const ips = topology.services.map((s) => s.clusterIP);
    assert.equal(new Set(ips).size, ips.length);
    assert.equal(topology.services.find((s) => s.name === 'kube-dns')?.clusterIP, '10.96.0.10');
    assert.ok(topology.services.find((s) => s.name === DATABASE_SERVICE_NAME)?.clusterIP?.startsWith('10.96.'));
  });

  it('when a web container\'s environment is built, then it is the image\'s ENV, the Service links and the manifests\' env, which wins', () => {
    const pod = web[0]!;
    const container = pod.spec.containers[0]!;
    const image = resolveImage(container);
    assert.equal(image.kind, 'program');
    const env = containerEnv(pod, container, topology, '10.244.0.9', image.kind === 'program' ? image.env : {});
    for (const variable of container.env ?? []) if (variable.value !== undefined) assert.equal(env[variable.name], variable.value);
    assert.equal(env.MYSQL_HOST, DATABASE_SERVICE_NAME);
    assert.equal(env.WEBAPP_SQL1_SERVICE_PORT, String(MYSQL_PORT));
    assert.equal(env.HOSTNAME, pod.name);
    assert.equal(env.NODE_ENV, 'production');
    assert.deepEqual(image.kind === 'program' && image.argv.slice(-1), ['dist/web/server.js']);
  });

  it('when a namespace has no Namespace object, then it still carries its automatic name label', () => {
    const system = topology.namespaces.find((n) => n.name === 'kube-system')!;
    assert.equal(system.labels['kubernetes.io/metadata.name'], 'kube-system');
    assert.equal(topology.namespaces.find((n) => n.name === NAMESPACE)?.labels['kubernetes.io/metadata.name'], NAMESPACE);
  });
});

describe('kube-proxy rules', () => {
  const view = {
    namespace: 'shop', name: 'web', portName: 'http', protocol: 'TCP' as const, clusterIP: '10.96.0.30', port: 80,
    nodePort: MINIKUBE_NODE_PORT,
  };

  it('when a Service has three ready endpoints, then each is picked with probability 1/3, 1/2, then always, and the NodePort leads to the same chain', () => {
    const endpoints = ['10.244.0.5', '10.244.1.5', '10.244.1.6'].map((ip, i) => ({ pod: `p${i}`, ip, port: 3000 }));
    const text = renderServices([{ ...view, endpoints }], '10.244.0.0/16').text;
    const probabilities = [...text.matchAll(/--probability (\S+)/g)].map((m) => Number(m[1]));
    assert.deepEqual(probabilities.map((p) => p.toFixed(3)), ['0.333', '0.500']);
    assert.equal([...text.matchAll(/-j DNAT --to-destination 10\.244\.\d\.\d:3000/g)].length, 3);
    assert.match(text, new RegExp(`--dport ${MINIKUBE_NODE_PORT} -j KUBE-EXT-`));
  });

  it('when a Service has no ready endpoint, then its port is rejected in the filter table instead of DNATed', () => {
    const text = renderServices([{ ...view, endpoints: [] }], '10.244.0.0/16').text;
    assert.doesNotMatch(text, /DNAT/);
    assert.match(text, /-d 10\.96\.0\.30\/32 -p tcp -m tcp --dport 80 .*has no endpoints.* -j REJECT/);
  });

  it('when pods of the add-ons and the manifests share a name, then the topology refuses to build', () => {
    const clash: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'dns', namespace: 'x' }, spec: { containers: [] } };
    assert.throws(() => buildTopology([clash], clusterAddons()), /two lab pods would be named dns/);
  });
});
