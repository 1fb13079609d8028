import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { answer, formatError, parseQuery } from './message.js';

/**
 * The lab's cluster DNS, run in the DNS pod: answers the names in a JSON file of
 * `{ name: [addresses] }` on UDP and TCP port 53 and forwards nothing anywhere. Usage:
 * `server.ts RECORDS.json`.
 */

const recordsFile = process.argv[2];
if (!recordsFile) {
  console.error('usage: server.ts RECORDS.json');
  process.exit(64);
}
const PORT = 53;

function records(): Map<string, string[]> {
  // Read per query so `up` can publish new endpoints of headless Services without a restart.
  return new Map(Object.entries(JSON.parse(readFileSync(recordsFile!, 'utf8')) as Record<string, string[]>));
}

function reply(message: Buffer): Buffer | null {
  const query = parseQuery(message);
  const response = query ? answer(query, records()) : formatError(message);
  if (query) console.log(`${query.question.name} type ${query.question.type}`);
  return response;
}

const udp = createSocket('udp4');
udp.on('message', (message, peer) => {
  const response = reply(message);
  if (response) udp.send(response, peer.port, peer.address);
});
udp.bind(PORT, '0.0.0.0');

const tcp = createServer((socket) => {
  let buffered = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
      const message = buffered.subarray(2, 2 + buffered.readUInt16BE(0));
      buffered = buffered.subarray(2 + message.length);
      const response = reply(message);
      if (response) {
        const length = Buffer.alloc(2);
        length.writeUInt16BE(response.length);
        socket.write(Buffer.concat([length, response]));
      }
    }
  });
  socket.on('error', () => socket.destroy());
});
tcp.listen(PORT, '0.0.0.0', () => console.log(`cluster DNS answering on port ${PORT} (UDP and TCP), no forwarding`));
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    udp.close();
    tcp.close();
    process.exit(0);
  });
}
