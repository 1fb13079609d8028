import { createRequire } from 'node:module';
import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/** JSON logs for machines; pretty lines when a person watches a terminal and pino-pretty is installed. */
export function createLogger(level: LoggerOptions['level'], pretty = process.stdout.isTTY): Logger {
  const options: LoggerOptions = { level, base: { service: 'product-catalog' } };
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
