import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { APP_PORT, DATABASE_NAME, MYSQL_PORT, PROBE_PATHS, SHUTDOWN_GRACE_SECONDS } from '../web/defaults.js';
import { mountSecretFiles } from './catalog-secret.js';
import type { DatabaseTier } from './database-tier.js';
import { APP_NAME, SECRET_KEYS, secretFile, SSO_CLIENT_SECRET_KEY } from './names.js';
import { addRestrictedPatches, restrictedContainerSecurity, restrictedWorkloadProps } from './restricted.js';
import { SSO_CONFIG_HASH_ANNOTATION, type SingleSignOnConfig } from './single-sign-on.js';
import { FIRST_ROLLOUT_DEADLINE_SECONDS } from './rollout.js';

/** uid and gid of the `node` user of the official Node.js images, which the Dockerfile runs as. */
export const NODE_IDENTITY = { uid: 1000, gid: 1000 };

/** Seconds the pod keeps serving after it is marked terminating, so endpoints drain first. */
export const PRE_STOP_PAUSE_SECONDS = 5;

/** How the web Service is reached. */
export type WebServiceExposure =
  /** A NodePort on every node, e.g. for `minikube service`. */
  | { readonly type: 'NodePort'; readonly nodePort: number }
  /** Cluster-internal only: behind an Ingress or a LoadBalancer. */
  | { readonly type: 'ClusterIP' };

/** Properties of {@link WebApp}. */
export interface WebAppProps {
  /** The app image, e.g. `product-catalog:0.1.0`. */
  readonly image: string;
  /** Secret with the app's database password and CSRF key. */
  readonly secret: kplus.ISecret;
  /** The database the app connects to. */
  readonly database: DatabaseTier;
  /** The app's database user. */
  readonly databaseUser: string;
  /** Type of the web Service. */
  readonly exposure: WebServiceExposure;
  /**
   * Fewest replicas the autoscaler keeps.
   * @default 2
   */
  readonly minReplicas?: number;
  /**
   * Most replicas the autoscaler starts.
   * @default 4
   */
  readonly maxReplicas?: number;
  /**
   * Proxy hops in front of the app (TRUST_PROXY), e.g. 1 behind an Ingress controller.
   * @default unset: the app trusts no proxy
   */
  readonly trustProxyHops?: number;
  /**
   * The app's LOG_LEVEL.
   * @default 'info'
   */
  readonly logLevel?: string;
  /**
   * Single sign-on: its settings from the ConfigMap, its client secret from the Secret.
   * @default off
   */
  readonly singleSignOn?: SingleSignOnConfig;
}

/**
 * The web tier: a Deployment of the app image with probes, drain-before-stop, small explicit
 * resources, an autoscaler, a disruption budget and the Service in front of it.
 */
export class WebApp extends Construct {
  public readonly deployment: kplus.Deployment;
  public readonly service: kplus.Service;

  constructor(scope: Construct, id: string, props: WebAppProps) {
    super(scope, id);

    this.deployment = new kplus.Deployment(this, 'Deployment', {
      ...restrictedWorkloadProps(this, APP_NAME, NODE_IDENTITY),
      terminationGracePeriod: Duration.seconds(PRE_STOP_PAUSE_SECONDS + SHUTDOWN_GRACE_SECONDS + 5),
      // cdk8s-plus would set 600; the first rollout waits for MySQL's first boot.
      progressDeadline: Duration.seconds(FIRST_ROLLOUT_DEADLINE_SECONDS),
    });

    const env: Record<string, kplus.EnvValue> = {
      NODE_ENV: kplus.EnvValue.fromValue('production'),
      PORT: kplus.EnvValue.fromValue(String(APP_PORT)),
      MYSQL_HOST: kplus.EnvValue.fromValue(props.database.service.name),
      MYSQL_PORT: kplus.EnvValue.fromValue(String(MYSQL_PORT)),
      MYSQL_DATABASE: kplus.EnvValue.fromValue(DATABASE_NAME),
      MYSQL_USER: kplus.EnvValue.fromValue(props.databaseUser),
      MYSQL_PASSWORD_FILE: kplus.EnvValue.fromValue(secretFile(SECRET_KEYS.mysqlPassword)),
      MYSQL_POOL_SIZE: kplus.EnvValue.fromValue('5'),
      CSRF_SECRET_FILE: kplus.EnvValue.fromValue(secretFile(SECRET_KEYS.csrfSecret)),
      ADMIN_PASSWORD_FILE: kplus.EnvValue.fromValue(secretFile(SECRET_KEYS.adminPassword)),
      SHUTDOWN_GRACE_SECONDS: kplus.EnvValue.fromValue(String(SHUTDOWN_GRACE_SECONDS)),
      LOG_LEVEL: kplus.EnvValue.fromValue(props.logLevel ?? 'info'),
    };
    if (props.trustProxyHops !== undefined) {
      env.TRUST_PROXY = kplus.EnvValue.fromValue(String(props.trustProxyHops));
    }
    const sso = props.singleSignOn;
    if (sso) {
      env.OIDC_CLIENT_SECRET_FILE = kplus.EnvValue.fromValue(secretFile(SSO_CLIENT_SECRET_KEY));
      // envFrom reads the ConfigMap only when a pod starts: a new hash makes a new rollout.
      this.deployment.podMetadata.addAnnotation(SSO_CONFIG_HASH_ANNOTATION, sso.hash);
    }

    const web = this.deployment.addContainer({
      name: 'web',
      image: props.image,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      ports: [{ name: 'http', number: APP_PORT }],
      envVariables: env,
      ...(sso && { envFrom: [kplus.Env.fromConfigMap(sso.configMap)] }),
      securityContext: restrictedContainerSecurity(NODE_IDENTITY),
      resources: {
        cpu: { request: kplus.Cpu.millis(100) },
        memory: { request: Size.mebibytes(128), limit: Size.mebibytes(256) },
      },
      startup: kplus.Probe.fromHttpGet(PROBE_PATHS.liveness, {
        port: APP_PORT,
        periodSeconds: Duration.seconds(2),
        timeoutSeconds: Duration.seconds(2),
        failureThreshold: 30,
      }),
      liveness: kplus.Probe.fromHttpGet(PROBE_PATHS.liveness, {
        port: APP_PORT,
        periodSeconds: Duration.seconds(10),
        timeoutSeconds: Duration.seconds(2),
        failureThreshold: 3,
      }),
      readiness: kplus.Probe.fromHttpGet(PROBE_PATHS.readiness, {
        port: APP_PORT,
        periodSeconds: Duration.seconds(5),
        timeoutSeconds: Duration.seconds(2),
        failureThreshold: 2,
      }),
      lifecycle: {
        preStop: kplus.Handler.fromCommand(['sleep', String(PRE_STOP_PAUSE_SECONDS)]),
      },
    });
    web.mount('/tmp', kplus.Volume.fromEmptyDir(this, 'TmpVolume', 'tmp', { sizeLimit: Size.mebibytes(64) }));
    mountSecretFiles(this, web, props.secret, [
      SECRET_KEYS.mysqlPassword,
      SECRET_KEYS.csrfSecret,
      SECRET_KEYS.adminPassword,
      ...(sso ? [SSO_CLIENT_SECRET_KEY] : []),
    ]);
    addRestrictedPatches(this.deployment);

    const exposure = props.exposure;
    this.service = new kplus.Service(this, 'Service', {
      metadata: { name: APP_NAME },
      selector: this.deployment,
      type: exposure.type === 'NodePort' ? kplus.ServiceType.NODE_PORT : kplus.ServiceType.CLUSTER_IP,
      ports: [{
        name: 'http',
        port: 80,
        targetPort: APP_PORT,
        ...(exposure.type === 'NodePort' ? { nodePort: exposure.nodePort } : {}),
      }],
    });

    new kplus.HorizontalPodAutoscaler(this, 'Autoscaler', {
      metadata: { name: APP_NAME },
      target: this.deployment,
      minReplicas: props.minReplicas ?? 2,
      maxReplicas: props.maxReplicas ?? 4,
      metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(70))],
    });

    new kplus.k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
      metadata: { name: APP_NAME },
      spec: {
        minAvailable: kplus.k8s.IntOrString.fromNumber(1),
        selector: { matchLabels: this.deployment.matchLabels },
      },
    });
  }
}
