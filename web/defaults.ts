/**
 * Names and numbers shared by the app's config and the Kubernetes manifests.
 * Each is defined here once; k8s/ imports them rather than repeating a string.
 */

/** Port the app listens on inside its container. */
export const APP_PORT = 3000;

/** MySQL's standard port. */
export const MYSQL_PORT = 3306;

/** The tutorial's database name, kept so existing installations carry over. */
export const DATABASE_NAME = 'ProductDetails';

/** The tutorial's Service name for the database tier; the app reaches MySQL by this DNS name. */
export const DATABASE_SERVICE_NAME = 'webapp-sql1';

/** HTTP paths the platform probes and scrapes. */
export const PROBE_PATHS = {
  liveness: '/healthz',
  readiness: '/readyz',
  metrics: '/metrics',
} as const;

/** Seconds the app allows in-flight requests to finish after SIGTERM. */
export const SHUTDOWN_GRACE_SECONDS = 10;

/** Name of the first admin account (ADMIN_USERNAME), which the deployment's verify step signs in as. */
export const DEFAULT_ADMIN_USERNAME = 'admin';
