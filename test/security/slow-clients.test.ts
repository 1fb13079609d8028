import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createHttpServer, HTTP_TIMEOUTS } from '../../web/http/http-server.js';
import { appWith } from '../support/app.js';

/** Short limits so the test runs in seconds; the check interval is the production one. */
const HEADERS_MS = 400;
const REQUEST_MS = 1200;
/** Node checks the timeouts every checkIntervalMs, so a client may outlive its limit by that much. */
const SLACK_MS = HTTP_TIMEOUTS.checkIntervalMs + 1000;

interface SlowClient {
  readonly socket: Socket;
  /** Everything the server sent back, and when it closed the connection (ms after connecting). */
  readonly closed: Promise<{ received: string; afterMs: number }>;
  stop(): void;
}

/** Connects and sends `head`, then one more byte of `drip` every 100 ms until the server hangs up. */
function slowClient(port: number, head: string, drip: string): SlowClient {
  const socket = connect(port, '127.0.0.1');
  const started = Date.now();
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => (received += d));
  socket.on('error', () => undefined); // a reset is one way for the server to hang up
  socket.write(head);
  let i = 0;
  const timer = setInterval(() => {
    if (!socket.destroyed && socket.writable) socket.write(drip[i++ % drip.length]!);
  }, 100);
  const closed = once(socket, 'close').then(() => {
    clearInterval(timer);
    return { received, afterMs: Date.now() - started };
  });
  return { socket, closed, stop: () => (clearInterval(timer), socket.destroy()) };
}

describe('slow clients', () => {
  let server: Server;
  let port: number;
  const clients: SlowClient[] = [];

  before(async () => {
    server = createHttpServer(appWith(), { ...HTTP_TIMEOUTS, headersMs: HEADERS_MS, requestMs: REQUEST_MS });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as { port: number }).port;
  });
  after(async () => {
    for (const c of clients) c.stop();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('when the production server is built, then it sets a 10 s headers and 30 s request timeout', () => {
    const real = createHttpServer(appWith());
    assert.equal(real.headersTimeout, 10_000);
    assert.equal(real.requestTimeout, 30_000);
    assert.ok(HTTP_TIMEOUTS.checkIntervalMs <= 1000, 'checked often enough to hold the limits to about a second');
  });

  it('when a client sends its headers a byte at a time, then it gets 408 and is disconnected at the headers timeout', async () => {
    const client = slowClient(port, 'GET / HTTP/1.1\r\nHost: x\r\n', 'X-Slow: aaaaaaaa\r\n');
    clients.push(client);
    const { received, afterMs } = await client.closed;
    assert.match(received, /^HTTP\/1\.1 408/);
    assert.ok(afterMs < HEADERS_MS + SLACK_MS, `closed after ${afterMs} ms`);
  });

  it('when a client sends its body a byte at a time, then it is disconnected at the request timeout', async () => {
    const head = 'POST /api/products HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n';
    const client = slowClient(port, head, '{"productId":"');
    clients.push(client);
    const { received, afterMs } = await client.closed;
    assert.match(received, /^HTTP\/1\.1 408/);
    assert.ok(afterMs < REQUEST_MS + SLACK_MS, `closed after ${afterMs} ms`);
  });

  it('when 50 slow clients hold connections, then other requests are still answered at once, and all 50 are cut off', async () => {
    const crowd = Array.from({ length: 50 }, () => slowClient(port, 'GET / HTTP/1.1\r\nHost: x\r\n', 'X-Slow: a\r\n'));
    clients.push(...crowd);
    const started = Date.now();
    const res = await fetch(`http://127.0.0.1:${port}/api/products`);
    assert.equal(res.status, 200);
    assert.ok(Date.now() - started < 1000, 'served while the slow clients wait');
    const closed = await Promise.all(crowd.map((c) => c.closed));
    assert.ok(closed.every((c) => c.afterMs < HEADERS_MS + SLACK_MS + 1000), 'every slow client was cut off');
  });

  it('when the URL or a header is larger than 16 KiB, then 431 before the app sees it', async () => {
    const longUrl = await fetch(`http://127.0.0.1:${port}/api/products?q=${'a'.repeat(20_000)}`);
    assert.equal(longUrl.status, 431);
    const longHeader = await fetch(`http://127.0.0.1:${port}/`, { headers: { 'x-junk': 'a'.repeat(20_000) } });
    assert.equal(longHeader.status, 431);
    // Under the limit, a long query is the app's to refuse, with a message.
    const long = await fetch(`http://127.0.0.1:${port}/api/products?q=${'a'.repeat(8000)}`);
    assert.equal(long.status, 400);
    assert.match(((await long.json()) as { detail: string }).detail, /Search text must be at most/);
  });
});
