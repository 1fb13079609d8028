import { ConfigError, loadConfig } from '../web/config.js';
import { Database } from '../web/mysql/database.js';
import { createLogger } from '../web/ops/logger.js';

const GIVE_UP_SECONDS = 60;

/** `npm run migrate`: apply pending migrations to the configured database, then exit. */
async function main(): Promise<number> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    return 78;
  }
  if (!config.mysql) {
    console.error('MYSQL_HOST is not set: there is no database to migrate.');
    return 78;
  }
  const logger = createLogger(config.logLevel);
  const database = new Database(config.mysql, logger);
  const giveUp = setTimeout(() => {
    logger.error(`gave up after ${GIVE_UP_SECONDS} s: the database did not become ready`);
    process.exit(1);
  }, GIVE_UP_SECONDS * 1000);
  // The same path as the server: create the database if missing, lock, migrate, retrying meanwhile.
  await database.start();
  clearTimeout(giveUp);
  await database.close();
  return 0;
}

process.exitCode = await main();
