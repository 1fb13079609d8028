/**
 * Every kind of error the app answers, one entry each: its stable `type` URI is
 * `/problems/<slug>` (served as a short page that explains it, see problem-routes.ts), its title
 * is fixed, and its status is the one it always has. Clients may switch on `type`; titles and
 * explanations are for people.
 */
export const PROBLEM_TYPES = {
  'validation': { status: 400, title: 'Invalid request', explanation: 'A field of the body or a parameter of the URL breaks a rule; `errors` names each one and says what is wrong with it.' },
  'malformed-json': { status: 400, title: 'Malformed JSON', explanation: 'The request body is not valid JSON.' },
  'bad-request': { status: 400, title: 'Bad request', explanation: 'The request could not be understood, for example a URL whose % escapes are not valid UTF-8.' },
  'request-aborted': { status: 400, title: 'Request aborted', explanation: 'The client closed the connection before the whole body arrived; nothing was changed.' },
  'malformed-authorization': { status: 400, title: 'Malformed Authorization header', explanation: 'The Authorization header must be "Bearer" followed by an API token.' },
  'malformed-file': { status: 400, title: 'Malformed file', explanation: 'An import file could not be read as CSV or NDJSON (a bad header, a quoted field that never ends, an over-long line); nothing was imported.' },
  'empty-file': { status: 400, title: 'Empty file', explanation: 'An import file held no products; nothing was imported.' },
  'import-rejected': { status: 400, title: 'Import rejected', explanation: 'Rows of an import file break the product rules; the report lists them, and nothing was imported.' },
  'no-file': { status: 400, title: 'No file', explanation: 'The import form was sent without a file.' },
  'malformed-form': { status: 400, title: 'Malformed form', explanation: 'The form data could not be read.' },
  'unauthorized': { status: 401, title: 'Unauthorized', explanation: 'The request needs an API token ("Authorization: Bearer pc_..."), or the token sent is unknown, revoked, expired or its account is disabled.' },
  'forbidden': { status: 403, title: 'Forbidden', explanation: 'The caller is known but its role does not allow this.' },
  'form-expired': { status: 403, title: 'Form expired', explanation: 'A form was sent with a missing or stale token, or from another site; reload the page and send it again.' },
  'not-found': { status: 404, title: 'Not found', explanation: 'Nothing is at this URL: no product, account or token with that ID, or no such path.' },
  'method-not-allowed': { status: 405, title: 'Method not allowed', explanation: 'The path exists but does not take this method; the Allow header lists the ones it takes.' },
  'duplicate-product-id': { status: 409, title: 'Duplicate product ID', explanation: 'A product with this ID exists already. IDs are unique; choose another, or change the existing product.' },
  'in-trash': { status: 409, title: 'Product in the trash', explanation: 'A product with this ID was deleted and is in the trash, which keeps its ID reserved. Restore it (POST /api/trash/{id}/restore), or wait until the trash is emptied.' },
  'duplicate-username': { status: 409, title: 'Duplicate username', explanation: 'An account with this name exists already (names ignore case).' },
  'last-admin': { status: 409, title: 'Last admin', explanation: 'The change would leave no enabled admin.' },
  'account-disabled': { status: 409, title: 'Account disabled', explanation: 'The account is disabled; enable it first.' },
  'products-exist': { status: 409, title: 'Products exist already', explanation: 'IDs in an import file exist already; nothing was imported. Import with mode skip-existing to add the others.' },
  'import-conflict': { status: 409, title: 'Import conflict', explanation: 'Someone else created one of the file\'s IDs while the import ran; nothing was imported. Try again.' },
  'conflict': { status: 409, title: 'Conflict', explanation: 'The request conflicts with the current state of the resource.' },
  'version-mismatch': { status: 412, title: 'Version mismatch', explanation: 'The If-Match header names a version the resource no longer has: someone changed it since you read it. The ETag header carries the current version; read it again, then decide.' },
  'body-too-large': { status: 413, title: 'Body too large', explanation: 'The request body is larger than this app accepts.' },
  'file-too-large': { status: 413, title: 'File too large', explanation: 'An import file is larger than IMPORT_MAX_BYTES; split it into smaller files.' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type', explanation: 'The body\'s Content-Type is not one this operation takes (application/json; application/merge-patch+json for PATCH; text/csv or application/x-ndjson for imports).' },
  'unsupported-encoding': { status: 415, title: 'Unsupported encoding', explanation: 'Bodies must be UTF-8 and not compressed.' },
  'rate-limited': { status: 429, title: 'Too many requests', explanation: 'This client sent more changes than the limit per minute allows; the RateLimit and Retry-After headers say when to try again.' },
  'import-running': { status: 429, title: 'Import running', explanation: 'An import of this user is still running; one runs at a time. Retry after the Retry-After seconds.' },
  'internal-error': { status: 500, title: 'Internal error', explanation: 'Something went wrong on the server. It was logged; try again later.' },
  'database-unavailable': { status: 503, title: 'Database unavailable', explanation: 'The database did not answer. Retry after the Retry-After seconds; the detail says whether a change you sent may have been saved.' },
  'metrics-unavailable': { status: 503, title: 'Metrics unavailable', explanation: 'The workers\' metrics could not be gathered.' },
} as const satisfies Record<string, { status: number; title: string; explanation: string }>;

export type ProblemSlug = keyof typeof PROBLEM_TYPES;

export const PROBLEM_SLUGS = Object.keys(PROBLEM_TYPES) as ProblemSlug[];

/** The `type` member: a URI reference relative to the app, served as a page. */
export const problemTypeUri = (slug: ProblemSlug): string => `/problems/${slug}`;

export const isProblemSlug = (value: string): value is ProblemSlug => Object.hasOwn(PROBLEM_TYPES, value);

const DEFAULT_BY_STATUS: Readonly<Record<number, ProblemSlug>> = {
  400: 'bad-request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  409: 'conflict',
  412: 'version-mismatch',
  413: 'body-too-large',
  415: 'unsupported-media-type',
  429: 'rate-limited',
  503: 'database-unavailable',
};

/**
 * The kind of an error given as a status and a title (the older way, still used by some pages and
 * the import's outcomes): the entry with that title and status, else the status's usual kind.
 */
export function problemSlugFor(status: number, title: string): ProblemSlug {
  const byTitle = PROBLEM_SLUGS.find((slug) => PROBLEM_TYPES[slug].status === status && PROBLEM_TYPES[slug].title.toLowerCase() === title.toLowerCase());
  if (byTitle) return byTitle;
  if (title === 'Not allowed') return 'forbidden';
  return DEFAULT_BY_STATUS[status] ?? (status >= 500 ? 'internal-error' : 'bad-request');
}
