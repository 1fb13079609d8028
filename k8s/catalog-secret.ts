import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { APP_NAME, SECRET_KEYS, SECRET_MOUNT_DIR } from './names.js';

/** One value for each key of {@link SECRET_KEYS}. */
export type SecretValues = { readonly [K in keyof typeof SECRET_KEYS]: string };

/** Where the app's credentials come from. */
export type SecretSource =
  /** A Secret synthesized with published values: only for a throw-away local cluster. */
  | { readonly kind: 'development'; readonly values: SecretValues }
  /** A Secret an operator created in the namespace; the manifests then hold no password. */
  | { readonly kind: 'existing'; readonly name: string };

/** Properties of {@link CatalogSecret}. */
export interface CatalogSecretProps {
  readonly source: SecretSource;
}

/** The Secret holding the database passwords and the CSRF key, made here or referenced by name. */
export class CatalogSecret extends Construct {
  /** The Secret the workloads mount. */
  public readonly secret: kplus.ISecret;

  constructor(scope: Construct, id: string, props: CatalogSecretProps) {
    super(scope, id);
    const source = props.source;
    if (source.kind === 'existing') {
      this.secret = kplus.Secret.fromSecretName(this, 'Existing', source.name);
      return;
    }
    const secret = new kplus.Secret(this, 'Secret', {
      metadata: {
        name: APP_NAME,
        annotations: {
          'product-catalog.example/development-only':
            'These values are public (committed to git). Never use this Secret outside a local cluster.',
        },
      },
    });
    for (const [field, key] of Object.entries(SECRET_KEYS) as [keyof typeof SECRET_KEYS, string][]) {
      secret.addStringData(key, source.values[field]);
    }
    this.secret = secret;
  }
}

/**
 * Mounts only `keys` of the Secret into the container at SECRET_MOUNT_DIR, read-only and readable
 * by the pod's group (its fsGroup) alone.
 */
export function mountSecretFiles(
  scope: Construct,
  container: kplus.Container,
  secret: kplus.ISecret,
  keys: readonly string[],
): void {
  if (keys.length === 0) {
    // A Secret volume without items projects every key, the root password included.
    throw new Error('mountSecretFiles needs at least one key');
  }
  const volume = kplus.Volume.fromSecret(scope, 'SecretVolume', secret, {
    name: 'secrets',
    defaultMode: 0o440,
    items: Object.fromEntries(keys.map((key) => [key, { path: key }])),
  });
  container.mount(SECRET_MOUNT_DIR, volume, { readOnly: true });
}
