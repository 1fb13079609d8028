import { once } from 'node:events';
import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { createApp } from './app.js';
import { checkNewPassword } from './auth/credentials-rules.js';
import { ensureFirstAdmin } from './auth/first-admin.js';
import { RelyingParty } from './auth/oidc/relying-party.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createHttpServer } from './http/http-server.js';
import { startSweeps } from './maintenance.js';
import { Database, type Readiness } from './mysql/database.js';
import { createLogger, type Logger } from './ops/logger.js';
import { Metrics } from './ops/metrics.js';
import { memoryStores, type Stores } from './stores.js';
import { isClusterPrimary, joinCluster, runPrimary } from './cluster.js';

function storesFor(config: Config, logger: Logger) {
  if (!config.mysql) {
    logger.warn('MYSQL_HOST is not set: products and accounts are kept in memory and are lost when the app stops.');
    const ready = async (): Promise<Readiness> => ({ ready: true });
    return { stores: memoryStores(), readiness: ready, database: undefined };
  }
  const database = new Database(config.mysql, logger);
  return { stores: database.stores, readiness: () => database.readiness(), database };
}

/** Exits with EX_CONFIG (78) and the reason, before anything is served. */
function refuse(message: string): never {
  console.error(message);
  process.exit(78);
}

/** Once the database is migrated, makes sure an admin exists, retrying while the database is away. */
async function firstAdmin(stores: Stores, config: Config, ready: Promise<void>, logger: Logger, stop: AbortSignal) {
  await ready;
  for (let delay = 500; !stop.aborted; delay = Math.min(delay * 2, 10_000)) {
    try {
      await ensureFirstAdmin(stores.users, { ...config.admin, signInUrl: `http://localhost:${config.port}/login` }, logger);
      await checkBreakGlass(stores, config, logger);
      return;
    } catch (error) {
      logger.warn({ err: error, retryInMs: delay }, 'could not check for an admin account yet');
      await sleep(delay, undefined, { signal: stop }).catch(() => undefined);
    }
  }
}

/** With LOCAL_LOGIN=false the break-glass account is the way in while the provider is down: say when it cannot be. */
async function checkBreakGlass(stores: Stores, config: Config, logger: Logger) {
  const { enabled, breakGlassUser } = config.signIn.localLogin;
  if (enabled) return;
  const user = breakGlassUser === undefined ? undefined : await stores.users.find(breakGlassUser);
  if (!user || user.role !== 'admin' || user.disabled || !user.passwordHash) {
    logger.warn(
      { breakGlassUser: breakGlassUser ?? null },
      'LOCAL_LOGIN=false and no usable break-glass admin (LOCAL_LOGIN_BREAK_GLASS_USER names no enabled admin with a password): ' +
        'nobody can sign in while the identity provider is unreachable',
    );
  }
}

async function main() {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    refuse(error.message);
  }
  if (config.admin.password !== undefined) {
    const checked = await checkNewPassword(config.admin.password, config.admin.username);
    if (!checked.ok) refuse(`Invalid configuration:\n  ADMIN_PASSWORD (or the file ADMIN_PASSWORD_FILE names) is refused: ${checked.error}`);
  }
  const logger = createLogger(config.logLevel);
  if (config.csrfSecretGenerated) {
    logger.info('CSRF_SECRET is not set: using a random one, so forms work only against this one process.');
  }
  // WEB_CONCURRENCY > 1: this process only forks and looks after the workers, which run the rest.
  if (isClusterPrimary(config)) return runPrimary(config, logger);
  const { stores, readiness, database } = storesFor(config, logger);
  const background = new AbortController();
  // Not ready until someone can administer the catalog (the first admin exists or was made).
  let adminChecked = false;
  void firstAdmin(stores, config, database ? database.start() : Promise.resolve(), logger, background.signal).then(() => (adminChecked = true));
  const oidcConfig = config.signIn.oidc;
  // Discovery runs in the background and retries: an unreachable provider never stops the start.
  const relyingParty = oidcConfig && new RelyingParty(oidcConfig, { logger });
  relyingParty?.start();
  const sweeps = startSweeps(stores, { sessionIdleMs: config.session.idleMs, auditRetentionDays: config.auditRetentionDays, trashRetentionDays: config.trashRetentionDays }, logger);

  let stopping = false;
  const metrics = new Metrics(database && (() => database.poolStats()));
  // In a cluster worker, /readyz and /metrics answer for all the workers.
  const member = joinCluster({
    readiness: async () => {
      if (stopping) return { ready: false, reason: 'Shutting down.' };
      const state = await readiness();
      return state.ready && !adminChecked ? { ready: false, reason: 'Checking for an admin account.' } : state;
    },
    metrics,
  });
  const app = createApp({
    stores,
    storage: database ? 'mysql' : 'memory',
    readiness: member.readiness,
    logger,
    csrfSecret: config.csrfSecret,
    metrics,
    trustProxy: config.trustProxy,
    writeRateLimitPerMinute: config.writeRateLimitPerMinute,
    importMaxBytes: config.importMaxBytes,
    publicRead: config.publicRead,
    sessionTimeouts: config.session,
    localLogin: config.signIn.localLogin,
    ...(oidcConfig && relyingParty && { oidc: { config: oidcConfig, relyingParty } }),
  });

  const server: Server = createHttpServer(app).listen(config.port);
  await once(server, 'listening');
  member.attach(server);
  // Once stopping, tell keep-alive clients to reconnect (to another replica) after this response.
  server.on('request', (_req, res) => {
    if (stopping && !res.headersSent) res.setHeader('Connection', 'close');
  });
  logger.info({ port: config.port, storage: database ? 'mysql' : 'memory' }, `listening on http://localhost:${config.port}`);

  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, graceMs: config.shutdownGraceMs }, 'shutting down: finishing in-flight requests');
    background.abort();
    sweeps.stop();
    relyingParty?.close();
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
