import { TOKEN_EXPIRY_DAYS_MAX, TOKEN_NAME_MAX } from './auth/api-tokens.js';
import { PASSWORD_MAX, PASSWORD_MIN, USERNAME_MAX } from './auth/credentials-rules.js';
import { ROLES } from './auth/roles.js';
import { AUDIT_ACTIONS } from './audit/audit-event.js';
import { IMPORT_PROBLEMS_MAX, LIST_LIMIT, PRODUCT_ID_MAX, PRODUCT_NAME_MAX, SEARCH_MAX } from './limits.js';
import { FORMATS } from './transfer/import-source.js';
import { IMPORT_MODES } from './transfer/import-runner.js';

const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

const jsonResponse = (description: string, schema: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${schema}` } } },
});

const productResponse = (description: string) => jsonResponse(description, 'Product');

const productIdParameter = {
  name: 'productId',
  in: 'path',
  required: true,
  schema: { type: 'string', minLength: 1, maxLength: PRODUCT_ID_MAX },
};

const jsonBody = (schema: string) => ({ required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${schema}` } } } });

/** The report inside problem+json; the early refusals (415, a Content-Length over the limit) carry no report. */
const importProblem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { anyOf: [{ $ref: '#/components/schemas/ImportProblem' }, { $ref: '#/components/schemas/Problem' }] } } },
});

const unavailable = problemResponse('The database is unavailable; retry after the Retry-After seconds.');
const unauthorized = problemResponse('No API token, or one that is unknown, revoked, expired or whose account is disabled (WWW-Authenticate: Bearer)');
const forbidden = problemResponse("The token's role (or its owner's, if lower) does not allow this");
const tooMany = problemResponse('Too many writes from this client');
const badJson = { '413': problemResponse('Body over 16 KiB'), '415': problemResponse('Body is not application/json') };

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
const cursorParameter = { name: 'cursor', in: 'query', description: 'nextCursor from the previous page', schema: { type: 'string' } };
const limitParameter = { name: 'limit', in: 'query', schema: { type: 'integer', minimum: LIST_LIMIT.min, maximum: LIST_LIMIT.max, default: LIST_LIMIT.default } };

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

/** OpenAPI 3.1 description of /api; the tests validate real responses against these schemas. */
export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Product catalog API',
    version: '1.1.0',
    description:
      'Products with a unique ID and a name. Errors are RFC 9457 problem details. Changes need an API token ' +
      '(`Authorization: Bearer pc_...`) of an editor or admin; reads are open unless PUBLIC_READ is false.',
  },
  security: readSecurity,
  paths: {
    '/api/products': {
      get: {
        summary: 'List products, newest first',
        parameters: [
          limitParameter,
          cursorParameter,
          { name: 'q', in: 'query', description: 'Only products whose name contains this text (case-insensitive)', schema: { type: 'string', maxLength: SEARCH_MAX } },
        ],
        responses: {
          '200': jsonResponse('A page of products', 'ProductList'),
          '400': problemResponse('A query parameter is invalid'),
          ...readable,
        },
      },
      post: {
        summary: 'Add a product (editor)',
        security: tokenSecurity,
        requestBody: jsonBody('NewProduct'),
        responses: {
          '201': {
            ...productResponse('Created'),
            headers: { Location: { description: 'URL of the new product', schema: { type: 'string' } } },
          },
          '400': problemResponse('Malformed JSON or invalid fields'),
          '409': problemResponse('A product with this ID exists already'),
          ...badJson,
          '429': tooMany,
          ...guarded,
        },
      },
    },
    '/api/products/{productId}': {
      parameters: [productIdParameter],
      get: {
        summary: 'Get one product',
        responses: { '200': productResponse('The product'), '400': problemResponse('Invalid ID'), '404': problemResponse('No such product'), ...readable },
      },
      put: {
        summary: 'Rename a product (editor)',
        security: tokenSecurity,
        requestBody: jsonBody('Rename'),
        responses: {
          '200': productResponse('The renamed product'),
          '400': problemResponse('Malformed JSON or invalid fields'),
          '404': problemResponse('No such product'),
          ...badJson,
          '429': tooMany,
          ...guarded,
        },
      },
      delete: {
        summary: 'Delete a product (editor)',
        security: tokenSecurity,
        responses: {
          '204': { description: 'Deleted' },
          '400': problemResponse('Invalid ID'),
          '404': problemResponse('No such product'),
          '429': tooMany,
          ...guarded,
        },
      },
    },
    '/api/products/export': {
      get: {
        summary: 'Every product as one file, in the order they were added',
        description:
          'Streamed in keyset batches (Content-Disposition: attachment; filename="products-YYYY-MM-DD.csv"). CSV is RFC 4180 and UTF-8 ' +
          'with the header product_id,product_name,created_at; a text starting with = + - @ tab, CR or \' gets a \' in front so that ' +
          'spreadsheets show it as text (the import takes it off again). NDJSON has one JSON API product per line. Without `format` ' +
          'this path is the product whose ID is "export". A database failure after the first batch cuts the response off.',
        parameters: [{ name: 'format', in: 'query', required: true, schema: { type: 'string', enum: [...FORMATS] } }],
        responses: {
          '200': {
            description: 'The file',
            content: { 'text/csv': { schema: { type: 'string' } }, 'application/x-ndjson': { schema: { type: 'string' } } },
          },
          '400': problemResponse('format is neither csv nor ndjson'),
          ...readable,
        },
      },
    },
    '/api/products/import': {
      post: {
        summary: 'Add many products from a CSV or NDJSON file (editor)',
        description:
          'The file is read as it arrives and goes in as one transaction, with one audit event. The same rules as single creates; ' +
          'an ID repeated within the file is a problem on its later line. all-or-nothing (the default) imports nothing when any row ' +
          'has a problem or an ID exists; skip-existing leaves out rows whose ID exists. Reading stops after ' +
          `${IMPORT_PROBLEMS_MAX} problems. One import counts as one write against the rate limit; one runs at a time per user.`,
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
          '200': jsonResponse('Imported: the report', 'ImportReport'),
          '400': importProblem('Rows with problems, or a malformed file (header, a quoted field that never ends, an over-long line, empty); nothing was imported'),
          '409': importProblem('IDs that exist already (all-or-nothing), or created by someone else during the import; nothing was imported'),
          '413': importProblem('The file is larger than IMPORT_MAX_BYTES'),
          '415': importProblem('Not text/csv or application/x-ndjson, not UTF-8, or compressed'),
          '429': problemResponse('Too many writes from this client, or an import of this user is running'),
          ...guarded,
        },
      },
    },
    '/api/me': {
      get: {
        summary: 'Who is calling, and with which role',
        security: tokenSecurity,
        responses: { '200': jsonResponse('The caller', 'Me'), ...guarded },
      },
    },
    '/api/tokens': {
      get: {
        summary: "Your API tokens (editor); an admin may name another account's",
        security: tokenSecurity,
        parameters: [{ name: 'user', in: 'query', description: 'Admin only: whose tokens', schema: { type: 'string', maxLength: USERNAME_MAX } }],
        responses: { '200': jsonResponse('Tokens, newest first', 'TokenList'), '404': problemResponse('No such account'), ...guarded },
      },
      post: {
        summary: 'Create an API token (editor; an admin may create one for another account). The token is in the answer only.',
        security: tokenSecurity,
        requestBody: jsonBody('NewToken'),
        responses: {
          '201': {
            ...jsonResponse('The token and its record; store the token now', 'CreatedToken'),
            headers: { Location: { description: 'URL of the token record', schema: { type: 'string' } } },
          },
          '400': problemResponse('Malformed JSON or invalid fields (a role above the owner\'s, say)'),
          '404': problemResponse('No such account'),
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
        summary: "Revoke a token (your own; an admin, anyone's)",
        security: tokenSecurity,
        responses: { '204': { description: 'Revoked' }, '400': problemResponse('Invalid id'), '404': problemResponse('No such token of yours'), '429': tooMany, ...guarded },
      },
    },
    '/api/users': {
      get: {
        summary: 'Accounts (admin)',
        security: tokenSecurity,
        responses: { '200': jsonResponse('Every account, by name', 'UserList'), ...guarded },
      },
      post: {
        summary: 'Add an account (admin)',
        security: tokenSecurity,
        requestBody: jsonBody('NewUser'),
        responses: {
          '201': {
            ...jsonResponse('Created', 'User'),
            headers: { Location: { description: 'URL of the account', schema: { type: 'string' } } },
          },
          '400': problemResponse('Invalid fields (a common password, say)'),
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
        summary: "Change an account's role, status, password or role pin (admin). Disabling or a new password ends its sessions.",
        security: tokenSecurity,
        requestBody: jsonBody('UserChange'),
        responses: {
          '200': jsonResponse('The account', 'User'),
          '400': problemResponse('Invalid fields'),
          '404': problemResponse('No such account'),
          '409': problemResponse('It is the last enabled admin'),
          ...badJson,
          '429': tooMany,
          ...guarded,
        },
      },
    },
    '/api/audit': {
      get: {
        summary: 'The audit trail, newest first (admin)',
        security: tokenSecurity,
        parameters: [
          { name: 'actor', in: 'query', description: 'Username of who acted', schema: { type: 'string', maxLength: USERNAME_MAX } },
          { name: 'productId', in: 'query', description: 'Events of this product', schema: { type: 'string', maxLength: PRODUCT_ID_MAX } },
          { name: 'action', in: 'query', schema: { type: 'string', enum: [...AUDIT_ACTIONS] } },
          limitParameter,
          cursorParameter,
        ],
        responses: { '200': jsonResponse('A page of events', 'AuditList'), '400': problemResponse('A filter is invalid'), ...guarded },
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
    schemas: {
      Product: {
        type: 'object',
        required: ['productId', 'productName', 'createdAt', 'updatedAt', 'version'],
        additionalProperties: false,
        properties: {
          productId: { type: 'string', minLength: 1, maxLength: PRODUCT_ID_MAX },
          productName: { type: 'string', maxLength: PRODUCT_NAME_MAX * 2 },
          createdAt: dateTime,
          updatedAt: dateTime,
          version: { type: 'integer', minimum: 1 },
        },
      },
      ProductList: {
        type: 'object',
        required: ['items', 'nextCursor'],
        additionalProperties: false,
        properties: {
          items: { type: 'array', items: { $ref: '#/components/schemas/Product' } },
          nextCursor: { type: ['string', 'null'], description: 'Pass as cursor for the next (older) page; null on the last page' },
          prevCursor: { type: ['string', 'null'] },
          total: { type: ['integer', 'null'] },
          totalCapped: { type: 'boolean' },
        },
      },
      NewProduct: {
        type: 'object',
        required: ['productId', 'productName'],
        additionalProperties: false,
        properties: {
          productId: {
            type: 'string',
            pattern: `^\\s*[A-Za-z0-9][A-Za-z0-9._-]{0,${PRODUCT_ID_MAX - 1}}\\s*$`,
            description: 'Letters A-Z, digits, ".", "_" and "-", starting with a letter or digit; surrounding spaces are trimmed',
          },
          productName: {
            type: 'string',
            minLength: 1,
            description: `1 to ${PRODUCT_NAME_MAX} characters after trimming, no control characters`,
          },
        },
      },
      Rename: {
        type: 'object',
        required: ['productName'],
        additionalProperties: false,
        properties: {
          productName: { type: 'string', minLength: 1 },
          productId: { type: 'string', description: 'Optional; must equal the ID in the path' },
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
        required: ['type', 'title', 'status', 'detail'],
        properties: {
          type: { type: 'string' },
          title: { type: 'string' },
          status: { type: 'integer', minimum: 400, maximum: 599 },
          detail: { type: 'string' },
          instance: { type: 'string' },
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
