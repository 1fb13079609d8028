import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { AppProcess } from '../support/app-process.js';

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
/** The import limit of this suite's server: small, so the size check is quick to reach. */
const MAX_BYTES = 4 * MIB;

interface Upload {
  status?: number;
  body: string;
  /** Bytes the client handed to its socket before it stopped or was cut off. */
  sent: number;
  error?: string;
}

/**
 * POSTs `head` and then `total` bytes of `fill`, chunked, as fast as the server takes them (never
 * holding more than one chunk in memory), and stops sending when the answer comes, as curl does.
 */
function upload(url: string, token: string, options: { head: string; fill: string; total: number; type?: string; headers?: Record<string, string> }): Promise<Upload> {
  const chunk = Buffer.alloc(64 * 1024, options.fill);
  return new Promise((resolve) => {
    const result: Upload = { body: '', sent: 0 };
    let answered = false;
    const req = request(`${url}/api/products/import`, {
      method: 'POST',
      headers: { 'content-type': options.type ?? 'text/csv', authorization: `Bearer ${token}`, ...options.headers },
    });
    const finish = () => resolve(result);
    req.on('response', (res) => {
      answered = true;
      result.status = res.statusCode;
      res.setEncoding('utf8');
      res.on('data', (text: string) => (result.body += text));
      res.on('end', () => {
        req.destroy();
        finish();
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      result.error = error.code ?? error.message;
      finish();
    });
    const pump = () => {
      while (!req.destroyed && !answered && result.sent < options.total) {
        result.sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!req.destroyed && result.sent >= options.total) req.end();
    };
    req.write(options.head);
    pump();
  });
}

/**
 * A client that ignores the answer and the server's end of the connection: a raw socket that
 * keeps writing chunks of a line that never ends until the server cuts it off.
 */
function rudeUpload(url: string, token: string, total: number): Promise<Upload> {
  const { hostname, port } = new URL(url);
  const payload = Buffer.alloc(64 * 1024, 'x');
  const chunk = Buffer.concat([Buffer.from(`${payload.length.toString(16)}\r\n`), payload, Buffer.from('\r\n')]);
  return new Promise((resolve) => {
    const result: Upload = { body: '', sent: 0 };
    const socket = connect({ host: hostname, port: Number(port), allowHalfOpen: true });
    socket.setEncoding('latin1');
    socket.on('data', (text: string) => (result.body += text));
    socket.on('error', (error: NodeJS.ErrnoException) => (result.error = error.code ?? error.message));
    socket.on('close', () => resolve(result));
    socket.on('end', () => (result.error ??= 'server closed its side'));
    const head = `product_id,product_name\r\nP-1,`;
    socket.write(
      `POST /api/products/import HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${token}\r\n` +
        `Content-Type: text/csv\r\nTransfer-Encoding: chunked\r\n\r\n${head.length.toString(16)}\r\n${head}\r\n`,
    );
    const pump = () => {
      while (!socket.destroyed && result.sent < total) {
        result.sent += payload.length;
        if (!socket.write(chunk)) return void socket.once('drain', pump);
      }
    };
    pump();
  });
}

/** The highest resident memory the process has had (VmHWM), in bytes. */
async function peakRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024;
}

describe('import uploads that never end (the real server, in-memory store)', () => {
  let app: AppProcess;
  let token: string;
  let peakBefore: number;
  before(async () => {
    app = await AppProcess.start({ IMPORT_MAX_BYTES: String(MAX_BYTES) });
    token = await app.token();
    peakBefore = await peakRss(app.child.pid!);
  });
  after(async () => app?.stop());

  const problem = (u: Upload) => JSON.parse(u.body) as { detail: string; read: number };

  it('when a CSV line runs on for 2 GB, then 400 names the line and the upload is cut off within megabytes', async (t) => {
    const sent = await upload(app.url, token, { head: 'product_id,product_name\r\nP-1,', fill: 'x', total: 2 * GIB });
    t.diagnostic(`sent ${(sent.sent / MIB).toFixed(1)} MiB; peak RSS ${((await peakRss(app.child.pid!)) / MIB).toFixed(1)} MiB`);
    assert.equal(sent.status, 400, sent.body || String(sent.error));
    assert.match(problem(sent).detail, /line 2 runs on for more than 16 KiB/);
    assert.ok(sent.sent < 64 * MIB, `the client sent ${Math.round(sent.sent / MIB)} MiB before its answer`);
  });

  it('when an NDJSON line runs on for 2 GB, then 400 names the line the same way', async (t) => {
    const sent = await upload(app.url, token, { head: '{"productId":"P-1","productName":"', fill: 'y', total: 2 * GIB, type: 'application/x-ndjson' });
    t.diagnostic(`sent ${(sent.sent / MIB).toFixed(1)} MiB; peak RSS ${((await peakRss(app.child.pid!)) / MIB).toFixed(1)} MiB`);
    assert.equal(sent.status, 400, sent.body || String(sent.error));
    assert.match(problem(sent).detail, /Line 1 is longer than 16 KiB/);
    assert.ok(sent.sent < 64 * MIB, `the client sent ${Math.round(sent.sent / MIB)} MiB`);
  });

  it('when the Content-Length says 2 GB, then 413 before a byte of the body is read', async (t) => {
    const sent = await upload(app.url, token, { head: '', fill: 'z', total: 2 * GIB, headers: { 'content-length': String(2 * GIB) } });
    t.diagnostic(`sent ${(sent.sent / MIB).toFixed(1)} MiB; peak RSS ${((await peakRss(app.child.pid!)) / MIB).toFixed(1)} MiB`);
    assert.equal(sent.status, 413, sent.body || String(sent.error));
    assert.ok(sent.sent < 64 * MIB, `the client sent ${Math.round(sent.sent / MIB)} MiB`);
  });

  it('when a client goes on sending after its answer, then the server stops reading, and cuts the connection a second later, megabytes in', async (t) => {
    const sent = await rudeUpload(app.url, token, 2 * GIB);
    t.diagnostic(`sent ${(sent.sent / MIB).toFixed(1)} MiB before the cut (${sent.error})`);
    assert.match(sent.body, /^HTTP\/1\.1 400 /);
    assert.ok(sent.error, 'the connection was cut');
    assert.ok(sent.sent < 64 * MIB, `the client got ${Math.round(sent.sent / MIB)} MiB out before the cut`);
  });

  it('when those uploads are over, then the peak memory grew by less than 32 MiB (first use of the parsers included) and the server still answers', async (t) => {
    const growth = (await peakRss(app.child.pid!)) - peakBefore;
    t.diagnostic(`peak RSS grew by ${(growth / MIB).toFixed(1)} MiB`);
    assert.ok(growth < 32 * MIB, `peak RSS grew by ${Math.round(growth / MIB)} MiB`);
    assert.equal((await fetch(`${app.url}/healthz`)).status, 200);
  });
  it('when a file of valid rows goes past IMPORT_MAX_BYTES, then 413 as soon as it does, and nothing is imported', async (t) => {
    let n = 0;
    // Blank lines after the rows: read and counted, but no row.
    const rows = Array.from({ length: 2000 }, () => `Q-${++n},Tea\r\n`).join('');
    const sent = await upload(app.url, token, { head: `product_id,product_name\r\n${rows}`, fill: '\n', total: 2 * GIB });
    t.diagnostic(`sent ${(sent.sent / MIB).toFixed(1)} MiB; peak RSS ${((await peakRss(app.child.pid!)) / MIB).toFixed(1)} MiB`);
    assert.equal(sent.status, 413, sent.body || String(sent.error));
    assert.match(problem(sent).detail, /larger than 4 MiB \(IMPORT_MAX_BYTES\).*Nothing was imported/);
    assert.ok(sent.sent < MAX_BYTES + 64 * MIB, `the client sent ${Math.round(sent.sent / MIB)} MiB`);
    assert.equal((await fetch(`${app.url}/api/products/Q-1`)).status, 404);
  });
});
