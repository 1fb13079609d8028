import * as client from 'openid-client';

/**
 * Why a sign-in through the provider failed. The page turns each kind into a message; only
 * `provider-unreachable` says "the identity provider cannot be reached".
 * - provider-unreachable: the provider did not answer (refused, timed out, 502/503/504).
 * - provider-misconfigured: discovery answered, but not with usable metadata for OIDC_ISSUER.
 * - invalid-pending: the stored sign-in is missing or malformed (never started, or tampered with).
 * - expired: the stored sign-in is older than SIGN_IN_MAX_AGE_MS.
 * - invalid-callback: the callback's parameters failed the library's checks (state, iss).
 * - provider-refused: the provider answered the callback with an error (the user cancelled, ...).
 * - token-refused: the token or userinfo endpoint refused (a code used twice, a wrong secret).
 * - id-token-rejected: the ID token failed validation (signature, issuer, audience, nonce, expiry).
 * - invalid-response: anything else the library refused in the provider's answers.
 */
export type OidcErrorKind =
  | 'provider-unreachable'
  | 'provider-misconfigured'
  | 'invalid-pending'
  | 'expired'
  | 'invalid-callback'
  | 'provider-refused'
  | 'token-refused'
  | 'id-token-rejected'
  | 'invalid-response';

/**
 * A failed sign-in. `message` is for the log: it holds the library's reason and an OAuth error
 * code at most, never a token or a claim value, so it is safe to log; it is not for the page.
 */
export class OidcError extends Error {
  constructor(
    readonly kind: OidcErrorKind,
    detail: string,
  ) {
    super(`${kind}: ${detail}`);
    this.name = 'OidcError';
  }
}

/** Thrown by the RP's fetch when the provider cannot be reached; found again in the library's error causes. */
export class ProviderUnreachable extends Error {
  constructor(url: string, why: string) {
    super(`${new URL(url).origin} cannot be reached: ${why}`);
    this.name = 'ProviderUnreachable';
  }
}

/** Maps an error from openid-client to an OidcError, from the library's own error types and codes. */
export function toOidcError(error: unknown, during: 'discovery' | 'callback'): OidcError {
  if (error instanceof OidcError) return error;
  const unreachable = causes(error).find((e) => e instanceof ProviderUnreachable);
  if (unreachable) return new OidcError('provider-unreachable', unreachable.message);
  if (error instanceof client.AuthorizationResponseError) {
    return new OidcError('provider-refused', `${error.error}${error.error_description ? ` (${error.error_description})` : ''}`);
  }
  if (error instanceof client.ResponseBodyError) return new OidcError('token-refused', `${error.status} ${error.error}`);
  if (error instanceof client.WWWAuthenticateChallengeError) return new OidcError('token-refused', `${error.status} ${error.message}`);
  if (error instanceof client.ClientError) {
    if (error.code === 'OAUTH_TIMEOUT' || error.code === 'OAUTH_ABORT') return new OidcError('provider-unreachable', error.message);
    const reason = libraryReason(error);
    if (during === 'discovery') return new OidcError('provider-misconfigured', reason);
    // The library's ClientError wraps oauth4webapi's error, whose own cause holds what was checked.
    const inner = error.cause instanceof Error ? error.cause.cause : undefined;
    const cause = (typeof inner === 'object' && inner !== null ? inner : {}) as { parameters?: unknown; claims?: unknown; header?: unknown };
    if (cause.parameters instanceof URLSearchParams) return new OidcError('invalid-callback', reason);
    if (cause.claims !== undefined || cause.header !== undefined || error.code?.startsWith('OAUTH_JWT_')) {
      return new OidcError('id-token-rejected', reason);
    }
    return new OidcError('invalid-response', reason);
  }
  return new OidcError(during === 'discovery' ? 'provider-misconfigured' : 'invalid-response', String((error as Error)?.message ?? error));
}

/** openid-client wraps oauth4webapi's error, whose message says which check failed. */
function libraryReason(error: client.ClientError): string {
  const inner = error.cause instanceof Error ? error.cause.message : undefined;
  return [error.message, inner, error.code].filter(Boolean).join(': ');
}

function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = error; e !== undefined && chain.length < 10; e = (e as { cause?: unknown }).cause) {
    chain.push(e);
    if (typeof e !== 'object' || e === null) break;
  }
  return chain;
}
