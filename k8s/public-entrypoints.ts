import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { APP_PORT } from '../web/defaults.js';
import { IMPORT_MAX_BYTES_DEFAULT } from '../web/limits.js';
import { APP_NAME } from './names.js';

/** An Ingress rule for the app. */
export interface IngressSettings {
  /** Public host name, e.g. `catalog.example.com`. */
  readonly host: string;
  /** IngressClass of the controller that serves it, e.g. `nginx`. */
  readonly className: string;
  /**
   * Name of a `kubernetes.io/tls` Secret for the host.
   * @default no TLS section (the controller's default certificate, or plain HTTP)
   */
  readonly tlsSecretName?: string;
}

/** Properties of {@link PublicEntrypoints}. */
export interface PublicEntrypointsProps {
  /** The app's ClusterIP Service. */
  readonly service: kplus.Service;
  /** The app's pods, for the LoadBalancer Service. */
  readonly deployment: kplus.Deployment;
  /**
   * Route the host through an Ingress controller.
   * @default no Ingress
   */
  readonly ingress?: IngressSettings;
  /**
   * Also expose the app through a cloud load balancer of its own.
   * @default false
   */
  readonly loadBalancer?: boolean;
}

/**
 * ingress-nginx refuses bodies over 1 MiB by default and buffers them whole before passing them
 * on: an import (up to IMPORT_MAX_BYTES) must get through, and streams into the app as it arrives.
 */
export const NGINX_UPLOAD_ANNOTATIONS: Readonly<Record<string, string>> = {
  'nginx.ingress.kubernetes.io/proxy-body-size': `${Math.ceil(IMPORT_MAX_BYTES_DEFAULT / (1024 * 1024))}m`,
  'nginx.ingress.kubernetes.io/proxy-request-buffering': 'off',
};

/** The ways into the app from outside a production cluster: an Ingress and an optional LoadBalancer. */
export class PublicEntrypoints extends Construct {
  constructor(scope: Construct, id: string, props: PublicEntrypointsProps) {
    super(scope, id);
    const ingress = props.ingress;
    if (ingress) {
      new kplus.Ingress(this, 'Ingress', {
        metadata: { name: APP_NAME, ...(ingress.className === 'nginx' && { annotations: NGINX_UPLOAD_ANNOTATIONS }) },
        className: ingress.className,
        rules: [{
          host: ingress.host,
          path: '/',
          pathType: kplus.HttpIngressPathType.PREFIX,
          backend: kplus.IngressBackend.fromService(props.service),
        }],
        tls: ingress.tlsSecretName
          ? [{ hosts: [ingress.host], secret: kplus.Secret.fromSecretName(this, 'Tls', ingress.tlsSecretName) }]
          : undefined,
      });
    }
    if (props.loadBalancer) {
      new kplus.Service(this, 'LoadBalancer', {
        metadata: { name: `${APP_NAME}-public` },
        type: kplus.ServiceType.LOAD_BALANCER,
        selector: props.deployment,
        ports: [{ name: 'http', port: 80, targetPort: APP_PORT }],
      });
    }
  }
}
