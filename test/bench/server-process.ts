import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

const READY_TIMEOUT_MS = 60_000;

/** A server under test in its own process (tree), so its CPU and RSS are its own. */
export interface ServerProcess {
  readonly url: string;
  /** The root of its process tree (a cluster primary, apache's parent). */
  readonly pid: number;
  stop(): Promise<void>;
}

export interface ServerCommand {
  /** For messages: "the app", "the Express floor". */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly url: string;
  /** Answers 200 once the server can be measured. */
  readonly readyPath: string;
  /**
   * Run in a process group of its own: apache's prefork parent stops by signalling its whole
   * group, which would otherwise be the bench's. Killed when the bench exits.
   */
  readonly ownProcessGroup?: boolean;
}

/** Starts the server and waits until `readyPath` answers 200; its stderr shows in the bench's. */
export async function startServer(server: ServerCommand): Promise<ServerProcess> {
  const child = spawn(server.command, [...server.args], {
    env: server.env,
    cwd: server.cwd,
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: server.ownProcessGroup ?? false,
  });
  if (server.ownProcessGroup) {
    const orphaned = () => child.kill('SIGTERM');
    process.once('exit', orphaned);
    child.once('exit', () => process.off('exit', orphaned));
  }
  let stopping = false;
  let ready = false;
  let failure: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('error', (error) => {
      failure = error.message;
      resolve();
    });
    child.once('exit', (code, signal) => {
      failure ??= `exited with code ${code}, signal ${signal}`;
      // A crash mid-run shows as errors in the table; say why here.
      if (ready && !stopping) console.error(`${server.name} ${failure} during the run`);
      resolve();
    });
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (failure) throw new Error(`${server.name} ${failure} before it was ready`);
    ready = await fetch(`${server.url}${server.readyPath}`).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${server.name} was not ready within ${READY_TIMEOUT_MS / 1000} s`);
    }
    await sleep(100);
  }
  return {
    url: server.url,
    pid: child.pid!,
    async stop() {
      stopping = true;
      child.kill('SIGTERM');
      await exited;
    },
  };
}
