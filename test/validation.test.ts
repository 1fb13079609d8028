import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeCursor, encodeCursor } from '../web/http/cursor.js';
import { checkNewProduct, checkProductId, checkProductName, checkSearch } from '../web/catalog/validation.js';

describe('product validation', () => {
  it('when the ID and name are valid, then they come back trimmed', () => {
    assert.deepEqual(checkNewProduct({ productId: ' A-1.b_2 ', productName: '  Café ☕  ' }), {
      ok: true,
      value: { productId: 'A-1.b_2', productName: 'Café ☕' },
    });
  });

  const idErrors: Array<[unknown, RegExp]> = [
    [undefined, /Product ID is required/],
    ['', /Product ID is required/],
    [7, /must be a string/],
    ['-lead', /found '-' at the start/],
    ['with space', /found U\+0020/],
    ['ü-umlaut', /found U\+00FC at the start/],
    ['a'.repeat(65), /at most 64 characters \(it has 65\)/],
  ];
  for (const [value, message] of idErrors) {
    it(`when the ID is ${JSON.stringify(value)?.slice(0, 20)}, then the error says exactly what is wrong`, () => {
      const result = checkProductId(value);
      assert.equal(result.ok, false);
      if (!result.ok) assert.match(result.error, message);
    });
  }

  const nameErrors: Array<[unknown, RegExp]> = [
    [null, /Product name is required/],
    [' \t ', /Product name is required/],
    [['a'], /must be a string/],
    ['tab\there', /control characters \(found U\+0009\)/],
    ['bell\u0007', /found U\+0007/],
    ['x\udc00', /invalid Unicode/],
    ['é'.repeat(256), /at most 255 characters \(it has 256\)/],
  ];
  for (const [value, message] of nameErrors) {
    it(`when the name is ${JSON.stringify(value)?.slice(0, 20)}, then the error says exactly what is wrong`, () => {
      const result = checkProductName(value);
      assert.equal(result.ok, false);
      if (!result.ok) assert.match(result.error, message);
    });
  }

  it('when a name has 255 emoji (510 UTF-16 units), then it is accepted: the limit counts characters', () => {
    assert.equal(checkProductName('👍'.repeat(255)).ok, true);
  });

  it('when both fields are wrong, then both errors are reported', () => {
    const result = checkNewProduct({ productId: '', productName: '' });
    assert.deepEqual(result.ok ? [] : result.errors.map((e) => e.field), ['productId', 'productName']);
  });

  it('when a search is blank or given twice, then it is ignored or refused', () => {
    assert.deepEqual(checkSearch('  '), { ok: true, value: undefined });
    assert.equal(checkSearch(['a', 'b']).ok, false);
  });
});

describe('cursors', () => {
  it('when a sequence number is encoded, then it decodes to itself', () => {
    for (const seq of [1, 42, 9_007_199_254_740_991]) assert.equal(decodeCursor(encodeCursor(seq)), seq);
  });

  it('when a cursor is junk, then it decodes to undefined', () => {
    for (const junk of ['', 'abc', '!!!!', encodeCursor(1) + '=', Buffer.from('s0').toString('base64url'), Buffer.from('s1e5').toString('base64url'), 'x'.repeat(100)]) {
      assert.equal(decodeCursor(junk), undefined, junk);
    }
  });
});
