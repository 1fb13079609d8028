import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { PROBE_PATHS } from '../defaults.js';

/** Headers every request of the round trip carries. */
export type RequestHeaders = Record<string, string>;

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
}

/** A step of the round trip that went wrong: what was asked, what came back. */
export class VerificationError extends Error {
  constructor(step: string, detail: string) {
    super(`${step}: ${detail}`);
    this.name = 'VerificationError';
  }
}

/**
 * The headers that let the round trip write. Writes need no credentials today; once API tokens
 * exist this signs in and returns `Authorization: Bearer <token>`.
 */
export async function authenticate(_baseUrl: string): Promise<RequestHeaders> {
  return {};
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

  const headers = await authenticate(baseUrl);
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
