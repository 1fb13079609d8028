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
