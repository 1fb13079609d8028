import { matchesAuditQuery, toAuditEvent, type AuditEvent, type AuditLog, type AuditPage, type AuditQuery, type NewAuditEvent } from './audit-event.js';

/**
 * The audit trail in process memory. The in-memory stores append to it in the same synchronous
 * step as their change, which is what a transaction gives the MySQL stores.
 */
export class MemoryAuditLog implements AuditLog {
  readonly #events: AuditEvent[] = [];
  #lastId = 0;

  append(event: NewAuditEvent): void {
    this.#events.push(toAuditEvent(++this.#lastId, new Date(), event));
  }

  async record(event: NewAuditEvent): Promise<void> {
    this.append(event);
  }

  async list(query: AuditQuery): Promise<AuditPage> {
    const matching: AuditEvent[] = [];
    for (let i = this.#events.length - 1; i >= 0 && matching.length <= query.limit; i--) {
      const event = this.#events[i]!;
      if (matchesAuditQuery(event, query)) matching.push(event);
    }
    return { events: matching.slice(0, query.limit), hasOlder: matching.length > query.limit };
  }

  async sweep(before: Date, batch: number): Promise<number> {
    let n = 0;
    while (n < batch && this.#events[0] && this.#events[0].at < before) {
      this.#events.shift();
      n++;
    }
    return n;
  }
}
