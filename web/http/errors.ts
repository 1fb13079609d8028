/** One field's problem, in the API's names (productId, productName, limit, ...). */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/**
 * An error meant for the client: its status and detail are shown as they are.
 * The error handler renders it as problem+json (RFC 9457) or as an HTML page.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
    readonly errors: readonly FieldError[] = [],
    /** Response headers the status calls for (WWW-Authenticate with 401, Retry-After with 429). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(detail);
    this.name = 'HttpError';
  }
}

export const validationError = (errors: readonly FieldError[]) =>
  new HttpError(
    400,
    'Invalid request',
    errors.map((e) => e.message).join(' '),
    errors,
  );

export const notFound = (detail: string) => new HttpError(404, 'Not found', detail);

/** Body of an RFC 9457 problem details response. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: Array<FieldError & { pointer: string }>;
}

export function toProblem(error: HttpError, instance: string): Problem {
  return {
    type: 'about:blank',
    title: error.title,
    status: error.status,
    detail: error.message,
    instance,
    ...(error.errors.length && {
      errors: error.errors.map((e) => ({ ...e, pointer: `/${e.field.replace(/~/g, '~0').replace(/\//g, '~1')}` })),
    }),
  };
}
