/** What the lab asks its agent to do inside a namespace, and what the agent reports. */

export type Task =
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number; readonly timeoutMs?: number; readonly send?: string }
  | { readonly kind: 'http'; readonly url: string; readonly method?: string; readonly body?: string; readonly headers?: Record<string, string>; readonly timeoutMs?: number; readonly retryForMs?: number }
  | { readonly kind: 'dns'; readonly name: string };

export interface TaskResult {
  readonly ok: boolean;
  /** ECONNREFUSED, ETIMEDOUT, ENOTFOUND, ... */
  readonly error?: string;
  readonly localPort?: number;
  readonly remote?: string;
  /** What the server sent first (a MySQL greeting, the stranger's hello), printable part only. */
  readonly banner?: string;
  readonly status?: number;
  readonly body?: string;
  readonly addresses?: readonly string[];
  readonly ms: number;
}
