import { once } from 'node:events';
import type { Server } from 'node:http';
import { createApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { Database, type Readiness } from './mysql/database.js';
import { createHttpServer } from './http/http-server.js';
import { createLogger, type Logger } from './ops/logger.js';
import { Metrics } from './ops/metrics.js';
import { MemoryProductStore } from './catalog/memory-store.js';

function storeFor(config: Config, logger: Logger) {
  if (!config.mysql) {
    logger.warn('MYSQL_HOST is not set: products are kept in memory and are lost when the app stops.');
    const ready = async (): Promise<Readiness> => ({ ready: true });
    return { store: new MemoryProductStore(), readiness: ready, database: undefined };
  }
  const database = new Database(config.mysql, logger);
  void database.start();
  return { store: database.store, readiness: () => database.readiness(), database };
}

async function main() {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(78); // EX_CONFIG
  }
  const logger = createLogger(config.logLevel);
  if (config.csrfSecretGenerated) {
    logger.info('CSRF_SECRET is not set: using a random one, so forms work only against this one process.');
  }
  const { store, readiness, database } = storeFor(config, logger);
  let stopping = false;
  const app = createApp({
    store,
    storage: database ? 'mysql' : 'memory',
    readiness: async () => (stopping ? { ready: false, reason: 'Shutting down.' } : readiness()),
    logger,
    csrfSecret: config.csrfSecret,
    metrics: new Metrics(database && (() => database.poolStats())),
    trustProxy: config.trustProxy,
    writeRateLimitPerMinute: config.writeRateLimitPerMinute,
  });

  const server: Server = createHttpServer(app).listen(config.port);
  await once(server, 'listening');
  // Once stopping, tell keep-alive clients to reconnect (to another replica) after this response.
  server.on('request', (_req, res) => {
    if (stopping && !res.headersSent) res.setHeader('Connection', 'close');
  });
  logger.info({ port: config.port, storage: database ? 'mysql' : 'memory' }, `listening on http://localhost:${config.port}`);

  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, graceMs: config.shutdownGraceMs }, 'shutting down: finishing in-flight requests');
    const deadline = setTimeout(() => {
      logger.warn('grace period over: closing the connections still open');
      server.closeAllConnections();
    }, config.shutdownGraceMs);
    deadline.unref();
    // server.close takes a callback; it stops accepting, closes idle keep-alive sockets, and waits for the rest.
    await new Promise<void>((resolve) => server.close(() => resolve()));
    clearTimeout(deadline);
    await database?.close();
    logger.info('stopped');
    logger.flush();
    process.exitCode = 0;
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, (s) => void shutdown(s));
}

await main();
