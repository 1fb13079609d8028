import { LIST_LIMIT, PRODUCT_ID_MAX, PRODUCT_NAME_MAX, SEARCH_MAX } from './limits.js';

const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

const productResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Product' } } },
});

const productIdParameter = {
  name: 'productId',
  in: 'path',
  required: true,
  schema: { type: 'string', minLength: 1, maxLength: PRODUCT_ID_MAX },
};

const unavailable = problemResponse('The database is unavailable; retry after the Retry-After seconds.');

/** OpenAPI 3.1 description of /api; the tests validate real responses against these schemas. */
export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Product catalog API',
    version: '1.0.0',
    description: 'Products with a unique ID and a name. Errors are RFC 9457 problem details.',
  },
  paths: {
    '/api/products': {
      get: {
        summary: 'List products, newest first',
        parameters: [
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: LIST_LIMIT.min, maximum: LIST_LIMIT.max, default: LIST_LIMIT.default } },
          { name: 'cursor', in: 'query', description: 'nextCursor from the previous page', schema: { type: 'string' } },
          { name: 'q', in: 'query', description: 'Only products whose name contains this text (case-insensitive)', schema: { type: 'string', maxLength: SEARCH_MAX } },
        ],
        responses: {
          '200': {
            description: 'A page of products',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/ProductList' } } },
          },
          '400': problemResponse('A query parameter is invalid'),
          '503': unavailable,
        },
      },
      post: {
        summary: 'Add a product',
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/NewProduct' } } },
        },
        responses: {
          '201': {
            ...productResponse('Created'),
            headers: { Location: { description: 'URL of the new product', schema: { type: 'string' } } },
          },
          '400': problemResponse('Malformed JSON or invalid fields'),
          '409': problemResponse('A product with this ID exists already'),
          '413': problemResponse('Body over 16 KiB'),
          '415': problemResponse('Body is not application/json'),
          '429': problemResponse('Too many writes from this client'),
          '503': unavailable,
        },
      },
    },
    '/api/products/{productId}': {
      parameters: [productIdParameter],
      get: {
        summary: 'Get one product',
        responses: { '200': productResponse('The product'), '400': problemResponse('Invalid ID'), '404': problemResponse('No such product'), '503': unavailable },
      },
      put: {
        summary: 'Rename a product',
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Rename' } } },
        },
        responses: {
          '200': productResponse('The renamed product'),
          '400': problemResponse('Malformed JSON or invalid fields'),
          '404': problemResponse('No such product'),
          '413': problemResponse('Body over 16 KiB'),
          '415': problemResponse('Body is not application/json'),
          '429': problemResponse('Too many writes from this client'),
          '503': unavailable,
        },
      },
      delete: {
        summary: 'Delete a product',
        responses: {
          '204': { description: 'Deleted' },
          '400': problemResponse('Invalid ID'),
          '404': problemResponse('No such product'),
          '429': problemResponse('Too many writes from this client'),
          '503': unavailable,
        },
      },
    },
  },
  components: {
    schemas: {
      Product: {
        type: 'object',
        required: ['productId', 'productName', 'createdAt'],
        additionalProperties: false,
        properties: {
          productId: { type: 'string', minLength: 1, maxLength: PRODUCT_ID_MAX },
          productName: { type: 'string', maxLength: PRODUCT_NAME_MAX * 2 },
          createdAt: { type: 'string', format: 'date-time' },
        },
      },
      ProductList: {
        type: 'object',
        required: ['items', 'nextCursor'],
        additionalProperties: false,
        properties: {
          items: { type: 'array', items: { $ref: '#/components/schemas/Product' } },
          nextCursor: { type: ['string', 'null'], description: 'Pass as cursor for the next (older) page; null on the last page' },
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
            items: {
              type: 'object',
              required: ['field', 'pointer', 'message'],
              properties: {
                field: { type: 'string' },
                pointer: { type: 'string' },
                message: { type: 'string' },
              },
            },
          },
        },
      },
    },
  },
} as const;
