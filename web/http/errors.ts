import { PROBLEM_TYPES, problemSlugFor, problemTypeUri, type ProblemSlug } from './problems.js';

/** Where a field is: the JSON body (the default), the query string or the path. */
export type FieldLocation = 'body' | 'query' | 'path';

/** One field's problem, in the API's names (productId, productName, limit, ...). */
export interface FieldError {
  readonly field: string;
  readonly message: string;
  /** @default 'body' */
  readonly in?: FieldLocation;
}

export interface HttpErrorOptions {
  readonly errors?: readonly FieldError[];
  /** Response headers the status calls for (WWW-Authenticate with 401, Retry-After with 429, Allow with 405). */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * An error meant for the client: its status and detail are shown as they are. Its kind (`slug`)
 * fixes the problem's type URI, title and status (web/http/problems.ts). The error handler
 * renders it as problem+json (RFC 9457) or as an HTML page.
 */
export class HttpError extends Error {
  readonly status: number;
  readonly slug: ProblemSlug;
  readonly title: string;
  readonly errors: readonly FieldError[];
  readonly headers: Readonly<Record<string, string>>;

  constructor(slug: ProblemSlug, detail: string, options?: HttpErrorOptions);
  /** The older form: the kind is found from the status and title (problemSlugFor). */
  constructor(status: number, title: string, detail: string, errors?: readonly FieldError[], headers?: Readonly<Record<string, string>>);
  constructor(
    first: ProblemSlug | number,
    second: string,
    third?: string | HttpErrorOptions,
    errors: readonly FieldError[] = [],
    headers: Readonly<Record<string, string>> = {},
  ) {
    const legacy = typeof first === 'number';
    super(legacy ? String(third) : second);
    this.name = 'HttpError';
    if (legacy) {
      this.slug = problemSlugFor(first, second);
      this.status = first;
      this.errors = errors;
      this.headers = headers;
    } else {
      const options = (third ?? {}) as HttpErrorOptions;
      this.slug = first;
      this.status = PROBLEM_TYPES[first].status;
      this.errors = options.errors ?? [];
      this.headers = options.headers ?? {};
    }
    this.title = PROBLEM_TYPES[this.slug].title;
  }

  get type(): string {
    return problemTypeUri(this.slug);
  }
}

/** A 400 naming each field; fields without a location are said to be in `where`. */
export const validationError = (errors: readonly FieldError[], where: FieldLocation = 'body') =>
  new HttpError('validation', errors.map((e) => e.message).join(' '), { errors: errors.map((e) => ({ in: where, ...e })) });

export const notFound = (detail: string) => new HttpError('not-found', detail);

/** One entry of a problem's `errors`: a body field has a JSON pointer, a URL parameter its name. */
export type ProblemFieldError =
  | { field: string; message: string; pointer: string }
  | { field: string; message: string; in: 'query' | 'path'; parameter: string };

/** Body of an RFC 9457 problem details response. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: ProblemFieldError[];
}

const jsonPointer = (field: string) => `/${field.replace(/~/g, '~0').replace(/\//g, '~1')}`;

export function toProblem(error: HttpError, instance: string): Problem {
  return {
    type: error.type,
    title: error.title,
    status: error.status,
    detail: error.message,
    instance,
    ...(error.errors.length && {
      errors: error.errors.map(({ field, message, in: where = 'body' }): ProblemFieldError =>
        where === 'body' ? { field, message, pointer: jsonPointer(field) } : { field, message, in: where, parameter: field },
      ),
    }),
  };
}
