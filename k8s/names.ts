import packageJson from '../package.json' with { type: 'json' };

/**
 * Names of the Kubernetes objects shared by more than one construct. Each is defined here once;
 * names the app itself knows (ports, the database Service, probe paths) live in web/defaults.ts.
 */

/** The app's name: the Namespace, the Secret and the `app.kubernetes.io/part-of` label. */
export const APP_NAME = 'product-catalog';

/** The Namespace every object lives in. */
export const NAMESPACE = APP_NAME;

/** The app's version, from package.json: image tag and `app.kubernetes.io/version`. */
export const APP_VERSION: string = packageJson.version;

/** Image repository of the web tier; skaffold's artifact builds exactly this name. */
export const WEB_IMAGE_REPOSITORY = APP_NAME;

/** MySQL release of the database tier: a patch release of the 8.4 LTS line. */
export const MYSQL_VERSION = '8.4.10';

/** Official MySQL image, pinned to {@link MYSQL_VERSION}. */
export const MYSQL_IMAGE = `mysql:${MYSQL_VERSION}`;

/** Where each container finds the Secret's files. */
export const SECRET_MOUNT_DIR = '/run/secrets/product-catalog';

/** Keys of the Secret (the development one synthesized here, or the production one made by hand). */
export const SECRET_KEYS = {
  /** MySQL root password: only the database container sees it. */
  mysqlRootPassword: 'mysql-root-password',
  /** Password of the app's database user. */
  mysqlPassword: 'mysql-password',
  /** Key that signs CSRF tokens; the same for every web replica. */
  csrfSecret: 'csrf-secret',
  /** Password of the first admin account, used only while no admin exists. */
  adminPassword: 'admin-password',
  /** Password of the backup CronJob's read-only database user. */
  mysqlBackupPassword: 'mysql-backup-password',
} as const;

/**
 * The Secret key holding the OpenID Connect client secret: mounted into the web pods only when the
 * variant turns single sign-on on, so a Secret without it keeps working otherwise.
 */
export const SSO_CLIENT_SECRET_KEY = 'oidc-client-secret';

/** Path of a Secret key's file inside a container. */
export function secretFile(key: string): string {
  return `${SECRET_MOUNT_DIR}/${key}`;
}
