import { lookup } from 'node:dns/promises';
import { chmodSync, rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Task, TaskResult } from './protocol.js';
import { spliceServer } from './splice.js';

/**
 * The lab's hands inside its namespaces, started there with `ip netns exec` or `nsenter`:
 *   serve PORT                  a TCP server that greets and closes (the stranger pod's workload)
 *   probe TASKS.json            run connection tasks, print their results as JSON
 *   relay SOCKET HOST PORT      accept on a Unix socket, connect to HOST:PORT from this namespace
 * Names resolve through this namespace's resolv.conf (glibc's getaddrinfo), as the app's do.
 */

async function tcp(task: Extract<Task, { kind: 'tcp' }>): Promise<TaskResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = connect({ host: task.host, port: task.port, family: 4 });
    let localPort: number | undefined;
    let remote: string | undefined;
    let banner = '';
    const finish = (result: Omit<TaskResult, 'ms' | 'localPort' | 'remote'>) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...result, localPort, remote, ms: Date.now() - started });
    };
    const timer = setTimeout(() => finish({ ok: false, error: 'ETIMEDOUT' }), task.timeoutMs ?? 3000);
    socket.on('connect', () => {
      localPort = socket.localPort;
      remote = `${socket.remoteAddress}:${socket.remotePort}`;
      if (task.send) socket.write(task.send);
      // Wait briefly for a greeting: MySQL speaks first.
      setTimeout(() => finish({ ok: true, banner }), 400);
    });
    socket.on('data', (chunk: Buffer) => {
      banner += chunk.toString('latin1').replace(/[^\x20-\x7e]+/g, ' ');
    });
    socket.on('error', (error: NodeJS.ErrnoException) => finish({ ok: false, error: error.code ?? error.message }));
  });
}

async function http(task: Extract<Task, { kind: 'http' }>): Promise<TaskResult> {
  const started = Date.now();
  const deadline = started + (task.retryForMs ?? 0);
  for (;;) {
    const result = await httpOnce(task);
    const good = result.status !== undefined && result.status < 400;
    if (good || Date.now() >= deadline) return { ...result, ok: good, ms: Date.now() - started };
    await sleep(500);
  }
}

/** HTTP/1.1 over a plain socket, so the local port of the connection is known for `trace`. */
function httpOnce(task: Extract<Task, { kind: 'http' }>): Promise<Omit<TaskResult, 'ms'>> {
  const url = new URL(task.url);
  return new Promise((resolve) => {
    const socket: Socket = connect({ host: url.hostname, port: Number(url.port || 80), family: 4 });
    let response = '';
    let localPort: number | undefined;
    const finish = (result: Omit<TaskResult, 'ms' | 'localPort'>) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...result, localPort });
    };
    const timer = setTimeout(() => finish({ ok: false, error: 'ETIMEDOUT' }), task.timeoutMs ?? 3000);
    socket.on('connect', () => {
      localPort = socket.localPort;
      const body = task.body ?? '';
      const headers = {
        host: url.host,
        connection: 'close',
        ...(body && { 'content-length': String(Buffer.byteLength(body)) }),
        ...task.headers,
      };
      socket.write(`${task.method ?? 'GET'} ${url.pathname}${url.search} HTTP/1.1\r\n`
        + Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('') + `\r\n${body}`);
    });
    socket.on('data', (chunk: Buffer) => {
      response += chunk.toString('utf8');
    });
    socket.on('end', () => {
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(response)?.[1]);
      const body = response.slice(response.indexOf('\r\n\r\n') + 4);
      finish(Number.isNaN(status) ? { ok: false, error: 'bad HTTP response' } : { ok: true, status, body: body.slice(0, 20_000) });
    });
    socket.on('error', (error: NodeJS.ErrnoException) => finish({ ok: false, error: error.code ?? error.message }));
  });
}

async function dns(task: Extract<Task, { kind: 'dns' }>): Promise<TaskResult> {
  const started = Date.now();
  try {
    const found = await lookup(task.name, { all: true, family: 4 });
    return { ok: true, addresses: found.map((a) => a.address), ms: Date.now() - started };
  } catch (error) {
    return { ok: false, error: (error as NodeJS.ErrnoException).code ?? String(error), ms: Date.now() - started };
  }
}

async function probe(tasks: readonly Task[]): Promise<TaskResult[]> {
  const results: TaskResult[] = [];
  for (const task of tasks) {
    results.push(task.kind === 'tcp' ? await tcp(task) : task.kind === 'http' ? await http(task) : await dns(task));
  }
  return results;
}

function serve(port: number): void {
  const server = createServer((socket) => socket.end(`hello from ${process.env.HOSTNAME ?? 'the lab'}\n`));
  server.listen(port, '0.0.0.0', () => console.log(`serving on port ${port}`));
  process.on('SIGTERM', () => process.exit(0));
}

function relay(socketPath: string, host: string, port: number): void {
  rmSync(socketPath, { force: true });
  const server = spliceServer({ host, port });
  server.listen(socketPath, () => {
    chmodSync(socketPath, 0o600);
    console.log(`relaying ${socketPath} to ${host}:${port}`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'serve') {
  serve(Number(args[0]));
} else if (mode === 'probe') {
  process.stdout.write(JSON.stringify(await probe(JSON.parse(args[0]!) as Task[])) + '\n');
} else if (mode === 'relay') {
  relay(args[0]!, args[1]!, Number(args[2]));
} else {
  console.error('usage: agent.ts serve PORT | probe TASKS_JSON | relay SOCKET HOST PORT');
  process.exit(64);
}
