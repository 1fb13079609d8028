import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { PROBE_PATHS } from '../defaults.js';
import { mintToken } from './admin-client.js';

/** Headers every request of the round trip carries. */
export type RequestHeaders = Record<string, string>;

/** An account that may write products, e.g. the first admin from the Secret. */
export interface Credentials {
  readonly username: string;
  readonly password: string;
}

/** The round trip's headers, and how to give up what made them. */
export interface Authentication {
  readonly headers: RequestHeaders;
  dispose(): Promise<void>;
}

/** Options of {@link verifyDeployment}. */
export interface VerifyOptions {
  /** The web Service, e.g. `http://product-catalog:80`. */
  readonly baseUrl: string;
  /** How long to wait for /readyz to answer 200 before the round trip. */
  readonly readyTimeoutMs: number;
  /** Limit of each single request. */
  readonly requestTimeoutMs: number;
  /** Where each step is reported. */
  readonly log: (line: string) => void;
  /** Who signs in to write; without, the writes go unauthenticated (and a 401 fails the check). */
  readonly credentials?: Credentials;
}

/** A step of the round trip that went wrong: what was asked, what came back. */
export class VerificationError extends Error {
  constructor(step: string, detail: string) {
    super(`${step}: ${detail}`);
    this.name = 'VerificationError';
  }
}

/**
 * The headers that let the round trip write: signs in through the app's own pages and creates an
 * API token with the editor role (all the round trip needs) that expires in a day, and revokes
 * it on dispose.
 */
export async function authenticate(baseUrl: string, credentials: Credentials | undefined): Promise<Authentication> {
  if (!credentials) return { headers: {}, dispose: async () => undefined };
  try {
    const minted = await mintToken(baseUrl, credentials, { name: `verify ${new Date().toISOString()}`, role: 'editor', expiresInDays: 1 });
    return { headers: { authorization: `Bearer ${minted.token}` }, dispose: () => minted.dispose() };
  } catch (error) {
    throw new VerificationError(`sign in as ${credentials.username}`, (error as Error).message);
  }
}

/**
 * Proves a deployed catalog works end to end: waits for /readyz, then creates a product through
 * the API, reads it back, deletes it and checks it is gone. Throws a {@link VerificationError}
 * naming the step, the status and the body that came back when anything differs.
 */
export async function verifyDeployment(options: VerifyOptions): Promise<void> {
  const { baseUrl, log } = options;
  const request = async (step: string, path: string, init: RequestInit = {}) => {
    try {
      const response = await fetch(new URL(path, baseUrl), { ...init, signal: AbortSignal.timeout(options.requestTimeoutMs) });
      return { status: response.status, body: await response.text() };
    } catch (error) {
      throw new VerificationError(step, `no answer from ${new URL(path, baseUrl)} (${describe(error)})`);
    }
  };
  const expect = (step: string, answer: { status: number; body: string }, status: number) => {
    if (answer.status !== status) {
      throw new VerificationError(step, `expected ${status}, got ${answer.status}: ${answer.body.slice(0, 500)}`);
    }
    log(`ok   ${step} (${status})`);
  };

  await waitUntilReady(options);
  log(`ok   ${PROBE_PATHS.readiness} answers 200`);

  const authentication = await authenticate(baseUrl, options.credentials);
  log(`ok   signed in${options.credentials ? ` as ${options.credentials.username}, token minted` : ': no credentials given'}`);
  try {
    await roundTrip(options, request, expect, authentication.headers);
  } finally {
    // A failed revoke must not hide how the round trip went; the token expires in a day anyway.
    await authentication.dispose().catch((error: Error) => log(`also: revoking the verify token failed: ${error.message}`));
  }
}

type Answer = { status: number; body: string };

async function roundTrip(
  options: VerifyOptions,
  request: (step: string, path: string, init?: RequestInit) => Promise<Answer>,
  expect: (step: string, answer: Answer, status: number) => void,
  headers: RequestHeaders,
): Promise<void> {
  const { log } = options;
  const productId = `verify-${randomBytes(6).toString('hex')}`;
  const productName = `Deployment check ${new Date().toISOString()}`;
  const productPath = `/api/products/${productId}`;

  const created = await request('create', '/api/products', {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ productId, productName }),
  });
  expect(`create ${productId}`, created, 201);

  let readFailure: unknown;
  try {
    const read = await request('read', productPath, { headers });
    expect(`read ${productId}`, read, 200);
    const product = JSON.parse(read.body) as { productId?: unknown; productName?: unknown };
    if (product.productId !== productId || product.productName !== productName) {
      throw new VerificationError(`read ${productId}`, `the API returned another product: ${read.body.slice(0, 500)}`);
    }
  } catch (error) {
    readFailure = error;
  }
  // Never leave the probe product behind, even when the read failed.
  const deleted = await request('delete', productPath, { method: 'DELETE', headers });
  if (readFailure) {
    if (deleted.status !== 204) log(`also: deleting ${productId} answered ${deleted.status}; remove it by hand`);
    throw readFailure;
  }
  expect(`delete ${productId}`, deleted, 204);
  expect(`read ${productId} after delete`, await request('read after delete', productPath, { headers }), 404);
}

async function waitUntilReady(options: VerifyOptions): Promise<void> {
  const deadline = Date.now() + options.readyTimeoutMs;
  let last: string;
  for (;;) {
    try {
      const response = await fetch(new URL(PROBE_PATHS.readiness, options.baseUrl), { signal: AbortSignal.timeout(options.requestTimeoutMs) });
      if (response.status === 200) return;
      last = `${response.status}: ${(await response.text()).slice(0, 300)}`;
    } catch (error) {
      last = describe(error);
    }
    if (Date.now() >= deadline) {
      throw new VerificationError(PROBE_PATHS.readiness, `not 200 within ${options.readyTimeoutMs} ms; last: ${last}`);
    }
    await sleep(1000);
  }
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message ?? String(error);
}
