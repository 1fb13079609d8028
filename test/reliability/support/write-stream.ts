import { buildProduct } from '../../support/factory.js';
import { postProduct, type ApiTarget } from './http.js';

export interface WriteOutcome {
  readonly productId: string;
  /** The HTTP status, or the network error's code when no answer came. */
  readonly status: number | string;
  readonly ms: number;
  readonly startedAt: number;
  readonly retryAfter: string | null;
  /** The response body (problem+json for failures). */
  readonly body: string;
}

/**
 * `workers` clients POSTing new products back to back until `stop()`; every outcome is kept so a
 * test can check what was acknowledged (201) against what the database holds afterwards.
 */
export class WriteStream {
  readonly outcomes: WriteOutcome[] = [];
  #stopped = false;
  readonly #workers: Promise<void>[];

  constructor(
    private readonly target: ApiTarget,
    workers: number,
    private readonly requestTimeoutMs = 20_000,
  ) {
    this.#workers = Array.from({ length: workers }, () => this.#run());
  }

  /** Product IDs the app answered 201 for. */
  get acknowledged(): string[] {
    return this.outcomes.filter((o) => o.status === 201).map((o) => o.productId);
  }

  count(predicate: (o: WriteOutcome) => boolean): number {
    return this.outcomes.filter(predicate).length;
  }

  async stop(): Promise<WriteOutcome[]> {
    this.#stopped = true;
    await Promise.all(this.#workers);
    return this.outcomes;
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      const product = buildProduct();
      const startedAt = Date.now();
      try {
        const res = await postProduct(this.target, product, this.requestTimeoutMs);
        this.outcomes.push({ productId: product.productId, status: res.status, ms: res.ms, startedAt, retryAfter: res.retryAfter, body: res.body });
      } catch (error) {
        const e = error as { name?: string; cause?: { code?: string } };
        const status = e.cause?.code ?? e.name ?? 'network error';
        this.outcomes.push({ productId: product.productId, status, ms: Date.now() - startedAt, startedAt, retryAfter: null, body: '' });
      }
    }
  }
}
