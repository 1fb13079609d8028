import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { parseSignInEnv, SIGN_IN_ENV } from '../web/auth/oidc/oidc-config.js';
import { APP_NAME } from './names.js';

/** An address range the web pods may open TCP connections to: the provider, or whatever fronts it. */
export interface EgressRange {
  /** IPv4 or IPv6 CIDR, e.g. `203.0.113.0/28`. */
  readonly cidr: string;
  /** @default 443 */
  readonly port?: number;
}

/** Single sign-on for the web pods: the app's OIDC_* and LOCAL_LOGIN settings (README, Configuration). */
export interface SingleSignOnSettings {
  /** OIDC_ISSUER */
  readonly issuer: string;
  /** OIDC_CLIENT_ID; the client secret is the Secret's `oidc-client-secret` key, never here. */
  readonly clientId: string;
  /** OIDC_SCOPES. @default the app's, `openid profile email` */
  readonly scopes?: string;
  /** OIDC_ROLES_CLAIM. @default the app's, `groups` */
  readonly rolesClaim?: string;
  /** OIDC_ROLE_MAP, e.g. `catalog-admins=admin,catalog-editors=editor`. @default no group mapped */
  readonly roleMap?: string;
  /** OIDC_DEFAULT_ROLE. @default the app's, `viewer` */
  readonly defaultRole?: 'viewer' | 'none';
  /** OIDC_BUTTON_LABEL. @default the app's */
  readonly buttonLabel?: string;
  /** OIDC_REDIRECT_URI, the callback registered at the provider. @default derived from each request */
  readonly redirectUri?: string;
  /** LOCAL_LOGIN. @default true */
  readonly localLogin?: boolean;
  /** LOCAL_LOGIN_BREAK_GLASS_USER. @default none */
  readonly breakGlassUser?: string;
  /**
   * Where the web pods reach the provider (discovery, token, userinfo and key requests), for their
   * egress NetworkPolicy. Required: without it every callback would time out.
   */
  readonly egress: readonly EgressRange[];
}

/** The pod template annotation that carries the ConfigMap's hash, so a changed setting rolls the pods. */
export const SSO_CONFIG_HASH_ANNOTATION = 'product-catalog.example/sso-config-sha256';

/** The settings as the app's environment variables: the ConfigMap's data, one key per variable. */
export function singleSignOnEnv(settings: SingleSignOnSettings): Record<(typeof SIGN_IN_ENV)[number], string | undefined> {
  return {
    OIDC_ISSUER: settings.issuer,
    OIDC_CLIENT_ID: settings.clientId,
    OIDC_CLIENT_SECRET: undefined,
    OIDC_CLIENT_SECRET_FILE: undefined,
    OIDC_SCOPES: settings.scopes,
    OIDC_ROLES_CLAIM: settings.rolesClaim,
    OIDC_ROLE_MAP: settings.roleMap,
    OIDC_DEFAULT_ROLE: settings.defaultRole,
    OIDC_BUTTON_LABEL: settings.buttonLabel,
    OIDC_REDIRECT_URI: settings.redirectUri,
    LOCAL_LOGIN: settings.localLogin === undefined ? undefined : String(settings.localLogin),
    LOCAL_LOGIN_BREAK_GLASS_USER: settings.breakGlassUser,
  };
}

/**
 * The ConfigMap `product-catalog-sso`, checked at synth time by the app's own rules (so a pod
 * never starts only to exit 78), and the egress ranges.
 */
export class SingleSignOnConfig extends Construct {
  public readonly configMap: kplus.ConfigMap;
  /** SHA-256 of the ConfigMap's data. */
  public readonly hash: string;
  public readonly egress: readonly Required<EgressRange>[];

  constructor(scope: Construct, id: string, settings: SingleSignOnSettings) {
    super(scope, id);
    const data = Object.fromEntries(Object.entries(singleSignOnEnv(settings)).filter((e): e is [string, string] => e[1] !== undefined));
    // The secret is a mounted file in the pod; any value stands for it here.
    const { problems } = parseSignInEnv({ ...data, OIDC_CLIENT_SECRET: 'from the Secret' });
    if (settings.egress.length === 0) problems.push('egress names no address range: the web pods could not reach the provider');
    for (const range of settings.egress) {
      const problem = egressProblem(range);
      if (problem) problems.push(problem);
    }
    if (problems.length) throw new Error(`singleSignOn settings are refused:\n  ${problems.join('\n  ')}`);

    this.configMap = new kplus.ConfigMap(this, 'ConfigMap', { metadata: { name: `${APP_NAME}-sso` }, data });
    this.hash = createHash('sha256').update(JSON.stringify(Object.entries(data).sort())).digest('hex');
    this.egress = settings.egress.map((range) => ({ cidr: range.cidr, port: range.port ?? 443 }));
  }
}

function egressProblem(range: EgressRange): string | undefined {
  const [network = '', bits, ...rest] = range.cidr.split('/');
  const family = isIP(network);
  const max = family === 6 ? 128 : 32;
  if (family === 0 || bits === undefined || rest.length || !/^\d{1,3}$/.test(bits) || Number(bits) > max) {
    return `egress cidr must be an IPv4 or IPv6 range such as 203.0.113.0/28 (got ${JSON.stringify(range.cidr)})`;
  }
  const port = range.port ?? 443;
  if (!Number.isInteger(port) || port < 1 || port > 65535) return `egress port must be 1 to 65535 (got ${port})`;
  return undefined;
}
