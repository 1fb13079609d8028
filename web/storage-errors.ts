/** A store cannot answer now (database down, not yet migrated, timed out); worth retrying. */
export class StoreUnavailableError extends Error {
  /** True when the statement may have reached the database, so a write may still be applied. */
  readonly outcomeUnknown: boolean;

  constructor(reason: string, options?: { cause?: unknown; outcomeUnknown?: boolean }) {
    super(reason, options);
    this.name = 'StoreUnavailableError';
    this.outcomeUnknown = options?.outcomeUnknown ?? false;
  }
}
