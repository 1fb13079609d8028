/** Every size limit the app enforces, in one place: validation, pages, API and the OpenAPI description read them. */
export const PRODUCT_ID_MAX = 64;
export const PRODUCT_NAME_MAX = 255;
export const SEARCH_MAX = PRODUCT_NAME_MAX;
/** Largest request body the API and the forms accept. */
export const BODY_LIMIT_BYTES = 16 * 1024;
export const LIST_LIMIT = { min: 1, max: 100, default: 20 } as const;
/** Products per page on the HTML page. */
export const PAGE_SIZE = 20;
/** A search counts its matches up to this many and then shows "1,000+": counting them all reads every row. */
export const SEARCH_COUNT_CAP = 1000;
/** Largest import file (IMPORT_MAX_BYTES's default): about 850,000 products with short names in the export's CSV. */
export const IMPORT_MAX_BYTES_DEFAULT = 50 * 1024 * 1024;
/** Longest line an import reads; a valid product's line is under 2 KiB, so longer ones are refused at once. */
export const IMPORT_LINE_MAX_BYTES = 16 * 1024;
/** Products per batch of an import (one statement) and of an export (one query). */
export const TRANSFER_BATCH_ROWS = 1000;
/** An import reports at most this many problems, then stops reading. */
export const IMPORT_PROBLEMS_MAX = 100;
