import { after, before } from 'node:test';
import { AppProcess } from '../../support/app-process.js';
import { appEnvFor } from './http.js';
import { DisposableMariadb } from './mariadb.js';

export interface FaultSuite {
  /** The suite's own MariaDB; valid once `before` has run. */
  readonly db: DisposableMariadb;
  /** Starts the real server against `database` on this suite's MariaDB; stopped in `after`. */
  startApp(database: string, extraEnv?: Record<string, string>): Promise<AppProcess>;
}

/**
 * Hooks for a fault suite: a disposable MariaDB (started unless `started: false`) before the
 * tests, and after them every app process killed and the server destroyed, even on failure.
 */
export function faultSuite({ started = true } = {}): FaultSuite {
  let db: DisposableMariadb | undefined;
  const apps: AppProcess[] = [];
  before(async () => {
    db = await DisposableMariadb.create();
    if (started) await db.start();
  });
  after(async () => {
    await Promise.all(apps.map((a) => a.stop()));
    await db?.destroy();
  });
  return {
    get db() {
      if (!db) throw new Error('faultSuite: the server is made in before()');
      return db;
    },
    async startApp(database, extraEnv = {}) {
      const app = await AppProcess.start(appEnvFor(this.db.port, database, extraEnv));
      apps.push(app);
      return app;
    },
  };
}
