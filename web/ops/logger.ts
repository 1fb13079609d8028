import cluster from 'node:cluster';
import { createRequire } from 'node:module';
import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/** JSON logs for machines; pretty lines when a person watches a terminal and pino-pretty is installed. */
export function createLogger(level: LoggerOptions['level'], pretty = process.stdout.isTTY): Logger {
  // Lines from cluster workers (WEB_CONCURRENCY > 1) say which worker wrote them.
  const base = { service: 'product-catalog', ...(cluster.isWorker && { worker: cluster.worker!.id }) };
  const options: LoggerOptions = { level, base };
  if (pretty && hasPinoPretty()) {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } } });
  }
  return pino(options);
}

function hasPinoPretty(): boolean {
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
    return true;
  } catch {
    return false; // a production install leaves dev dependencies out
  }
}
