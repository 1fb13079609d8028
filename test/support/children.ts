import type { ChildProcess } from 'node:child_process';

const alive = new Set<ChildProcess>();
let hooked = false;

/**
 * Kills `child` with SIGKILL if the test process exits while it still runs, so a failed or
 * interrupted test never leaves a database or app server behind. Tests still stop their
 * children in `after`; this is the backstop.
 */
export function killOnExit(child: ChildProcess): void {
  alive.add(child);
  child.once('exit', () => alive.delete(child));
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    for (const c of alive) c.kill('SIGKILL');
  });
}
