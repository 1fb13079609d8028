import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeCursor, encodeCursor } from '../web/http/cursor.js';
import {
  checkNewProduct,
  checkProductId,
  checkProductName,
  checkSearch,
  describeCharacter,
  NAME_REFUSED_RANGES,
  PRODUCT_ID_PATTERN,
  PRODUCT_NAME_SCHEMA_PATTERN,
} from '../web/catalog/validation.js';

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
    ['with space', /found a space\)/],
    ['tab\tin', /found a tab\)/],
    ['ü-umlaut', /found 'ü' at the start/],
    ['zero\u200Bwidth', /found an invisible formatting character\)/],
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
    ['tab\there', /must not contain a tab/],
    ['two\nlines', /must not contain a line break/],
    ['two\u2028lines', /must not contain a line break/],
    ['bell\u0007', /must not contain a control character/],
    ['evil\u202Etxt.exe', /must not contain a right-to-left override/],
    ['\u2066isolated\u2069', /must not contain a left-to-right isolate/],
    ['a\u202Ab', /left-to-right embedding/],
    ['a\u2069b', /pop directional isolate/],
    ['\u200B', /Product name is required: it has only spaces and invisible formatting characters/],
    [' \u200B\u2060\uFEFF\u00AD ', /only spaces and invisible formatting characters/],
    ['\u3164', /only spaces and invisible formatting characters/],
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

  it('when an error names a character, then it uses words and never a code point', () => {
    for (const value of ['tab\there', 'bell\u0007', 'x\u202Ey', '\u200B']) {
      const result = checkProductName(value);
      assert.ok(!result.ok && !/U\+[0-9A-F]{4}/.test(result.error), JSON.stringify(result));
    }
    for (const value of ['a b', 'a\u00A0b', 'a\u200Db', 'a\u0000b']) {
      const result = checkProductId(value);
      assert.ok(!result.ok && !/U\+[0-9A-F]{4}/.test(result.error), JSON.stringify(result));
    }
  });

  it('when a name has visible text beside format characters, then it is kept as typed', () => {
    for (const name of ['👨\u200D👩\u200D👧 family', 'soft\u00ADhyphen', 'שלום עולם', 'مرحبا', 'abc\u200Fdef']) {
      assert.deepEqual(checkProductName(name), { ok: true, value: name });
    }
  });

  it('when the refused ranges are read, then each one is refused and described in words', () => {
    for (const { from, to, words } of NAME_REFUSED_RANGES) {
      assert.ok(words.length > 3 && !/U\+/.test(words));
      for (const code of [from, to]) assert.equal(checkProductName(`a${String.fromCodePoint(code)}b`).ok, false, code.toString(16));
    }
  });

  it('when characters are described, then common ones have their own words', () => {
    assert.equal(describeCharacter(' '), 'a space');
    assert.equal(describeCharacter('\t'), 'a tab');
    assert.equal(describeCharacter('\r'), 'a line break');
    assert.equal(describeCharacter('\u202E'), 'a right-to-left override');
    assert.equal(describeCharacter('\u200B'), 'an invisible formatting character');
    assert.equal(describeCharacter('é'), "'é'");
  });

  it('when the schema pattern for names is read, then it agrees with the check', () => {
    const pattern = new RegExp(PRODUCT_NAME_SCHEMA_PATTERN, 'u');
    for (const name of ['Tea', 'שלום', 'a\u200Db', '\u200B', ' \u2060 ', 'a\u202Eb', 'a\tb', 'x\u2069', '\u3164x', '\tTea\n', '\n\u200B\n', 'a\nb']) {
      assert.equal(pattern.test(name), checkProductName(name).ok, JSON.stringify(name));
    }
  });

  it('when the ID pattern is exported, then it agrees with the check', () => {
    for (const id of ['A-1', 'a.b_c', '-x', 'x y', 'ü']) assert.equal(PRODUCT_ID_PATTERN.test(id), checkProductId(id).ok, id);
  });

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
