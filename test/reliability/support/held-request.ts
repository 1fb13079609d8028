import { request } from 'node:http';
import type { ApiTarget } from './http.js';

export interface HeldOutcome {
  readonly productId: string;
  /** The server read the request's head and answered 100 Continue: the app has accepted it. */
  readonly accepted: boolean;
  readonly acceptedAt?: number;
  readonly status?: number;
  readonly error?: string;
}

/**
 * POSTs a product with `Expect: 100-continue` and sends the body only `holdMs` after the server's
 * 100 Continue, so the test knows exactly which requests the server had accepted (and was still
 * reading) when something happened. `holdMs: Infinity` never sends the body.
 */
export function heldPost(
  target: ApiTarget,
  product: { productId: string; productName: string },
  holdMs: number,
  onAccepted?: () => void,
): Promise<HeldOutcome> {
  const body = JSON.stringify(product);
  return new Promise((resolve) => {
    let acceptedAt: number | undefined;
    const done = (o: Omit<HeldOutcome, 'productId' | 'accepted' | 'acceptedAt'>) =>
      resolve({ productId: product.productId, accepted: acceptedAt !== undefined, acceptedAt, ...o });
    const req = request(`${target.url}/api/products`, {
      method: 'POST',
      agent: false,
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        expect: '100-continue',
        ...(target.token && { authorization: `Bearer ${target.token}` }),
      },
    });
    req.on('continue', () => {
      acceptedAt = Date.now();
      onAccepted?.();
      if (Number.isFinite(holdMs)) setTimeout(() => req.end(body), holdMs);
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => done({ status: res.statusCode }));
      res.on('error', (error: NodeJS.ErrnoException) => done({ error: error.code ?? error.message }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => done({ error: error.code ?? error.message }));
    req.setTimeout(30_000, () => req.destroy(new Error('client gave up after 30 s')));
    req.flushHeaders();
  });
}
