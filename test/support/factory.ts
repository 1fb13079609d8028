import { randomBytes } from 'node:crypto';

let counter = 0;

/** A valid, unique product; override any field. */
export function buildProduct(overrides: Partial<{ productId: string; productName: string }> = {}) {
  counter += 1;
  return {
    productId: `P-${counter}-${randomBytes(3).toString('hex')}`,
    productName: `Product ${counter}`,
    ...overrides,
  };
}
