import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { APP_DATABASE_PRIVILEGES, BACKUP_DATABASE_PRIVILEGES } from '../../db/privileges.js';
import { checkNewPassword } from '../../web/auth/credentials-rules.js';
import { loadConfig } from '../../web/config.js';
import { BACKUP_CLAIM_NAME, DEFAULT_BACKUP_SCHEDULE, DEFAULT_BACKUPS_KEPT } from '../../k8s/mysql-backup.js';
import { APP_PORT, DATABASE_NAME, DATABASE_SERVICE_NAME, PROBE_PATHS, SHUTDOWN_GRACE_SECONDS } from '../../web/defaults.js';
import { APP_NAME, MYSQL_IMAGE, NAMESPACE, SECRET_KEYS, SECRET_MOUNT_DIR, secretFile, SSO_CLIENT_SECRET_KEY } from '../../k8s/names.js';
import { SSO_CONFIG_HASH_ANNOTATION } from '../../k8s/single-sign-on.js';
import { MINIKUBE_NODE_PORT, minikube, production } from '../../k8s/variants.js';
import { PERSISTENT_FOLDER } from '../../k8s/catalog.js';
import { allSynthObjects, type Container, objectsOf, podTemplates, synthObjects, synthSetObjects, synthSets, the, type Workload, workloads } from './support/manifests.js';
import { selectorMatches } from './support/network-policy.js';
import { assertRestricted } from './support/pod-security.js';
import { type KubeObject, strictValidate } from './support/strict-schema.js';
import { ALL_VARIANTS, productionExternal, productionSso } from './support/variants.js';

type Service = KubeObject & {
  spec: {
    type?: string;
    selector?: Record<string, string>;
    ports?: { port: number; targetPort?: number | string; nodePort?: number }[];
    externalName?: string;
  };
};

const CLUSTER_SCOPED = new Set(['Namespace']);
const env = (container: Container, name: string) => container.env?.find((e) => e.name === name)?.value;
const webOf = (objects: KubeObject[]) => the(objects, 'Deployment', APP_NAME) as Workload;
const webContainer = (objects: KubeObject[]) => webOf(objects).spec.template.spec.containers[0]!;

for (const variant of ALL_VARIANTS) {
  describe(`manifests (${variant.variant})`, () => {
    const objects = synthObjects(variant);
    const pods = workloads(objects);
    // Every pod of the variant, the verify Job's included.
    const templates = podTemplates(allSynthObjects(variant));

    it('when objects are listed, then every object is in the namespace, which comes first when the set owns it', () => {
      const namespaces = objects.filter((o) => o.kind === 'Namespace');
      if (variant.ownsNamespace) {
        assert.equal(objects[0]?.kind, 'Namespace');
        assert.equal(objects[0]?.metadata.name, NAMESPACE);
      } else {
        assert.deepEqual(namespaces, [], 'deleting the deployed set must not delete the namespace');
      }
      for (const object of allSynthObjects(variant).filter((o) => !CLUSTER_SCOPED.has(o.kind))) {
        assert.equal(object.metadata.namespace, NAMESPACE, `${object.kind} ${object.metadata.name}`);
      }
    });

    it('when any object is read, then it has a fixed name and the recommended labels', () => {
      for (const object of objects) {
        assert.doesNotMatch(object.metadata.name, /-c8[0-9a-f]{6}$/, `${object.kind} has a hashed name`);
        const labels = object.metadata.labels ?? {};
        for (const key of ['name', 'instance', 'version', 'part-of', 'managed-by']) {
          assert.ok(labels[`app.kubernetes.io/${key}`], `${object.kind} ${object.metadata.name} lacks app.kubernetes.io/${key}`);
        }
        assert.equal(labels['app.kubernetes.io/part-of'], APP_NAME);
      }
    });

    it('when a Service selects pods, then exactly one workload matches and its targetPort is a declared container port', () => {
      for (const service of objects.filter((o): o is Service => o.kind === 'Service' && (o as Service).spec.type !== 'ExternalName')) {
        const selector = service.spec.selector ?? {};
        assert.ok(Object.keys(selector).length > 0, `${service.metadata.name} selects nothing`);
        const matching = pods.filter((w) => selectorMatches({ matchLabels: selector }, w.spec.template.metadata.labels));
        assert.equal(matching.length, 1, `${service.metadata.name} matches ${matching.length} workloads`);
        const ports = matching[0]!.spec.template.spec.containers.flatMap((c) => c.ports ?? []);
        for (const port of service.spec.ports ?? []) {
          const target = port.targetPort ?? port.port;
          assert.ok(ports.some((p) => p.containerPort === target || p.name === target), `${service.metadata.name} targets ${target}`);
        }
      }
    });

    it('when a workload selects pods, then its selector matches its own template, and the PDB matches the web pods', () => {
      for (const workload of pods) {
        assert.ok(selectorMatches(workload.spec.selector, workload.spec.template.metadata.labels), workload.metadata.name);
      }
      const pdb = the(objects, 'PodDisruptionBudget', APP_NAME) as KubeObject & { spec: { selector: { matchLabels: Record<string, string> }; minAvailable: number } };
      assert.deepEqual(pdb.spec.selector, webOf(objects).spec.selector);
      assert.equal(pdb.spec.minAvailable, 1);
    });

    it('when the web tier connects to MySQL, then MYSQL_HOST is the database Service, named as in the tutorial', () => {
      const databaseService = the(objects, 'Service', DATABASE_SERVICE_NAME);
      assert.equal(env(webContainer(objects), 'MYSQL_HOST'), databaseService.metadata.name);
      assert.equal(env(webContainer(objects), 'MYSQL_DATABASE'), DATABASE_NAME);
    });

    it('when a pod mounts Secret or ConfigMap keys, then every key exists, and the web pods never see the root password', () => {
      const secrets = objects.filter((o) => o.kind === 'Secret') as (KubeObject & { stringData?: Record<string, string>; data?: Record<string, string> })[];
      const configMaps = objects.filter((o) => o.kind === 'ConfigMap') as (KubeObject & { data: Record<string, string> })[];
      for (const workload of templates) {
        for (const volume of workload.spec.template.spec.volumes ?? []) {
          if (volume.secret) {
            const secret = secrets.find((s) => s.metadata.name === volume.secret!.secretName);
            // A Secret not synthesized here is the production one, made by hand with the documented keys.
            const keys = secret ? Object.keys({ ...secret.stringData, ...secret.data }) : [...Object.values(SECRET_KEYS), SSO_CLIENT_SECRET_KEY];
            for (const item of volume.secret.items ?? []) {
              assert.ok(keys.includes(item.key), `${workload.metadata.name} mounts missing Secret key ${item.key}`);
            }
          }
          if (volume.configMap) {
            const configMap = configMaps.find((c) => c.metadata.name === volume.configMap!.name);
            assert.ok(configMap, `${workload.metadata.name} mounts missing ConfigMap ${volume.configMap.name}`);
          }
        }
        for (const container of workload.spec.template.spec.containers) {
          for (const file of (container.env ?? []).filter((e) => e.name.endsWith('_FILE'))) {
            const mounted = workload.spec.template.spec.volumes?.find((v) => v.name === 'secrets')?.secret?.items?.map((i) => `${SECRET_MOUNT_DIR}/${i.path}`);
            assert.ok(mounted?.includes(file.value!), `${container.name}: ${file.name}=${file.value} is not a mounted file`);
          }
        }
      }
      const webSecretKeys = webOf(objects).spec.template.spec.volumes?.flatMap((v) => v.secret?.items?.map((i) => i.key) ?? []);
      const sso = variant.singleSignOn ? [SSO_CLIENT_SECRET_KEY] : [];
      assert.deepEqual(webSecretKeys?.sort(), [SECRET_KEYS.adminPassword, SECRET_KEYS.csrfSecret, SECRET_KEYS.mysqlPassword, ...sso].sort());
    });

    it('when the platform probes the web pods, then it asks the paths the app serves, on its port', () => {
      const web = webContainer(objects);
      assert.equal(web.livenessProbe?.httpGet?.path, PROBE_PATHS.liveness);
      assert.equal(web.readinessProbe?.httpGet?.path, PROBE_PATHS.readiness);
      assert.equal(web.startupProbe?.httpGet?.path, PROBE_PATHS.liveness);
      for (const probe of [web.livenessProbe, web.readinessProbe, web.startupProbe]) {
        assert.equal(probe?.httpGet?.port, APP_PORT);
      }
      assert.deepEqual(web.ports?.map((p) => p.containerPort), [APP_PORT]);
    });

    it('when a pod is checked against the restricted Pod Security Standard, then it passes', () => {
      for (const workload of templates) assertRestricted(workload);
    });

    it('when containers are listed, then images are pinned, pulled IfNotPresent, and resources are small and explicit', () => {
      for (const workload of templates) {
        for (const container of workload.spec.template.spec.containers) {
          const where = `${workload.metadata.name}/${container.name}`;
          assert.match(container.image, /^[^:@]+:[^:]+$/, `${where} image has an explicit tag`);
          assert.doesNotMatch(container.image, /:latest$/, `${where} uses latest`);
          assert.equal(container.imagePullPolicy, 'IfNotPresent', `${where} imagePullPolicy`);
          assert.ok(container.resources?.requests?.cpu && container.resources.requests.memory, `${where} requests`);
          assert.ok(container.resources?.limits?.memory, `${where} memory limit`);
          assert.notEqual(container.resources.requests.cpu, '1000m', `${where} kept cdk8s-plus's 1 CPU default`);
          assert.equal(container.startupProbe?.tcpSocket, undefined, `${where} kept cdk8s-plus's tcpSocket startup probe`);
        }
      }
    });

    it('when the web pod stops, then it pauses for endpoints to drain and its grace period covers the app shutdown', () => {
      const web = webOf(objects);
      const preStop = web.spec.template.spec.containers[0]!.lifecycle?.preStop?.exec?.command;
      assert.equal(preStop?.[0], 'sleep');
      const pause = Number(preStop?.[1]);
      assert.ok(pause > 0);
      assert.ok(web.spec.template.spec.terminationGracePeriodSeconds! > pause + SHUTDOWN_GRACE_SECONDS);
    });

    it('when the web tier scales, then the HPA owns the replica count (CPU, at least 2) and the Deployment fixes none', () => {
      const hpa = the(objects, 'HorizontalPodAutoscaler', APP_NAME) as KubeObject & {
        spec: { minReplicas: number; maxReplicas: number; scaleTargetRef: { kind: string; name: string }; metrics: { resource?: { name: string } }[] };
      };
      assert.equal(hpa.apiVersion, 'autoscaling/v2');
      assert.deepEqual(hpa.spec.scaleTargetRef.kind, 'Deployment');
      assert.equal(hpa.spec.scaleTargetRef.name, webOf(objects).metadata.name);
      assert.equal(hpa.spec.minReplicas, 2);
      assert.ok(hpa.spec.maxReplicas > hpa.spec.minReplicas);
      assert.equal(hpa.spec.metrics[0]?.resource?.name, 'cpu');
      assert.equal(webOf(objects).spec.replicas, undefined);
    });
  });
}

describe('manifests: the database tier', () => {
  for (const variant of [minikube, production]) {
    const objects = synthObjects(variant);
    const mysql = the(objects, 'StatefulSet', 'mysql') as Workload;
    const container = mysql.spec.template.spec.containers[0]!;

    it(`when MySQL runs in the cluster (${variant.variant}), then its data is on a claim, in a subdirectory`, () => {
      const templates = mysql.spec.volumeClaimTemplates ?? [];
      assert.equal(templates.length, 1);
      assert.match(templates[0]!.spec.resources.requests.storage, /^\d+Gi$/);
      const dataMount = container.volumeMounts?.find((m) => m.name === templates[0]!.metadata.name);
      assert.equal(dataMount?.mountPath, '/var/lib/mysql');
      assert.equal(dataMount?.subPath, 'mysql', 'existing claims hold the data directory in the subdirectory mysql');
      assert.equal(mysql.spec.serviceName, DATABASE_SERVICE_NAME);
    });

    it(`when the StatefulSet is deleted or scaled down (${variant.variant}), then its claims are retained, explicitly`, () => {
      const policy = (mysql.spec as { persistentVolumeClaimRetentionPolicy?: Record<string, string> }).persistentVolumeClaimRetentionPolicy;
      assert.deepEqual(policy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
    });

    it(`when MySQL starts as uid 999 (${variant.variant}), then it has writable dirs for its socket and tmp and a group for its files`, () => {
      const spec = mysql.spec.template.spec;
      assert.equal(spec.securityContext?.runAsUser, 999);
      assert.equal(spec.securityContext?.runAsGroup, 999);
      assert.equal(spec.securityContext?.fsGroup, 999);
      const emptyDirs = new Set(spec.volumes?.filter((v) => v.emptyDir).map((v) => v.name));
      for (const path of ['/var/run/mysqld', '/tmp']) {
        const mount = container.volumeMounts?.find((m) => m.mountPath === path);
        assert.ok(mount && emptyDirs.has(mount.name), `${path} is an emptyDir`);
      }
    });

    it(`when MySQL initializes (${variant.variant}), then the app user exists with exactly the app's privileges and root stays local`, () => {
      assert.equal(env(container, 'MYSQL_DATABASE'), DATABASE_NAME);
      assert.equal(env(container, 'MYSQL_USER'), env(webContainer(objects), 'MYSQL_USER'));
      assert.notEqual(env(container, 'MYSQL_USER'), 'root');
      assert.equal(env(container, 'MYSQL_ROOT_HOST'), 'localhost');
      assert.ok(env(container, 'MYSQL_PASSWORD_FILE') && env(container, 'MYSQL_ROOT_PASSWORD_FILE'));
      assert.equal(env(container, 'MYSQL_PASSWORD'), undefined);
      const initMount = container.volumeMounts?.find((m) => m.mountPath === '/docker-entrypoint-initdb.d');
      const initVolume = mysql.spec.template.spec.volumes?.find((v) => v.name === initMount?.name);
      const configMap = the(objects, 'ConfigMap', initVolume!.configMap!.name) as KubeObject & { data: Record<string, string> };
      const sql = Object.values(configMap.data).join('\n');
      assert.match(sql, new RegExp(`GRANT ${APP_DATABASE_PRIVILEGES.join(', ')} ON \`${DATABASE_NAME}\`\\.\\* TO '${env(container, 'MYSQL_USER')}'@'%'`));
      assert.match(sql, /REVOKE ALL PRIVILEGES/);
    });

    it(`when MySQL is probed (${variant.variant}), then first boot gets minutes, readiness runs a query over TCP, liveness is lenient`, () => {
      const startup = container.startupProbe!;
      assert.ok(startup.periodSeconds! * startup.failureThreshold! >= 300);
      const readiness = container.readinessProbe!.exec!.command.join(' ');
      assert.match(readiness, /--protocol=TCP/);
      assert.match(readiness, /SELECT 1/);
      const liveness = container.livenessProbe!;
      assert.ok(liveness.periodSeconds! * liveness.failureThreshold! >= 60);
    });
  }
});

describe('manifests: backups', () => {
  type CronJob = KubeObject & {
    spec: {
      schedule: string; timeZone?: string; concurrencyPolicy: string; startingDeadlineSeconds: number;
      jobTemplate: { spec: { template: { spec: Workload['spec']['template']['spec'] } } };
    };
  };
  for (const variant of [minikube, production]) {
    const objects = allSynthObjects(variant);
    const cronJob = the(objects, 'CronJob', 'mysql-backup') as CronJob;
    const pod = cronJob.spec.jobTemplate.spec.template.spec;
    const container = pod.containers[0]!;
    const env = (name: string) => container.env?.find((e) => e.name === name)?.value;

    it(`when the backup is scheduled (${variant.variant}), then it runs nightly by default in UTC, one at a time, and may start late rather than be skipped`, () => {
      assert.equal(cronJob.spec.schedule, variant.backup.schedule ?? DEFAULT_BACKUP_SCHEDULE);
      assert.match(cronJob.spec.schedule, /^\d+ \d+ \* \* \*$/, 'once a day');
      assert.equal(cronJob.spec.timeZone, 'Etc/UTC');
      assert.equal(cronJob.spec.concurrencyPolicy, 'Forbid');
      assert.ok(cronJob.spec.startingDeadlineSeconds >= 600);
      assert.equal(env('BACKUP_KEEP'), String(variant.backup.keep ?? DEFAULT_BACKUPS_KEPT));
      assert.equal(DEFAULT_BACKUPS_KEPT, 7);
    });

    it(`when the backup dumps (${variant.variant}), then it runs mysqldump --single-transaction from the MySQL image against the database Service as its own user`, () => {
      const mysql = the(objects, 'StatefulSet', 'mysql') as Workload;
      assert.equal(container.image, mysql.spec.template.spec.containers[0]!.image);
      assert.match(container.command!.join(' '), /mysqldump .*--single-transaction/);
      assert.equal(env('DB_HOST'), DATABASE_SERVICE_NAME);
      assert.equal(env('DB_NAME'), DATABASE_NAME);
      assert.equal(env('DB_USER'), variant.backup.user);
      assert.notEqual(env('DB_USER'), variant.databaseUser);
      const secretItems = pod.volumes?.flatMap((v) => v.secret?.items?.map((i) => i.key) ?? []);
      assert.deepEqual(secretItems, [SECRET_KEYS.mysqlBackupPassword], 'the backup pod sees its own password only');
    });

    it(`when the backup writes (${variant.variant}), then it writes to the backup claim, which is in the same folder as the namespace`, () => {
      const claimName = pod.volumes?.find((v) => v.persistentVolumeClaim)?.persistentVolumeClaim?.claimName;
      const mount = container.volumeMounts?.find((m) => pod.volumes?.find((v) => v.name === m.name)?.persistentVolumeClaim);
      assert.equal(mount?.mountPath, env('BACKUP_DIR'));
      const withNamespace = objectsOf(synthSets(variant).find((set) => objectsOf(set.files).some((o) => o.kind === 'Namespace'))!.files);
      assert.ok(withNamespace.some((o) => o.kind === 'PersistentVolumeClaim' && o.metadata.name === claimName), `claim ${claimName} beside the namespace`);
      assert.equal(the(objects, 'PersistentVolumeClaim', claimName!).metadata.namespace, NAMESPACE);
    });

    it(`when MySQL first boots (${variant.variant}), then an init script creates the backup user with SELECT only, from the Secret's file`, () => {
      const configMap = the(objects, 'ConfigMap', 'mysql-initdb') as KubeObject & { data: Record<string, string> };
      const script = configMap.data['20-backup-user.sh']!;
      assert.match(script, new RegExp(`CREATE USER '${variant.backup.user}'@'%'`));
      assert.match(script, new RegExp(`GRANT ${BACKUP_DATABASE_PRIVILEGES.join(', ')} ON `));
      assert.ok(script.includes(`${SECRET_MOUNT_DIR}/${SECRET_KEYS.mysqlBackupPassword}`));
      const mysql = the(objects, 'StatefulSet', 'mysql') as Workload;
      const mysqlKeys = mysql.spec.template.spec.volumes?.flatMap((v) => v.secret?.items?.map((i) => i.key) ?? []);
      assert.ok(mysqlKeys?.includes(SECRET_KEYS.mysqlBackupPassword), 'MySQL reads the backup password on first boot');
    });
  }

  it('when docs/BACKUP.md starts a pod to read the backups, then that pod validates and meets the restricted standard, mounting the claim read-only', () => {
    const doc = readFileSync(new URL('../../docs/BACKUP.md', import.meta.url), 'utf8');
    const yaml = /apply -f - <<'EOF'\n([\s\S]+?)\nEOF\n/.exec(doc)?.[1];
    assert.ok(yaml, 'the reader pod is in docs/BACKUP.md');
    const reader = parse(yaml) as KubeObject & { spec: Workload['spec']['template']['spec'] };
    assert.deepEqual(strictValidate(reader), []);
    assertRestricted({ ...reader, spec: { template: { metadata: { labels: {} }, spec: reader.spec }, selector: { matchLabels: {} } } });
    const claim = reader.spec.volumes?.find((v) => v.persistentVolumeClaim)?.persistentVolumeClaim as { claimName: string; readOnly?: boolean };
    assert.equal(claim.claimName, BACKUP_CLAIM_NAME);
    assert.equal(claim.readOnly, true);
    assert.equal(reader.spec.containers[0]!.image, MYSQL_IMAGE);
  });

  it('when the development Secret is synthesized, then the backup password is there and marked as development-only like the others', () => {
    const secret = the(synthObjects(minikube), 'Secret', APP_NAME) as KubeObject & { stringData: Record<string, string> };
    assert.match(secret.stringData[SECRET_KEYS.mysqlBackupPassword]!, /^dev-only-/);
  });

  it('when the database is managed outside the cluster, then there is no backup CronJob (the provider backs it up)', () => {
    assert.equal(allSynthObjects(productionExternal).some((o) => o.kind === 'CronJob' || o.kind === 'PersistentVolumeClaim'), false);
  });
});

describe('manifests: variants', () => {
  it('when deployed on minikube, then the web Service is a NodePort on the documented port and a development Secret exists', () => {
    const objects = synthObjects(minikube);
    const service = the(objects, 'Service', APP_NAME) as Service;
    assert.equal(service.spec.type, 'NodePort');
    assert.equal(service.spec.ports?.[0]?.nodePort, MINIKUBE_NODE_PORT);
    const secret = the(objects, 'Secret', APP_NAME);
    assert.match(JSON.stringify(secret.metadata), /development-only/);
    assert.equal(objects.some((o) => o.kind === 'Ingress'), false);
  });

  it("when the minikube Secret's development values reach the app, then its own checks accept them (no exit 78 in the pod)", async () => {
    if (minikube.secret.kind !== 'development') throw new Error('minikube has development credentials');
    const values = minikube.secret.values;
    const checked = await checkNewPassword(values.adminPassword, 'admin');
    assert.ok(checked.ok, JSON.stringify(checked));
    assert.ok(values.csrfSecret.length >= 32, 'CSRF_SECRET needs 32 characters');
    for (const value of Object.values(values)) assert.match(value, /^dev-only-/, 'every development value says so');
  });

  it('when deployed to production, then the web Service is ClusterIP behind an Ingress, TRUST_PROXY is 1, and no password is present', () => {
    const objects = synthObjects(production);
    assert.equal((the(objects, 'Service', APP_NAME) as Service).spec.type, 'ClusterIP');
    const ingress = the(objects, 'Ingress', APP_NAME) as KubeObject & { spec: { ingressClassName: string; rules: { host: string }[] } };
    assert.equal(ingress.spec.ingressClassName, production.ingress?.className);
    assert.equal(ingress.spec.rules[0]?.host, production.ingress?.host);
    assert.equal(env(webContainer(objects), 'TRUST_PROXY'), '1');
    assert.equal(objects.some((o) => o.kind === 'Secret'), false);
    const text = JSON.stringify(objects);
    if (minikube.secret.kind !== 'development') throw new Error('minikube has development credentials');
    for (const value of Object.values(minikube.secret.values)) {
      assert.equal(text.includes(value), false, 'production carries a development secret');
    }
    assert.equal(objects.some((o) => o.kind === 'Service' && (o as Service).spec.type === 'LoadBalancer'), false);
  });

  it('when an import the size of IMPORT_MAX_BYTES comes through ingress-nginx, then the controller lets it through unbuffered', () => {
    const ingress = the(synthObjects(production), 'Ingress', APP_NAME);
    const annotations = (ingress.metadata as { annotations?: Record<string, string> }).annotations ?? {};
    const limitMiB = Number(/^(\d+)m$/.exec(annotations['nginx.ingress.kubernetes.io/proxy-body-size'] ?? '')?.[1]);
    assert.ok(limitMiB * 1024 * 1024 >= loadConfig({}).importMaxBytes, `proxy-body-size ${limitMiB}m`);
    assert.equal(annotations['nginx.ingress.kubernetes.io/proxy-request-buffering'], 'off');
  });

  it('when production is deployed or deleted, then the namespace is not in the set: the operator applies it once from persistent/', () => {
    assert.equal(synthObjects(production).some((o) => o.kind === 'Namespace'), false);
    const persistent = synthSetObjects(production, `${production.variant}/${PERSISTENT_FOLDER}`);
    const namespace = the(persistent, 'Namespace', NAMESPACE);
    assert.equal(namespace.metadata.labels?.['pod-security.kubernetes.io/enforce'], 'restricted');
    assert.deepEqual(the(synthObjects(minikube), 'Namespace', NAMESPACE).metadata, namespace.metadata, 'the same namespace as minikube');
    assert.equal(synthSets(minikube).some((set) => set.folder.endsWith(`/${PERSISTENT_FOLDER}`)), false, 'minikube owns its namespace');
  });

  it('when production uses a managed MySQL, then webapp-sql1 is an ExternalName, no MySQL runs, and a LoadBalancer and TLS are there', () => {
    const objects = synthObjects(productionExternal);
    const service = the(objects, 'Service', DATABASE_SERVICE_NAME) as Service;
    assert.equal(service.spec.type, 'ExternalName');
    assert.equal(service.spec.externalName, 'mysql.example.internal');
    assert.equal(objects.some((o) => o.kind === 'StatefulSet'), false);
    assert.equal(env(webContainer(objects), 'MYSQL_HOST'), DATABASE_SERVICE_NAME);
    const balancer = objects.filter((o) => o.kind === 'Service' && (o as Service).spec.type === 'LoadBalancer') as Service[];
    assert.equal(balancer.length, 1);
    const ingress = the(objects, 'Ingress', APP_NAME) as KubeObject & { spec: { tls: { hosts: string[]; secretName: string }[] } };
    assert.deepEqual(ingress.spec.tls, [{ hosts: ['shop.example.com'], secretName: 'shop-tls' }]);
  });
});

describe('manifests: single sign-on', () => {
  type ConfigMap = KubeObject & { data: Record<string, string> };
  type Deployment = Workload & { spec: { template: { metadata: { annotations?: Record<string, string> } } } };
  const ssoMap = (objects: KubeObject[]) => the(objects, 'ConfigMap', `${APP_NAME}-sso`) as ConfigMap;
  const envFrom = (objects: KubeObject[]) => (webContainer(objects) as Container & { envFrom?: { configMapRef?: { name: string } }[] }).envFrom;
  const annotation = (objects: KubeObject[]) => (webOf(objects) as Deployment).spec.template.metadata.annotations?.[SSO_CONFIG_HASH_ANNOTATION];

  it('when a variant turns it on, then a ConfigMap holds each setting under its variable name, read by the web pods through envFrom', () => {
    const objects = synthObjects(productionSso);
    assert.deepEqual(ssoMap(objects).data, {
      OIDC_ISSUER: 'https://sso.example.com/realms/main',
      OIDC_CLIENT_ID: 'product-catalog',
      OIDC_ROLE_MAP: 'catalog-admins=admin,catalog-editors=editor',
      OIDC_DEFAULT_ROLE: 'none',
      OIDC_BUTTON_LABEL: 'Sign in with Example SSO',
      OIDC_REDIRECT_URI: 'https://catalog.example.com/auth/oidc/callback',
      LOCAL_LOGIN: 'false',
      LOCAL_LOGIN_BREAK_GLASS_USER: 'break-glass',
    });
    assert.deepEqual(envFrom(objects), [{ configMapRef: { name: `${APP_NAME}-sso` } }]);
    assert.equal(env(webContainer(objects), 'OIDC_CLIENT_SECRET_FILE'), secretFile(SSO_CLIENT_SECRET_KEY));
    assert.equal(env(webContainer(objects), 'OIDC_CLIENT_SECRET'), undefined, 'the secret is never a plain value');
    assert.ok(!JSON.stringify(ssoMap(objects)).includes('SECRET'), 'no secret in the ConfigMap');
  });

  it("when the ConfigMap and the mounted secret reach the app, then its own checks accept them (no exit 78 in the pod)", () => {
    const dir = mkdtempSync(join(tmpdir(), 'pc-sso-'));
    writeFileSync(join(dir, SSO_CLIENT_SECRET_KEY), 'the client secret\n');
    const config = loadConfig({ ...ssoMap(synthObjects(productionSso)).data, OIDC_CLIENT_SECRET_FILE: join(dir, SSO_CLIENT_SECRET_KEY) });
    assert.equal(config.signIn.oidc?.clientSecret, 'the client secret');
    assert.deepEqual(config.signIn.localLogin, { enabled: false, breakGlassUser: 'break-glass' });
  });

  it('when a setting changes, then the pod template annotation (a hash of the ConfigMap) changes, so applying it rolls the pods', () => {
    const before = synthObjects(productionSso);
    assert.match(annotation(before)!, /^[0-9a-f]{64}$/);
    assert.equal(annotation(synthObjects(productionSso)), annotation(before), 'the same settings, the same hash');
    const changed = synthObjects({ ...productionSso, singleSignOn: { ...productionSso.singleSignOn!, defaultRole: 'viewer' } });
    assert.notEqual(annotation(changed), annotation(before));
  });

  it('when a variant leaves it off, then there is no ConfigMap, envFrom, client secret file or annotation', () => {
    for (const variant of [minikube, production]) {
      const objects = synthObjects(variant);
      assert.equal(objects.some((o) => o.kind === 'ConfigMap' && o.metadata.name === `${APP_NAME}-sso`), false);
      assert.equal(envFrom(objects), undefined);
      assert.equal(env(webContainer(objects), 'OIDC_CLIENT_SECRET_FILE'), undefined);
      assert.equal(annotation(objects), undefined);
    }
  });

  it('when the settings are wrong or name no egress range, then synth stops naming the problem', () => {
    const sso = productionSso.singleSignOn!;
    const refused = (singleSignOn: typeof sso) => assert.throws(() => synthObjects({ ...productionSso, singleSignOn }), /singleSignOn settings are refused/);
    refused({ ...sso, egress: [] });
    assert.throws(() => synthObjects({ ...productionSso, singleSignOn: { ...sso, egress: [{ cidr: 'sso.example.com' }] } }), /egress cidr must be an IPv4 or IPv6 range/);
    assert.throws(() => synthObjects({ ...productionSso, singleSignOn: { ...sso, egress: [{ cidr: '198.51.100.0/33' }] } }), /egress cidr/);
    assert.throws(() => synthObjects({ ...productionSso, singleSignOn: { ...sso, issuer: 'http://sso.example.com' } }), /OIDC_ISSUER must use https/);
    assert.throws(() => synthObjects({ ...productionSso, singleSignOn: { ...sso, roleMap: 'admins=owner' } }), /OIDC_ROLE_MAP entry 1/);
  });
});
