import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { StoreFixture } from '../support/app.js';
import { apiClient, type ApiClient } from '../support/auth.js';
import { buildProduct } from '../support/factory.js';
import { storeFixtures } from '../support/fixtures.js';
import { catalogState, importFile } from '../support/transfer.js';

const PROBLEM = /^application\/problem\+json/;
const HEADER = 'product_id,product_name\r\n';

/** Deterministic bytes that are no text format at all. */
function garbage(length: number): Buffer {
  const bytes = Buffer.alloc(length);
  let x = 0x2545f491;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

interface BadFile {
  readonly name: string;
  readonly body: string | Buffer;
  readonly type?: string;
  readonly status: number;
  /** What the answer must say. */
  readonly says: RegExp;
}

const latin1Name = Buffer.concat([Buffer.from(`${HEADER}P-latin1,Caf`), Buffer.from([0xe9]), Buffer.from('\r\n')]);
const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${HEADER}P-1,Tea\r\n`, 'utf16le')]);

const BAD_FILES: readonly BadFile[] = [
  { name: 'a name in Latin-1, not UTF-8', body: latin1Name, status: 400, says: /Not UTF-8 text.*save the file as UTF-8/ },
  { name: 'UTF-16 text (with its byte order mark)', body: utf16, status: 415, says: /UTF-16 text; save it as UTF-8/ },
  { name: 'UTF-16 text without a byte order mark', body: Buffer.from(`${HEADER}P-1,Tea\r\n`, 'utf16le'), status: 400, says: /NUL bytes: is it UTF-16/ },
  { name: '64 KiB of binary garbage', body: garbage(64 * 1024), status: 400, says: /header product_id,product_name|runs on for more than 16 KiB/ },
  { name: 'a header with an unknown column', body: 'product_id,product_name,price\r\nP-1,Tea,3\r\n', status: 400, says: /unknown column "price"/ },
  { name: 'a header without product_name', body: 'product_id,created_at\r\nP-1,\r\n', status: 400, says: /column product_name is missing/ },
  { name: 'no header at all', body: 'P-1,Tea\r\n', status: 400, says: /unknown columns "p-1", "tea"/ },
  { name: 'a header naming a column twice', body: 'product_id,product_name,product_id\r\n', status: 400, says: /names the column product_id twice/ },
  { name: 'a quoted field that never ends', body: `${HEADER}P-1,"Tea\r\nP-2,Coffee\r\n`, status: 400, says: /starts on line 2.*quoted field that never ends/ },
  { name: 'a 100 KiB line', body: `${HEADER}P-1,${'x'.repeat(100 * 1024)}\r\n`, status: 400, says: /line 2 runs on for more than 16 KiB/ },
  { name: 'an empty file', body: '', status: 400, says: /file is empty/ },
  { name: 'a header and no products', body: HEADER, status: 400, says: /holds no products/ },
  { name: 'a row with a field too many', body: `${HEADER}P-1,Tea,extra\r\n`, status: 400, says: /Line 2 has 3 fields; the header has 2/ },
  { name: 'a bare quote inside a field', body: `${HEADER}P-1,5" tall\r\n`, status: 400, says: /Line 2 has a " inside a field/ },
  { name: 'a created_at that is not a UTC time', body: 'product_id,product_name,created_at\r\nP-1,Tea,yesterday\r\n', status: 400, says: /UTC time like/ },
  { name: 'NDJSON with a trailing comma', body: '{"productId":"P-1","productName":"Tea"},\n', type: 'application/x-ndjson', status: 400, says: /not valid JSON.*no comma after it/ },
  { name: 'NDJSON wrapped in an array', body: '[{"productId":"P-1","productName":"Tea"}]\n', type: 'application/x-ndjson', status: 400, says: /must be a JSON object.*found an array/ },
  { name: 'an NDJSON line that is a string', body: '"P-1,Tea"\n', type: 'application/x-ndjson', status: 400, says: /must be a JSON object.*found a string/ },
  { name: 'an NDJSON line with an unknown key', body: '{"productId":"P-1","productName":"Tea","price":3}\n', type: 'application/x-ndjson', status: 400, says: /Unknown field 'price'/ },
  { name: 'NDJSON of 64 KiB without a line break', body: `{"productId":"P-1","productName":"${'x'.repeat(64 * 1024)}"}`, type: 'application/x-ndjson', status: 400, says: /Line 1 is longer than 16 KiB/ },
  { name: 'NDJSON that is only blank lines', body: '\n\r\n  \n', type: 'application/x-ndjson', status: 400, says: /holds no products/ },
];

for (const kind of await storeFixtures()) {
  describe(`bad import files on the ${kind.name} store`, () => {
    let fx: StoreFixture;
    let api: ApiClient;
    before(async () => {
      fx = await kind.open();
      api = await apiClient(fx.app, fx.stores, 'editor');
      await api.post('/api/products').send(buildProduct()).expect(201);
    });
    after(async () => fx?.close());

    for (const bad of BAD_FILES) {
      it(`when the file is ${bad.name}, then ${bad.status} naming the problem and nothing changes`, async () => {
        const before = await catalogState(fx.stores);
        const res = await importFile(api, bad.body, bad.type);
        assert.equal(res.status, bad.status, res.text);
        assert.match(res.headers['content-type']!, PROBLEM);
        assert.match(res.body.detail, bad.says);
        assert.deepEqual(await catalogState(fx.stores), before);
      });
    }

    const goodRows = (ids: string[]) => ids.map((id) => `${id},Tea`);
    const accepted: Array<[string, (ids: string[]) => Buffer]> = [
      ['a UTF-8 byte order mark (Excel\'s "CSV UTF-8")', (ids) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${HEADER}${goodRows(ids).join('\r\n')}\r\n`)])],
      ['CRLF line ends', (ids) => Buffer.from(`${HEADER}${goodRows(ids).join('\r\n')}\r\n`)],
      ['LF line ends and no final line break', (ids) => Buffer.from(`product_id,product_name\n${goodRows(ids).join('\n')}`)],
      ['CRLF and LF mixed, and blank lines', (ids) => Buffer.from(`${HEADER}${goodRows(ids).join('\n\r\n')}\n`)],
    ];
    for (const [name, file] of accepted) {
      it(`when the CSV has ${name}, then it is read like any other`, async () => {
        const ids = [buildProduct().productId, buildProduct().productId];
        const res = await importFile(api, file(ids)).expect(200);
        assert.deepEqual([res.body.read, res.body.created], [2, 2]);
        for (const id of ids) assert.equal((await fx.store.get(id))?.productName, 'Tea');
      });
    }
  });
}
