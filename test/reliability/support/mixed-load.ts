import { buildProduct } from '../../support/factory.js';
import { formSession, type ApiTarget } from './http.js';

/** What a request asks of the database: a read, a single write (a rename), or a transaction (a create or delete). */
export type Kind = 'read' | 'write' | 'transaction';

type FormSession = Awaited<ReturnType<typeof formSession>>;

export interface Outcome {
  readonly kind: Kind;
  readonly what: string;
  /** The HTTP status, or the network error's name when no answer came. */
  readonly status: number | string;
  readonly ms: number;
  readonly startedAt: number;
  readonly retryAfter: string | null;
}

/**
 * Writers and readers running against the API back to back until `stop()`. A writer creates a
 * product (a transaction: the row and the count), renames its first product (a single write) and
 * deletes every third new one (a transaction); a form writer adds products through the page; a
 * reader lists, looks one up and loads the page. Every outcome is kept.
 */
export class MixedLoad {
  readonly outcomes: Outcome[] = [];
  /** Products answered 201 and not deleted since: they must be in the table afterwards. */
  readonly kept = new Set<string>();
  #stopped = false;
  readonly #clients: Promise<void>[];

  private constructor(
    private readonly target: ApiTarget,
    { writers, readers }: { writers: number; readers: number },
    forms: readonly FormSession[],
  ) {
    this.#clients = [
      ...Array.from({ length: writers - forms.length }, () => this.#write()),
      ...forms.map((form) => this.#formWrite(form)),
      ...Array.from({ length: readers }, () => this.#read()),
    ];
  }

  /** Signs the form writers in (as the test admin), then starts every client. */
  static async start(target: ApiTarget, clients: { writers: number; formWriters?: number; readers: number }): Promise<MixedLoad> {
    const forms = await Promise.all(Array.from({ length: clients.formWriters ?? 0 }, () => formSession(target.url)));
    return new MixedLoad(target, clients, forms);
  }

  count(predicate: (o: Outcome) => boolean): number {
    return this.outcomes.filter(predicate).length;
  }

  async stop(): Promise<Outcome[]> {
    this.#stopped = true;
    await Promise.all(this.#clients);
    return this.outcomes;
  }

  async #write(): Promise<void> {
    // Renamed every round, so renames keep arriving while creates fail; never deleted.
    let renamed: { productId: string; productName: string } | undefined;
    for (let round = 0; !this.#stopped; round++) {
      if (renamed) {
        const name = `${renamed.productName} ${round}`;
        await this.#send('write', 'rename', `/api/products/${renamed.productId}`, { method: 'PUT', json: { productName: name } });
      }
      const product = buildProduct();
      if ((await this.#send('transaction', 'create', '/api/products', { method: 'POST', json: product })) !== 201) continue;
      this.kept.add(product.productId);
      renamed ??= product;
      if (round % 3 !== 1 || renamed === product) continue;
      // Forgotten before sending: a delete that times out may still land.
      this.kept.delete(product.productId);
      await this.#send('transaction', 'delete', `/api/products/${product.productId}`, { method: 'DELETE' });
    }
  }

  /** Adds products through the page's form, signed in, as a browser would. */
  async #formWrite({ agent, token }: FormSession): Promise<void> {
    while (!this.#stopped) {
      const product = buildProduct();
      const status = await this.#timed('transaction', 'form create', async () => {
        const res = await agent
          .post('/products')
          .type('form')
          .set('Accept', 'text/html')
          .timeout(20_000)
          .send({ _csrf: token, product_id: product.productId, product_name: product.productName });
        return { status: res.status, retryAfter: res.get('retry-after') ?? null };
      });
      if (status === 303) this.kept.add(product.productId);
    }
  }

  async #read(): Promise<void> {
    const reads = ['/api/products?limit=20', '/api/products/no-such-product', '/'];
    for (let round = 0; !this.#stopped; round++) {
      const path = reads[round % reads.length]!;
      await this.#send('read', path, path, { method: 'GET' });
    }
  }

  async #send(kind: Kind, what: string, path: string, { method, json }: { method: string; json?: unknown }): Promise<number | string> {
    return this.#timed(kind, what, async () => {
      const headers: Record<string, string> = this.target.token ? { authorization: `Bearer ${this.target.token}` } : {};
      if (json !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(`${this.target.url}${path}`, {
        method,
        headers,
        ...(json !== undefined && { body: JSON.stringify(json) }),
        signal: AbortSignal.timeout(20_000),
      });
      await res.arrayBuffer();
      return { status: res.status, retryAfter: res.headers.get('retry-after') };
    });
  }

  async #timed(kind: Kind, what: string, send: () => Promise<{ status: number; retryAfter: string | null }>): Promise<number | string> {
    const startedAt = Date.now();
    const started = performance.now();
    let status: number | string;
    let retryAfter: string | null = null;
    try {
      ({ status, retryAfter } = await send());
    } catch (error) {
      const e = error as { name?: string; code?: string; cause?: { code?: string } };
      status = e.cause?.code ?? e.code ?? e.name ?? 'network error';
    }
    this.outcomes.push({ kind, what, status, ms: performance.now() - started, startedAt, retryAfter });
    return status;
  }
}
