import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { ROLES, type Role } from '../roles.js';
import { USERNAME_PATTERN } from '../credentials-rules.js';

/** Single sign-on through an OpenID Provider; absent when OIDC_ISSUER is unset. */
export interface OidcConfig {
  /** The provider's Issuer Identifier; discovery reads `<issuer>/.well-known/openid-configuration`. */
  readonly issuer: URL;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Always contains `openid`. */
  readonly scopes: readonly string[];
  /** The claim (ID token or userinfo) that lists the user's groups. */
  readonly rolesClaim: string;
  /** Group name (exact, case-sensitive) to the role it grants. */
  readonly roleMap: ReadonlyMap<string, Role>;
  /** Role of a user in no mapped group; `none` refuses them. */
  readonly defaultRole: 'viewer' | 'none';
  readonly buttonLabel: string;
  /** The callback URL registered at the provider; absent: derived from each request's origin. */
  readonly redirectUri?: URL;
}

export interface LocalLoginConfig {
  /** False hides and refuses password sign-in for everyone but `breakGlassUser`. */
  readonly enabled: boolean;
  /** The one account that may still sign in with a password (it must be an enabled admin) while `enabled` is false. */
  readonly breakGlassUser?: string;
}

export interface SignInConfig {
  readonly oidc?: OidcConfig;
  readonly localLogin: LocalLoginConfig;
}

export const DEFAULT_SCOPES = ['openid', 'profile', 'email'] as const;
export const DEFAULT_ROLES_CLAIM = 'groups';
export const DEFAULT_BUTTON_LABEL = 'Sign in with single sign-on';
const BUTTON_LABEL_MAX = 80;

/** Every variable this module reads, for the README table and the Kubernetes ConfigMap. */
export const SIGN_IN_ENV = [
  'OIDC_ISSUER',
  'OIDC_CLIENT_ID',
  'OIDC_CLIENT_SECRET',
  'OIDC_CLIENT_SECRET_FILE',
  'OIDC_SCOPES',
  'OIDC_ROLES_CLAIM',
  'OIDC_ROLE_MAP',
  'OIDC_DEFAULT_ROLE',
  'OIDC_BUTTON_LABEL',
  'OIDC_REDIRECT_URI',
  'LOCAL_LOGIN',
  'LOCAL_LOGIN_BREAK_GLASS_USER',
] as const;

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads the sign-in settings. Never throws for bad input: it returns every problem, each naming
 * its variable, so web/config.ts can add them to its own and stop with exit 78.
 */
export function parseSignInEnv(env: Env): { config: SignInConfig; problems: string[] } {
  const problems: string[] = [];
  // An empty variable means "not set", as in web/config.ts.
  const get = (name: (typeof SIGN_IN_ENV)[number]) => (env[name] === '' ? undefined : env[name]);

  const localLogin = parseLocalLogin(get('LOCAL_LOGIN'), get('LOCAL_LOGIN_BREAK_GLASS_USER'), problems);
  const issuerText = get('OIDC_ISSUER');
  if (issuerText === undefined) {
    const stray = SIGN_IN_ENV.filter((name) => name.startsWith('OIDC_') && get(name) !== undefined);
    if (stray.length) problems.push(`${stray.join(', ')} ${stray.length > 1 ? 'are' : 'is'} set but OIDC_ISSUER is not: set OIDC_ISSUER to turn on single sign-on, or unset ${stray.length > 1 ? 'them' : 'it'}`);
    if (!localLogin.enabled) problems.push('LOCAL_LOGIN=false needs single sign-on (OIDC_ISSUER); without either nobody could sign in');
    return { config: { localLogin }, problems };
  }

  const issuer = httpsUrl('OIDC_ISSUER', issuerText, problems);
  const clientId = get('OIDC_CLIENT_ID');
  if (clientId === undefined) problems.push('OIDC_CLIENT_ID is required when OIDC_ISSUER is set');
  const clientSecret = clientSecretFrom(get('OIDC_CLIENT_SECRET'), get('OIDC_CLIENT_SECRET_FILE'), problems);
  const scopes = parseScopes(get('OIDC_SCOPES'), problems);
  const rolesClaim = get('OIDC_ROLES_CLAIM') ?? DEFAULT_ROLES_CLAIM;
  if (/\s/.test(rolesClaim)) problems.push(`OIDC_ROLES_CLAIM must be one claim name without spaces (got ${JSON.stringify(rolesClaim)})`);
  const roleMap = parseRoleMap(get('OIDC_ROLE_MAP'), problems);
  const defaultRole = get('OIDC_DEFAULT_ROLE') ?? 'viewer';
  if (defaultRole !== 'viewer' && defaultRole !== 'none') {
    problems.push(`OIDC_DEFAULT_ROLE must be viewer or none (got ${JSON.stringify(defaultRole)})`);
  } else if (defaultRole === 'none' && roleMap.size === 0) {
    problems.push('OIDC_DEFAULT_ROLE=none with an empty OIDC_ROLE_MAP would refuse every single sign-on user: map at least one group');
  }
  const buttonLabel = get('OIDC_BUTTON_LABEL') ?? DEFAULT_BUTTON_LABEL;
  if (buttonLabel.trim() === '' || buttonLabel.length > BUTTON_LABEL_MAX || /\p{Cc}/u.test(buttonLabel)) {
    problems.push(`OIDC_BUTTON_LABEL must be 1 to ${BUTTON_LABEL_MAX} characters without control characters`);
  }
  const redirectText = get('OIDC_REDIRECT_URI');
  const redirectUri = redirectText === undefined ? undefined : httpsUrl('OIDC_REDIRECT_URI', redirectText, problems);

  // Every missing or bad value above has pushed a problem, so past this point each one is set.
  if (problems.length) return { config: { localLogin }, problems };
  return {
    config: {
      localLogin,
      oidc: {
        issuer: issuer!,
        clientId: clientId!,
        clientSecret: clientSecret!,
        scopes,
        rolesClaim,
        roleMap,
        defaultRole: defaultRole as 'viewer' | 'none',
        buttonLabel: buttonLabel.trim(),
        ...(redirectUri && { redirectUri }),
      },
    },
    problems,
  };
}

/**
 * True for 127.0.0.0/8, ::1 and localhost: the only hosts allowed plain HTTP (tests, a provider
 * on the same machine). Anything else must be HTTPS.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

function httpsUrl(name: string, text: string, problems: string[]): URL | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    problems.push(`${name} must be an absolute URL such as https://sso.example.com/realms/main (got ${JSON.stringify(text)})`);
    return undefined;
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    problems.push(`${name} must use https (plain http only on loopback) (got ${JSON.stringify(text)})`);
  } else if (url.username || url.password || url.search || url.hash) {
    problems.push(`${name} must not carry credentials, a query or a fragment (got ${JSON.stringify(url.origin + url.pathname)})`);
  } else {
    return url;
  }
  return undefined;
}

function clientSecretFrom(direct: string | undefined, file: string | undefined, problems: string[]): string | undefined {
  if (direct !== undefined && file !== undefined) {
    problems.push('Set OIDC_CLIENT_SECRET or OIDC_CLIENT_SECRET_FILE, not both');
    return undefined;
  }
  if (direct === undefined && file === undefined) {
    problems.push('OIDC_CLIENT_SECRET or OIDC_CLIENT_SECRET_FILE is required when OIDC_ISSUER is set');
    return undefined;
  }
  if (direct !== undefined) return direct;
  let secret: string;
  try {
    // Mounted secrets usually end with a newline that is not part of the secret.
    secret = readFileSync(file!, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    problems.push(`OIDC_CLIENT_SECRET_FILE cannot be read: ${(error as Error).message}`);
    return undefined;
  }
  if (secret === '') {
    problems.push(`OIDC_CLIENT_SECRET_FILE is empty (${file})`);
    return undefined;
  }
  return secret;
}

// RFC 6749 section 3.3: a scope token is printable ASCII without space, '"' or '\'.
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

function parseScopes(text: string | undefined, problems: string[]): readonly string[] {
  if (text === undefined) return DEFAULT_SCOPES;
  const scopes = [...new Set(text.split(/[\s,]+/).filter(Boolean))];
  const bad = scopes.filter((s) => !SCOPE_TOKEN.test(s));
  if (bad.length) problems.push(`OIDC_SCOPES has invalid scope names: ${bad.map((s) => JSON.stringify(s)).join(', ')}`);
  if (!scopes.includes('openid')) problems.push(`OIDC_SCOPES must include openid (got ${JSON.stringify(text)})`);
  return scopes;
}

/** `group=role,group=role`; every malformed entry is named by its position and text. */
function parseRoleMap(text: string | undefined, problems: string[]): ReadonlyMap<string, Role> {
  const map = new Map<string, Role>();
  if (text === undefined) return map;
  text.split(',').forEach((raw, index) => {
    const entry = raw.trim();
    const where = `OIDC_ROLE_MAP entry ${index + 1} (${JSON.stringify(entry)})`;
    const eq = entry.lastIndexOf('=');
    if (entry === '') {
      problems.push(`${where} is empty: write group=role, separated by commas`);
      return;
    }
    if (eq <= 0) {
      problems.push(`${where} must be group=role, for example catalog-admins=admin`);
      return;
    }
    const group = entry.slice(0, eq).trim();
    const role = entry.slice(eq + 1).trim();
    if (!(ROLES as readonly string[]).includes(role)) {
      problems.push(`${where}: the role must be one of ${ROLES.join(', ')}`);
      return;
    }
    const earlier = map.get(group);
    if (earlier !== undefined && earlier !== role) {
      problems.push(`${where}: group ${JSON.stringify(group)} is already mapped to ${earlier}`);
      return;
    }
    map.set(group, role as Role);
  });
  return map;
}

function parseLocalLogin(enabledText: string | undefined, breakGlass: string | undefined, problems: string[]): LocalLoginConfig {
  if (enabledText !== undefined && enabledText !== 'true' && enabledText !== 'false') {
    problems.push(`LOCAL_LOGIN must be true or false (got ${JSON.stringify(enabledText)})`);
  }
  const enabled = enabledText !== 'false';
  if (breakGlass !== undefined && !USERNAME_PATTERN.test(breakGlass)) {
    problems.push(`LOCAL_LOGIN_BREAK_GLASS_USER must be a username: 1 to 64 of A-Z a-z 0-9 . _ - (got ${JSON.stringify(breakGlass)})`);
    return { enabled };
  }
  // While password sign-in is on for everyone, naming a break-glass account changes nothing.
  return enabled || breakGlass === undefined ? { enabled } : { enabled, breakGlassUser: breakGlass };
}
