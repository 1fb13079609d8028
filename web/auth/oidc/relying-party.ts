import * as client from 'openid-client';
import { sameOriginPath } from '../../http/safe-redirect.js';
import { isLoopbackHost, type OidcConfig } from './oidc-config.js';
import { OidcError, ProviderUnreachable, toOidcError } from './oidc-error.js';

/**
 * What the app keeps server-side (in the session) between sending the user to the provider and
 * the callback. Plain JSON. It must be used once: take it out of the session before calling
 * completeSignIn, so a second callback for it finds nothing.
 */
export interface PendingSignIn {
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  /** The redirect_uri sent to the provider; the token request must repeat it exactly. */
  readonly redirectUri: string;
  /** Where to go after signing in: a path on this site, already checked. */
  readonly next: string;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
}

/** A user the provider vouched for, after the library validated the ID token. */
export interface SignInResult {
  /** The provider's issuer as its metadata states it: with `subject`, the account's link. */
  readonly issuer: string;
  readonly subject: string;
  /** The ID token's claims, and the userinfo claims it lacks (OpenID Connect puts most there). */
  readonly claims: Readonly<Record<string, unknown>>;
  /** Keep it with the session: RP-initiated logout sends it back as id_token_hint. */
  readonly idToken: string;
  readonly next: string;
}

/** A sign-in left at the provider longer than this must start again. */
export const SIGN_IN_MAX_AGE_MS = 10 * 60 * 1000;

export interface RelyingPartyOptions {
  readonly logger?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** Waits between discovery attempts while the provider is unreachable; the last one repeats. */
  readonly retryDelaysMs?: readonly number[];
  /** Per request to the provider. */
  readonly timeoutSeconds?: number;
}

const RETRY_DELAYS_MS = [1_000, 2_000, 5_000, 15_000, 30_000, 60_000, 120_000, 300_000];
const TIMEOUT_SECONDS = 10;

/**
 * The app as an OpenID Connect relying party, through openid-client: Authorization Code flow
 * with PKCE (S256), state and nonce, a confidential client (client_secret_basic, OpenID
 * Connect's default). Validation is the library's; this class only keeps the state between
 * steps and names the failures.
 *
 * Discovery never blocks start-up: `start()` tries in the background and keeps retrying while the
 * provider is unreachable; a sign-in started meanwhile tries once more itself and otherwise fails
 * with `provider-unreachable`.
 */
export class RelyingParty {
  private discovered?: client.Configuration;
  private attempt?: Promise<client.Configuration>;
  private retryTimer?: NodeJS.Timeout;
  private failures = 0;
  private closed = false;
  private markReady!: () => void;
  private readonly readyPromise = new Promise<void>((resolve) => (this.markReady = resolve));
  private readonly retryDelaysMs: readonly number[];
  private readonly timeoutSeconds: number;

  constructor(
    private readonly config: OidcConfig,
    private readonly options: RelyingPartyOptions = {},
  ) {
    this.retryDelaysMs = options.retryDelaysMs ?? RETRY_DELAYS_MS;
    this.timeoutSeconds = options.timeoutSeconds ?? TIMEOUT_SECONDS;
  }

  /** Starts discovery in the background; returns at once. */
  start(): void {
    this.discover().catch(() => {});
  }

  /** True once discovery has succeeded. */
  get ready(): boolean {
    return this.discovered !== undefined;
  }

  /** Resolves once discovery has succeeded (for tests, and for a log line at start). */
  whenReady(): Promise<void> {
    return this.readyPromise;
  }

  /** Stops background retries. */
  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
  }

  /**
   * Where to send the user, and what to keep until the callback. `redirectUri` is the absolute
   * callback URL registered at the provider.
   */
  async beginSignIn(next: unknown, redirectUri: string): Promise<{ url: URL; pending: PendingSignIn }> {
    const configuration = await this.configuration();
    const pending: PendingSignIn = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      codeVerifier: client.randomPKCECodeVerifier(),
      redirectUri: callbackUrl(redirectUri).href,
      next: sameOriginPath(next),
      createdAt: Date.now(),
    };
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: pending.redirectUri,
      scope: this.config.scopes.join(' '),
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(pending.codeVerifier),
      code_challenge_method: 'S256',
    });
    return { url, pending };
  }

  /**
   * Redeems the callback: `callback` is the URL (or just its query) the provider sent the user
   * to. The library checks state, iss, the code exchange with PKCE, and the ID token (signature,
   * issuer, audience, nonce, expiry); userinfo is fetched for the claims the ID token lacks.
   */
  async completeSignIn(callback: URL | URLSearchParams | string, pending: PendingSignIn): Promise<SignInResult> {
    checkPending(pending);
    const configuration = await this.configuration();
    const currentUrl = new URL(pending.redirectUri);
    currentUrl.search = (callback instanceof URLSearchParams ? callback : new URL(callback, currentUrl).searchParams).toString();
    try {
      const tokens = await client.authorizationCodeGrant(configuration, currentUrl, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      const idClaims = tokens.claims()!;
      const userinfo = configuration.serverMetadata().userinfo_endpoint
        ? await client.fetchUserInfo(configuration, tokens.access_token, idClaims.sub)
        : {};
      return {
        issuer: idClaims.iss,
        subject: idClaims.sub,
        claims: { ...userinfo, ...idClaims },
        idToken: tokens.id_token!,
        next: pending.next,
      };
    } catch (error) {
      throw toOidcError(error, 'callback');
    }
  }

  /**
   * The provider's RP-initiated logout URL, or undefined when it publishes no
   * end_session_endpoint (or has not been reached yet): then only the app's session ends.
   * `postLogoutRedirectUri` must be registered at the provider.
   */
  endSessionUrl(idTokenHint: string | undefined, postLogoutRedirectUri?: string): URL | undefined {
    if (!this.discovered?.serverMetadata().end_session_endpoint) return undefined;
    return client.buildEndSessionUrl(this.discovered, {
      ...(idTokenHint && { id_token_hint: idTokenHint }),
      ...(postLogoutRedirectUri && { post_logout_redirect_uri: callbackUrl(postLogoutRedirectUri).href }),
    });
  }

  /**
   * Origins the app's CSP `form-action` must list: browsers apply it to the redirects that follow
   * a form, so a sign-in or sign-out form answered with a redirect to the provider is blocked
   * under `form-action 'self'` alone. The issuer's origin, and the endpoints' once discovered.
   */
  formActionOrigins(): string[] {
    const metadata = this.discovered?.serverMetadata();
    const endpoints = [metadata?.authorization_endpoint, metadata?.end_session_endpoint].filter((e): e is string => e !== undefined);
    return [...new Set([this.config.issuer.origin, ...endpoints.map((e) => new URL(e).origin)])];
  }

  private async configuration(): Promise<client.Configuration> {
    return this.discovered ?? this.discover();
  }

  /** One discovery attempt at a time; a failure schedules the next. */
  private discover(): Promise<client.Configuration> {
    this.attempt ??= client
      .discovery(this.config.issuer, this.config.clientId, undefined, client.ClientSecretBasic(this.config.clientSecret), {
        // openid-client refuses plain http unless told otherwise. Only a loopback issuer (tests, a
        // provider on this machine) may use it; oidc-config.ts refuses http anywhere else too.
        execute: isLoopbackHost(this.config.issuer.hostname) ? [client.allowInsecureRequests] : [],
        timeout: this.timeoutSeconds,
        [client.customFetch]: providerFetch,
      })
      .then(
        (configuration) => {
          this.discovered = configuration;
          this.failures = 0;
          clearTimeout(this.retryTimer);
          this.markReady();
          this.options.logger?.info({ issuer: this.config.issuer.href }, 'OpenID Provider discovered: single sign-on is available');
          return configuration;
        },
        (error: unknown) => {
          const failure = toOidcError(error, 'discovery');
          this.failures += 1;
          this.scheduleRetry();
          this.options.logger?.warn(
            { issuer: this.config.issuer.href, reason: failure.message, attempt: this.failures },
            'OpenID Provider discovery failed: single sign-on is unavailable until it succeeds; retrying',
          );
          throw failure;
        },
      )
      .finally(() => {
        this.attempt = undefined;
      });
    return this.attempt;
  }

  private nextDelay(): number {
    return this.retryDelaysMs[Math.min(this.failures, this.retryDelaysMs.length) - 1]!;
  }

  private scheduleRetry(): void {
    clearTimeout(this.retryTimer);
    if (this.closed) return;
    // Retrying must never keep the process alive on its own.
    this.retryTimer = setTimeout(() => this.start(), this.nextDelay()).unref();
  }
}

/** fetch for every request to the provider: a network failure or a gateway's 502/503/504 becomes ProviderUnreachable. */
const providerFetch: client.CustomFetch = async (url, options) => {
  let response: Response;
  try {
    response = await fetch(url, options as RequestInit);
  } catch (error) {
    // fetch's own message is just "fetch failed"; undici's cause says what happened (ECONNREFUSED, a closed socket, a timeout).
    const cause = (error as { cause?: { message?: string } }).cause;
    throw new ProviderUnreachable(url, cause?.message ?? (error as Error).message);
  }
  if (response.status === 502 || response.status === 503 || response.status === 504) {
    throw new ProviderUnreachable(url, `HTTP ${response.status}`);
  }
  return response;
};

function callbackUrl(text: string): URL {
  const url = new URL(text);
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.search || url.hash) {
    throw new TypeError(`a redirect URI must be an absolute http(s) URL without query or fragment (got ${url.origin}${url.pathname})`);
  }
  return url;
}

function checkPending(pending: PendingSignIn): void {
  const fields = ['state', 'nonce', 'codeVerifier', 'redirectUri', 'next'] as const;
  if (typeof pending !== 'object' || pending === null || fields.some((f) => typeof pending[f] !== 'string') || typeof pending.createdAt !== 'number') {
    throw new OidcError('invalid-pending', 'no sign-in was started in this session, or it was already used');
  }
  const age = Date.now() - pending.createdAt;
  if (age > SIGN_IN_MAX_AGE_MS || age < 0) throw new OidcError('expired', `the sign-in was started ${Math.round(age / 1000)} s ago`);
}
