/**
 * Just enough of the DNS wire format (RFC 1035) for the lab's resolver: read a query's question,
 * answer A records from a table, NODATA for other types of a known name, NXDOMAIN otherwise.
 */

export const TYPE_A = 1;
const CLASS_IN = 1;
const RCODE_NXDOMAIN = 3;
const RCODE_FORMERR = 1;
const RCODE_NOTIMP = 4;

export interface Question {
  readonly name: string;
  readonly type: number;
  readonly class: number;
}

export interface Query {
  readonly id: number;
  readonly flags: number;
  readonly question: Question;
  /** The question section's bytes, echoed in the answer. */
  readonly questionBytes: Buffer;
}

/** Parses a query with one question; null when the message is not one. */
export function parseQuery(message: Buffer): Query | null {
  if (message.length < 12) return null;
  const id = message.readUInt16BE(0);
  const flags = message.readUInt16BE(2);
  if (flags & 0x8000 || message.readUInt16BE(4) !== 1) return null;
  const labels: string[] = [];
  let offset = 12;
  for (;;) {
    if (offset >= message.length) return null;
    const length = message[offset]!;
    offset++;
    if (length === 0) break;
    if (length > 63 || offset + length > message.length) return null;
    labels.push(message.subarray(offset, offset + length).toString('latin1'));
    offset += length;
  }
  if (offset + 4 > message.length) return null;
  const question = {
    name: labels.join('.').toLowerCase(),
    type: message.readUInt16BE(offset),
    class: message.readUInt16BE(offset + 2),
  };
  return { id, flags, question, questionBytes: message.subarray(12, offset + 4) };
}

/** The answer to `query` from `records` (lower-case name without the trailing dot → addresses). */
export function answer(query: Query, records: ReadonlyMap<string, readonly string[]>, ttl = 30): Buffer {
  const { question } = query;
  const addresses = records.get(question.name);
  let rcode = 0;
  let answers: readonly string[] = [];
  if (question.class !== CLASS_IN) rcode = RCODE_NOTIMP;
  else if (addresses === undefined) rcode = RCODE_NXDOMAIN;
  else if (question.type === TYPE_A) answers = addresses;
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.id, 0);
  // QR, the query's opcode and RD, AA (this server is the authority), RA clear: it recurses nowhere.
  header.writeUInt16BE(0x8000 | (query.flags & 0x7900) | 0x0400 | rcode, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  const records_ = answers.map((ip) => {
    const rr = Buffer.alloc(16);
    rr.writeUInt16BE(0xc00c, 0); // a pointer to the question's name
    rr.writeUInt16BE(TYPE_A, 2);
    rr.writeUInt16BE(CLASS_IN, 4);
    rr.writeUInt32BE(ttl, 6);
    rr.writeUInt16BE(4, 10);
    ip.split('.').forEach((octet, i) => rr.writeUInt8(Number(octet), 12 + i));
    return rr;
  });
  return Buffer.concat([header, query.questionBytes, ...records_]);
}

/** A FORMERR reply for a message that is not a query this server understands. */
export function formatError(message: Buffer): Buffer | null {
  if (message.length < 12) return null;
  const header = Buffer.alloc(12);
  header.writeUInt16BE(message.readUInt16BE(0), 0);
  header.writeUInt16BE(0x8000 | RCODE_FORMERR, 2);
  return header;
}

/** A query for `name`, for the lab's own checks. */
export function buildQuery(id: number, name: string, type = TYPE_A): Buffer {
  const labels = name.replace(/\.$/, '').split('.').map((label) => {
    const bytes = Buffer.from(label, 'latin1');
    return Buffer.concat([Buffer.from([bytes.length]), bytes]);
  });
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2); // RD
  header.writeUInt16BE(1, 4);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(type, 0);
  tail.writeUInt16BE(CLASS_IN, 2);
  return Buffer.concat([header, ...labels, Buffer.from([0]), tail]);
}
