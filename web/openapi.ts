import { TOKEN_EXPIRY_DAYS_MAX, TOKEN_NAME_MAX } from './auth/api-tokens.js';
import { PASSWORD_MAX, PASSWORD_MIN, USERNAME_MAX } from './auth/credentials-rules.js';
import { ROLES } from './auth/roles.js';
import { AUDIT_ACTIONS } from './audit/audit-event.js';
import { MERGE_PATCH } from './catalog/api-routes.js';
import { NAME_RULES_IN_WORDS, PRODUCT_ID_PATTERN, PRODUCT_NAME_SCHEMA_PATTERN } from './catalog/validation.js';
import { UNAVAILABLE_RETRY_SECONDS } from './http/error-handler.js';
import { PROBLEM_SLUGS, problemTypeUri } from './http/problems.js';
import { BODY_LIMIT_BYTES, IMPORT_PROBLEMS_MAX, LIST_LIMIT, PRODUCT_ID_MAX, PRODUCT_NAME_MAX, SEARCH_COUNT_CAP, SEARCH_MAX } from './limits.js';
import { FORMATS } from './transfer/import-source.js';
import { IMPORT_MODES } from './transfer/import-runner.js';

type Headers = Record<string, { $ref: string }>;
const header = (...names: string[]): Headers => Object.fromEntries(names.map((n) => [n, { $ref: `#/components/headers/${n}` }]));

const problemResponse = (description: string, headers: Headers = {}) => ({
  description,
  ...(Object.keys(headers).length && { headers }),
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

const jsonResponse = (description: string, schema: string, headers: Headers = {}) => ({
  description,
  ...(Object.keys(headers).length && { headers }),
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${schema}` } } },
});

const param = (name: string) => ({ $ref: `#/components/parameters/${name}` });

const jsonBody = (schema: string) => ({ required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${schema}` } } } });

/** The report inside problem+json; the early refusals (415, a Content-Length over the limit) carry no report. */
const importProblem = (description: string, headers: Headers = {}) => ({
  description,
  ...(Object.keys(headers).length && { headers }),
  content: { 'application/problem+json': { schema: { anyOf: [{ $ref: '#/components/schemas/ImportProblem' }, { $ref: '#/components/schemas/Problem' }] } } },
});

/** Headers of a write's answers while WRITE_RATE_LIMIT_PER_MINUTE is on. */
const rateLimited = header('RateLimit', 'RateLimit-Policy');

const unavailable = problemResponse('The database is unavailable; retry after the Retry-After seconds.', header('Retry-After'));
const unauthorized = problemResponse(
  'No API token where one is needed, or one that is unknown, revoked, expired or whose account is disabled',
  header('WWW-Authenticate'),
);
const forbidden = problemResponse("The token's role (or its owner's, if lower) does not allow this", header('WWW-Authenticate'));
const tooMany = problemResponse('Too many writes from this client', header('Retry-After', 'RateLimit', 'RateLimit-Policy'));
const badRequest = (what: string) => problemResponse(`${what}, or a malformed Authorization header`, header('WWW-Authenticate'));
const malformedAuth = problemResponse('A malformed Authorization header', header('WWW-Authenticate'));
const badJson = {
  '413': problemResponse(`Body over ${BODY_LIMIT_BYTES / 1024} KiB`),
  '415': problemResponse('Body is not application/json, or not UTF-8'),
};
const notFound = (what: string) => problemResponse(what);
const mismatch = problemResponse("If-Match does not name the product's current version; ETag carries the current one", header('ETag'));

/** Reads are open to anonymous callers while PUBLIC_READ is true (the default); a token is always accepted. */
const readSecurity = [{}, { bearerAuth: [] }];
const tokenSecurity = [{ bearerAuth: [] }];

/** Responses every operation that needs a token can give. */
const guarded = { '401': unauthorized, '403': forbidden, '503': unavailable };
/** Reads: anonymous is refused only when PUBLIC_READ is false. */
const readable = { '401': unauthorized, '503': unavailable };

const dateTime = { type: 'string', format: 'date-time' };
const nullableDateTime = { type: ['string', 'null'], format: 'date-time' };
const role = { type: 'string', enum: [...ROLES] };
const cursorParameter = {
  name: 'cursor',
  in: 'query',
  description: 'nextCursor or prevCursor of a previous page (opaque)',
  schema: { type: 'string' },
};

const TOKEN_FIELDS = ['id', 'name', 'owner', 'role', 'createdAt', 'expiresAt', 'lastUsedAt', 'revokedAt'] as const;
const tokenProperties = {
  id: { type: 'integer' },
  name: { type: 'string', maxLength: TOKEN_NAME_MAX },
  owner: { type: 'string' },
  role,
  createdAt: dateTime,
  expiresAt: nullableDateTime,
  lastUsedAt: { ...nullableDateTime, description: 'Kept to the minute' },
  revokedAt: nullableDateTime,
};

const ID_RULES = `1 to ${PRODUCT_ID_MAX} characters: letters A-Z and a-z, digits, ".", "_" and "-", starting with a letter or digit`;
/** The name's rules as JSON Schema: lengths count characters (code points), as the server does. */
const productNameInput = {
  type: 'string',
  minLength: 1,
  maxLength: PRODUCT_NAME_MAX,
  pattern: PRODUCT_NAME_SCHEMA_PATTERN,
  description: `${NAME_RULES_IN_WORDS} maxLength counts the name after trimming.`,
};

/** What a PUT or PATCH body may repeat from the GET it was made from: the ID (unchanged) and the read-only fields. */
const echoedProductFields = {
  productId: { type: 'string', description: 'Optional; must equal the ID in the path' },
  productName: productNameInput,
  createdAt: { description: 'Ignored' },
  updatedAt: { description: 'Ignored' },
};

/** What the server returns: products adopted from the tutorial's table may predate today's rules. */
const productProperties = {
  productId: { type: 'string', minLength: 1, maxLength: PRODUCT_ID_MAX, description: `Unique. New IDs: ${ID_RULES}` },
  productName: { type: 'string', minLength: 1, maxLength: PRODUCT_NAME_MAX, description: `Characters (code points), ${PRODUCT_NAME_MAX} at most` },
  createdAt: { ...dateTime, readOnly: true },
  updatedAt: { ...dateTime, readOnly: true, description: 'Last rename, trash or restore; createdAt until then' },
  version: { type: 'integer', minimum: 1, readOnly: true, description: '1 when created, one more on every change; the ETag is "v<version>"' },
};
const PRODUCT_FIELDS = ['productId', 'productName', 'createdAt', 'updatedAt', 'version'] as const;
const pageProperties = (item: string) => ({
  items: { type: 'array', maxItems: LIST_LIMIT.max, items: { $ref: `#/components/schemas/${item}` } },
  nextCursor: { type: ['string', 'null'], description: 'Pass as cursor for the next (older) page; null on the last page. Also in Link rel="next".' },
  prevCursor: { type: ['string', 'null'], description: 'Pass as cursor for the previous (newer) page; null on the first page. Also in Link rel="prev".' },
});

/** OpenAPI 3.1 description of /api; the tests validate real responses against these schemas and lint it with Redocly. */
export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Product catalog API',
    version: '1.2.0',
    description:
      'Products with a unique ID and a name. Errors are RFC 9457 problem details whose `type` is one of `/problems/<kind>` ' +
      '(each a page that explains it, see `GET /problems`). Changes need an API token (`Authorization: Bearer pc_...`) of an ' +
      'editor or admin; reads are open unless PUBLIC_READ is false. Products carry a version: `GET` sends it as the strong ' +
      '`ETag` "v<version>", and `PUT`, `PATCH` and `DELETE` honour `If-Match` (412 when it is stale). A deleted product goes ' +
      'to the trash, from which it can be restored. Paths are case-sensitive; a known path with another method answers 405 ' +
      'with Allow.',
    license: { name: 'MIT', identifier: 'MIT' },
  },
  servers: [{ url: '/', description: 'The app that serves this document' }],
  security: readSecurity,
  tags: [
    { name: 'products', description: 'The catalog' },
    { name: 'trash', description: 'Deleted products, until restored, purged or swept after TRASH_RETENTION_DAYS' },
    { name: 'transfer', description: 'Export and import many products at once' },
    { name: 'accounts', description: 'Who is calling, API tokens and accounts' },
    { name: 'audit', description: 'Who changed what' },
    { name: 'meta', description: 'This document' },
  ],
  paths: {
    '/api/products': {
      get: {
        operationId: 'listProducts',
        tags: ['products'],
        summary: 'List products, newest first',
        description: `The catalog only (not the trash). total is exact for the whole catalog, and for a search up to ${SEARCH_COUNT_CAP} matches; beyond that it is null and totalCapped is true.`,
        parameters: [
          param('limit'),
          param('cursor'),
          {
            name: 'q',
            in: 'query',
            description: 'Only products whose ID or name contains this text, ignoring case; surrounding spaces are trimmed',
            schema: { type: 'string', maxLength: SEARCH_MAX },
          },
        ],
        responses: {
          '200': jsonResponse('A page of products', 'ProductList', header('Link')),
          '400': badRequest('A query parameter is invalid'),
          ...readable,
        },
      },
      post: {
        operationId: 'createProduct',
        tags: ['products'],
        summary: 'Add a product (editor)',
        security: tokenSecurity,
        requestBody: jsonBody('NewProduct'),
        responses: {
          '201': jsonResponse('Created', 'Product', { ...header('Location', 'ETag'), ...rateLimited }),
          '400': badRequest('Malformed JSON or invalid fields'),
          '409': problemResponse(`A product with this ID exists already (type ${problemTypeUri('duplicate-product-id')}), or is in the trash (type ${problemTypeUri('in-trash')})`),
          ...badJson,
          '429': tooMany,
          ...guarded,
        },
      },
    },
    '/api/products/{productId}': {
      parameters: [param('productId')],
      get: {
        operationId: 'getProduct',
        tags: ['products'],
        summary: 'Get one product',
        parameters: [param('If-None-Match')],
        responses: {
          '200': jsonResponse('The product', 'Product', header('ETag')),
          '304': { description: 'If-None-Match names its current ETag: not modified', headers: header('ETag') },
          '400': badRequest('Invalid ID'),
          '404': notFound('No such product in the catalog'),
          ...readable,
        },
      },
      put: {
        operationId: 'replaceProduct',
        tags: ['products'],
        summary: 'Rename a product (editor), from the whole representation',
        description: 'Takes back what GET returned: createdAt, updatedAt and version are ignored; productId, when present, must be the one in the path.',
        security: tokenSecurity,
        parameters: [param('If-Match')],
        requestBody: jsonBody('ProductReplacement'),
        responses: {
          '200': jsonResponse('The renamed product', 'Product', { ...header('ETag'), ...rateLimited }),
          '400': badRequest('Malformed JSON or invalid fields'),
          '404': notFound('No such product in the catalog'),
          '412': mismatch,
          ...badJson,
          '429': tooMany,
          ...guarded,
        },
      },
      patch: {
        operationId: 'patchProduct',
        tags: ['products'],
        summary: 'Rename a product (editor) with a JSON merge patch (RFC 7396)',
        security: tokenSecurity,
        parameters: [param('If-Match')],
        requestBody: { required: true, content: { [MERGE_PATCH]: { schema: { $ref: '#/components/schemas/ProductPatch' } } } },
        responses: {
          '200': jsonResponse('The product after the patch', 'Product', { ...header('ETag'), ...rateLimited }),
          '400': badRequest('Malformed JSON or invalid fields'),
          '404': notFound('No such product in the catalog'),
          '412': mismatch,
          '413': badJson['413'],
          '415': problemResponse(`Body is not ${MERGE_PATCH}, or not UTF-8`),
          '429': tooMany,
          ...guarded,
        },
      },
      delete: {
        operationId: 'deleteProduct',
        tags: ['products'],
        summary: 'Move a product to the trash (editor)',
        security: tokenSecurity,
        parameters: [param('If-Match')],
        responses: {
          '204': { description: 'In the trash', headers: rateLimited },
          '400': badRequest('Invalid ID'),
          '404': notFound('No such product in the catalog'),
          '412': mismatch,
          '429': tooMany,
          ...guarded,
        },
      },
    },
    '/api/trash': {
      get: {
        operationId: 'listTrash',
        tags: ['trash'],
        summary: 'Products in the trash, most recently deleted first (editor)',
        security: tokenSecurity,
        parameters: [param('limit'), param('cursor')],
        responses: {
          '200': jsonResponse('A page of the trash', 'TrashList', header('Link')),
          '400': badRequest('A query parameter is invalid'),
          ...guarded,
        },
      },
    },
    '/api/trash/{productId}/restore': {
      parameters: [param('productId')],
      post: {
        operationId: 'restoreProduct',
        tags: ['trash'],
        summary: 'Put a product back in the catalog, at its old place (editor)',
        security: tokenSecurity,
        responses: {
          '200': jsonResponse('The restored product', 'Product', { ...header('Location', 'ETag'), ...rateLimited }),
          '400': badRequest('Invalid ID'),
          '404': notFound('No product with this ID is in the trash'),
          '429': tooMany,
          ...guarded,
        },
      },
    },
    '/api/trash/{productId}': {
      parameters: [param('productId')],
      delete: {
        operationId: 'purgeProduct',
        tags: ['trash'],
        summary: 'Delete a product in the trash for good, freeing its ID (admin)',
        security: tokenSecurity,
        responses: {
          '204': { description: 'Deleted for good', headers: rateLimited },
          '400': badRequest('Invalid ID'),
          '404': notFound('No product with this ID is in the trash'),
          '429': tooMany,
          ...guarded,
        },
      },
    },
    '/api/products/export': {
      get: {
        operationId: 'exportProducts',
        tags: ['transfer'],
        summary: 'Every product as one file, in the order they were added',
        description:
          'Streamed in keyset batches (Content-Disposition: attachment; filename="products-YYYY-MM-DD.csv"). CSV is RFC 4180 and UTF-8 ' +
          'with the header product_id,product_name,created_at; a text starting with = + - @ tab, CR or \' gets a \' in front so that ' +
          'spreadsheets show it as text (the import takes it off again). NDJSON has one JSON API product per line. The trash is left ' +
          'out. Without `format` this path is the product whose ID is "export". A database failure after the first batch cuts the ' +
          'response off.',
        parameters: [{ name: 'format', in: 'query', required: true, schema: { type: 'string', enum: [...FORMATS] } }],
        responses: {
          '200': {
            description: 'The file',
            headers: header('Content-Disposition'),
            content: { 'text/csv': { schema: { type: 'string' } }, 'application/x-ndjson': { schema: { type: 'string' } } },
          },
          '400': badRequest('format is neither csv nor ndjson'),
          ...readable,
        },
      },
    },
    '/api/products/import': {
      post: {
        operationId: 'importProducts',
        tags: ['transfer'],
        summary: 'Add many products from a CSV or NDJSON file (editor)',
        description:
          'The file is read as it arrives and goes in as one transaction, with one audit event. The same rules as single creates; ' +
          'an ID repeated within the file is a problem on its later line, and an ID in the trash counts as existing. all-or-nothing ' +
          '(the default) imports nothing when any row has a problem or an ID exists; skip-existing leaves out rows whose ID exists. ' +
          `Reading stops after ${IMPORT_PROBLEMS_MAX} problems. One import counts as one write against the rate limit; one runs at a time per user.`,
        security: tokenSecurity,
        parameters: [{ name: 'mode', in: 'query', schema: { type: 'string', enum: [...IMPORT_MODES], default: IMPORT_MODES[0] } }],
        requestBody: {
          required: true,
          content: {
            'text/csv': { schema: { type: 'string', description: 'Header product_id,product_name[,created_at]; CRLF or LF; a UTF-8 BOM is allowed' } },
            'application/x-ndjson': { schema: { type: 'string', description: 'One {"productId", "productName"[, "createdAt"]} per line' } },
          },
        },
        responses: {
          '200': jsonResponse('Imported: the report', 'ImportReport', rateLimited),
          '400': importProblem('Rows with problems, or a malformed file (header, a quoted field that never ends, an over-long line, empty), or an invalid mode, or a malformed Authorization header; nothing was imported', header('WWW-Authenticate')),
          '409': importProblem('IDs that exist already (all-or-nothing), or created by someone else during the import; nothing was imported'),
          '413': importProblem('The file is larger than IMPORT_MAX_BYTES'),
          '415': importProblem('Not text/csv or application/x-ndjson, not UTF-8, or compressed'),
          '429': problemResponse('Too many writes from this client, or an import of this user is running', header('Retry-After', 'RateLimit', 'RateLimit-Policy')),
          ...guarded,
        },
      },
    },
    '/api/me': {
      get: {
        operationId: 'getMe',
        tags: ['accounts'],
        summary: 'Who is calling, and with which role',
        security: tokenSecurity,
        responses: { '200': jsonResponse('The caller', 'Me'), '400': malformedAuth, ...readable },
      },
    },
    '/api/tokens': {
      get: {
        operationId: 'listTokens',
        tags: ['accounts'],
        summary: "Your API tokens (editor); an admin may name another account's",
        security: tokenSecurity,
        parameters: [{ name: 'user', in: 'query', description: 'Admin only: whose tokens', schema: { type: 'string', maxLength: USERNAME_MAX } }],
        responses: {
          '200': jsonResponse('Tokens, newest first', 'TokenList'),
          '400': malformedAuth,
          '404': notFound('No such account'),
          ...guarded,
        },
      },
      post: {
        operationId: 'createToken',
        tags: ['accounts'],
        summary: 'Create an API token (editor; an admin may create one for another account). The token is in the answer only.',
        security: tokenSecurity,
        requestBody: jsonBody('NewToken'),
        responses: {
          '201': jsonResponse('The token and its record; store the token now', 'CreatedToken', { ...header('Location'), ...rateLimited }),
          '400': badRequest("Malformed JSON or invalid fields (a role above the owner's, say)"),
          '404': notFound('No such account'),
          '409': problemResponse('The account is disabled'),
          ...badJson,
          '429': tooMany,
          ...guarded,
        },
      },
    },
    '/api/tokens/{tokenId}': {
      parameters: [{ name: 'tokenId', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }],
      delete: {
        operationId: 'revokeToken',
        tags: ['accounts'],
        summary: "Revoke a token (your own; an admin, anyone's)",
        security: tokenSecurity,
        responses: {
          '204': { description: 'Revoked', headers: rateLimited },
          '400': badRequest('Invalid id'),
          '404': notFound('No such token of yours'),
          '429': tooMany,
          ...guarded,
        },
      },
    },
    '/api/users': {
      get: {
        operationId: 'listUsers',
        tags: ['accounts'],
        summary: 'Accounts (admin)',
        security: tokenSecurity,
        responses: { '200': jsonResponse('Every account, by name', 'UserList'), '400': malformedAuth, ...guarded },
      },
      post: {
        operationId: 'createUser',
        tags: ['accounts'],
        summary: 'Add an account (admin)',
        security: tokenSecurity,
        requestBody: jsonBody('NewUser'),
        responses: {
          '201': jsonResponse('Created', 'User', { ...header('Location'), ...rateLimited }),
          '400': badRequest('Invalid fields (a common password, say)'),
          '409': problemResponse('The name is taken (names ignore case)'),
          ...badJson,
          '429': tooMany,
          ...guarded,
        },
      },
    },
    '/api/users/{username}': {
      parameters: [{ name: 'username', in: 'path', required: true, schema: { type: 'string', minLength: 1, maxLength: USERNAME_MAX } }],
      patch: {
        operationId: 'updateUser',
        tags: ['accounts'],
        summary: "Change an account's role, status, password or role pin (admin). Disabling or a new password ends its sessions.",
        security: tokenSecurity,
        requestBody: jsonBody('UserChange'),
        responses: {
          '200': jsonResponse('The account', 'User', rateLimited),
          '400': badRequest('Invalid fields'),
          '404': notFound('No such account'),
          '409': problemResponse('It is the last enabled admin'),
          ...badJson,
          '429': tooMany,
          ...guarded,
        },
      },
    },
    '/api/audit': {
      get: {
        operationId: 'listAuditEvents',
        tags: ['audit'],
        summary: 'The audit trail, newest first (admin)',
        security: tokenSecurity,
        parameters: [
          { name: 'actor', in: 'query', description: 'Username of who acted', schema: { type: 'string', maxLength: USERNAME_MAX } },
          { name: 'productId', in: 'query', description: 'Events of this product', schema: { type: 'string', maxLength: PRODUCT_ID_MAX } },
          { name: 'action', in: 'query', schema: { type: 'string', enum: [...AUDIT_ACTIONS] } },
          param('limit'),
          { ...cursorParameter, description: 'nextCursor of the previous page' },
        ],
        responses: { '200': jsonResponse('A page of events', 'AuditList'), '400': badRequest('A filter is invalid'), ...guarded },
      },
    },
    '/api/openapi.json': {
      get: {
        operationId: 'getOpenApiDocument',
        tags: ['meta'],
        summary: 'This document',
        responses: { '200': { description: 'The OpenAPI 3.1 document', content: { 'application/json': { schema: { type: 'object' } } } }, '400': malformedAuth, ...readable },
      },
    },
  },
  components: {
    securitySchemes: {
      bearerAuth: {
        type: 'http',
        scheme: 'bearer',
        description: 'An API token, `pc_` and 43 base64url characters, made on the Account page, with POST /api/tokens or `npm run users -- create-token`.',
      },
    },
    parameters: {
      productId: {
        name: 'productId',
        in: 'path',
        required: true,
        description: `The product's ID: 1 to ${PRODUCT_ID_MAX} characters without control characters (IDs adopted from the tutorial's table may not follow today's rules for new ones)`,
        schema: { type: 'string', minLength: 1, maxLength: PRODUCT_ID_MAX },
      },
      limit: {
        name: 'limit',
        in: 'query',
        description: 'Items per page',
        schema: { type: 'integer', minimum: LIST_LIMIT.min, maximum: LIST_LIMIT.max, default: LIST_LIMIT.default },
      },
      cursor: cursorParameter,
      'If-Match': {
        name: 'If-Match',
        in: 'header',
        description: 'Change only if the product is at this version: its ETag ("v3"), a list of them, or *. Weak tags never match. Without it the change goes ahead whatever the version.',
        schema: { type: 'string' },
      },
      'If-None-Match': {
        name: 'If-None-Match',
        in: 'header',
        description: 'Answer 304 when the product is still at this version (an ETag, a list of them, or *)',
        schema: { type: 'string' },
      },
    },
    headers: {
      ETag: { description: "The product's version as a strong entity tag", required: true, schema: { type: 'string', pattern: '^"v[1-9][0-9]*"$' } },
      Location: { description: 'URL of the resource', required: true, schema: { type: 'string', format: 'uri-reference' } },
      Link: { description: 'RFC 8288: the next (older) and previous (newer) pages, rel="next" and rel="prev"; absent when there are neither', schema: { type: 'string' } },
      'Retry-After': { description: `Seconds to wait before trying again (${UNAVAILABLE_RETRY_SECONDS} when the database is unavailable)`, required: true, schema: { type: 'integer', minimum: 0 } },
      RateLimit: { description: 'IETF RateLimit header (draft 8): writes left in the window, while WRITE_RATE_LIMIT_PER_MINUTE is on', schema: { type: 'string' } },
      'RateLimit-Policy': { description: 'IETF RateLimit-Policy header (draft 8): the write quota per window', schema: { type: 'string' } },
      'WWW-Authenticate': { description: 'RFC 6750 Bearer challenge', schema: { type: 'string' } },
      'Content-Disposition': { description: 'attachment; filename="products-YYYY-MM-DD.csv" (or .ndjson)', schema: { type: 'string' } },
    },
    schemas: {
      Product: {
        type: 'object',
        required: [...PRODUCT_FIELDS],
        additionalProperties: false,
        properties: productProperties,
      },
      ProductList: {
        type: 'object',
        required: ['items', 'nextCursor', 'prevCursor', 'total', 'totalCapped'],
        additionalProperties: false,
        properties: {
          ...pageProperties('Product'),
          total: { type: ['integer', 'null'], minimum: 0, description: `Products in the catalog matching q; null when a search matches more than ${SEARCH_COUNT_CAP}` },
          totalCapped: { type: 'boolean', description: `True when total is null because the search matches more than ${SEARCH_COUNT_CAP}` },
        },
      },
      TrashedProduct: {
        type: 'object',
        required: [...PRODUCT_FIELDS, 'deletedAt', 'deletedBy'],
        additionalProperties: false,
        properties: {
          ...productProperties,
          deletedAt: dateTime,
          deletedBy: { type: ['string', 'null'], description: 'Username of who deleted it' },
        },
      },
      TrashList: {
        type: 'object',
        required: ['items', 'nextCursor', 'prevCursor'],
        additionalProperties: false,
        properties: pageProperties('TrashedProduct'),
      },
      NewProduct: {
        type: 'object',
        required: ['productId', 'productName'],
        additionalProperties: false,
        properties: {
          productId: {
            type: 'string',
            pattern: `^\\s*${PRODUCT_ID_PATTERN.source.slice(1, -2)}{0,${PRODUCT_ID_MAX - 1}}\\s*$`,
            description: `${ID_RULES}; surrounding spaces are trimmed`,
          },
          productName: productNameInput,
        },
      },
      ProductReplacement: {
        type: 'object',
        required: ['productName'],
        additionalProperties: false,
        description: 'The product as GET returned it, with a new name; createdAt, updatedAt and version are ignored',
        properties: {
          ...echoedProductFields,
          version: { description: 'Ignored; send If-Match to make the change conditional' },
        },
      },
      ProductPatch: {
        type: 'object',
        additionalProperties: false,
        description: 'RFC 7396 merge patch: only productName may change and cannot be removed (null); an empty patch changes nothing',
        properties: {
          ...echoedProductFields,
          version: { description: 'Ignored' },
        },
      },
      Me: {
        type: 'object',
        required: ['username', 'role', 'via', 'tokenId'],
        additionalProperties: false,
        properties: { username: { type: 'string' }, role, via: { type: 'string', enum: ['token', 'session'] }, tokenId: { type: ['integer', 'null'] } },
      },
      Token: {
        type: 'object',
        required: [...TOKEN_FIELDS],
        additionalProperties: false,
        properties: tokenProperties,
      },
      CreatedToken: {
        type: 'object',
        required: [...TOKEN_FIELDS, 'token'],
        additionalProperties: false,
        properties: {
          ...tokenProperties,
          token: { type: 'string', pattern: '^pc_[A-Za-z0-9_-]{43}$', description: 'Shown only here; only its SHA-256 is kept' },
        },
      },
      TokenList: {
        type: 'object',
        required: ['items'],
        additionalProperties: false,
        properties: { items: { type: 'array', items: { $ref: '#/components/schemas/Token' } } },
      },
      NewToken: {
        type: 'object',
        required: ['name'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', minLength: 1, maxLength: TOKEN_NAME_MAX },
          role: { ...role, description: "Default: the owner's role; never above it" },
          expiresInDays: { type: ['integer', 'null'], minimum: 1, maximum: TOKEN_EXPIRY_DAYS_MAX, description: 'Absent or null: never expires' },
          user: { type: 'string', description: 'Admin only: the account to create it for' },
        },
      },
      User: {
        type: 'object',
        required: ['username', 'role', 'disabled', 'disabledBy', 'rolePinned', 'createdAt', 'updatedAt'],
        additionalProperties: false,
        properties: {
          username: { type: 'string' },
          role,
          disabled: { type: 'boolean' },
          disabledBy: {
            type: ['string', 'null'],
            enum: ['admin', 'claims', null],
            description: 'Who disabled it: an admin, or single sign-on because the claims mapped no role (a later sign-in that maps one enables it again); null while enabled',
          },
          rolePinned: { type: 'boolean', description: 'An admin pinned the role: single sign-on no longer recomputes it from the claims' },
          createdAt: dateTime,
          updatedAt: dateTime,
        },
      },
      UserList: {
        type: 'object',
        required: ['items'],
        additionalProperties: false,
        properties: { items: { type: 'array', items: { $ref: '#/components/schemas/User' } } },
      },
      NewUser: {
        type: 'object',
        required: ['username', 'role', 'password'],
        additionalProperties: false,
        properties: {
          username: { type: 'string', pattern: `^[A-Za-z0-9._-]{1,${USERNAME_MAX}}$` },
          role,
          password: { type: 'string', minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX * 2, description: `${PASSWORD_MIN} to ${PASSWORD_MAX} characters; common passwords and the username are refused` },
        },
      },
      UserChange: {
        type: 'object',
        additionalProperties: false,
        properties: {
          role,
          disabled: { type: 'boolean' },
          password: { type: 'string', minLength: PASSWORD_MIN },
          rolePinned: { type: 'boolean', description: 'Pin the role, so single sign-on keeps it whatever the claims say (false: recompute it at the next sign-in)' },
        },
      },
      AuditEvent: {
        type: 'object',
        required: ['id', 'at', 'actor', 'action', 'target', 'before', 'after', 'clientIp', 'requestId'],
        additionalProperties: false,
        properties: {
          id: { type: 'integer' },
          at: dateTime,
          actor: {
            type: ['object', 'null'],
            required: ['username', 'tokenId'],
            additionalProperties: false,
            properties: { username: { type: 'string' }, tokenId: { type: ['integer', 'null'] } },
          },
          action: { type: 'string', enum: [...AUDIT_ACTIONS] },
          target: {
            type: 'object',
            required: ['type', 'id'],
            additionalProperties: false,
            properties: { type: { type: 'string', enum: ['product', 'user', 'token', 'catalog'] }, id: { type: 'string' } },
          },
          before: { type: ['object', 'null'] },
          after: { type: ['object', 'null'] },
          clientIp: { type: 'string' },
          requestId: { type: 'string' },
        },
      },
      AuditList: {
        type: 'object',
        required: ['items', 'nextCursor'],
        additionalProperties: false,
        properties: {
          items: { type: 'array', items: { $ref: '#/components/schemas/AuditEvent' } },
          nextCursor: { type: ['string', 'null'] },
        },
      },
      ImportReport: {
        type: 'object',
        required: ['mode', 'format', 'read', 'created', 'skipped', 'rejected', 'problems', 'complete'],
        properties: {
          mode: { type: 'string', enum: [...IMPORT_MODES] },
          format: { type: 'string', enum: [...FORMATS] },
          read: { type: 'integer', description: 'Rows read (not the header, not blank lines)' },
          created: { type: 'integer' },
          skipped: { type: 'integer', description: 'Rows whose ID existed (skip-existing)' },
          rejected: { type: 'integer', description: 'Rows with a problem' },
          problems: {
            type: 'array',
            maxItems: IMPORT_PROBLEMS_MAX,
            items: {
              type: 'object',
              required: ['line', 'message'],
              additionalProperties: false,
              properties: { line: { type: 'integer', minimum: 1 }, field: { type: 'string' }, message: { type: 'string' } },
            },
          },
          complete: { type: 'boolean', description: 'False when reading stopped before the end of the file' },
        },
      },
      ImportProblem: {
        allOf: [
          { $ref: '#/components/schemas/Problem' },
          { $ref: '#/components/schemas/ImportReport' },
        ],
      },
      Problem: {
        type: 'object',
        description: 'RFC 9457 problem details',
        required: ['type', 'title', 'status', 'detail'],
        properties: {
          type: { type: 'string', format: 'uri-reference', enum: PROBLEM_SLUGS.map(problemTypeUri), description: 'The kind of error; GET it for a page that explains it' },
          title: { type: 'string', description: 'Fixed for each type' },
          status: { type: 'integer', minimum: 400, maximum: 599 },
          detail: { type: 'string', description: 'What went wrong with this request, in words' },
          instance: { type: 'string', format: 'uri-reference' },
          errors: {
            type: 'array',
            description: 'One entry per wrong field: a body field has a JSON pointer into the body, a query or path parameter its name.',
            items: {
              oneOf: [
                {
                  type: 'object',
                  required: ['field', 'pointer', 'message'],
                  additionalProperties: false,
                  properties: {
                    field: { type: 'string' },
                    pointer: { type: 'string', description: 'RFC 6901 JSON pointer into the request body' },
                    message: { type: 'string' },
                  },
                },
                {
                  type: 'object',
                  required: ['field', 'in', 'parameter', 'message'],
                  additionalProperties: false,
                  properties: {
                    field: { type: 'string' },
                    in: { type: 'string', enum: ['query', 'path'] },
                    parameter: { type: 'string', description: 'Name of the query or path parameter' },
                    message: { type: 'string' },
                  },
                },
              ],
            },
          },
        },
      },
    },
  },
} as const;
