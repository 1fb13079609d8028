import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Flags these machines need: crun refuses the hybrid cgroup layout, and podman's default ulimits
 * exceed the hard limits of the sandbox.
 */
const GLOBAL = ['--runtime', 'runc', '--cgroup-manager', 'cgroupfs'];
export const ULIMITS = ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];

/** Runs `podman <args>` and returns its stdout; fails with podman's stderr. */
export async function podman(args: readonly string[], timeoutMs = 600_000): Promise<string> {
  try {
    const { stdout } = await run('podman', [...GLOBAL, ...args], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const failed = error as { stderr?: string; stdout?: string; message: string };
    throw new Error(`podman ${args.join(' ')} failed: ${failed.message}\n${failed.stdout ?? ''}\n${failed.stderr ?? ''}`, { cause: error });
  }
}

/** Whether a program is on PATH. */
export function installed(program: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Why the image test cannot run here, or undefined when it can. Under CI it must run: then a
 * missing tool is an error, not a skip.
 */
export function whyImageTestCannotRun(): string | undefined {
  const missing = ['podman', 'mmdebstrap', 'runc'].filter((program) => !installed(program));
  let reason: string | undefined;
  if (process.getuid?.() !== 0) {
    reason = 'not root: podman and mmdebstrap here work as root only';
  } else if (missing.length > 0) {
    reason = `${missing.join(', ')} not installed (apt-get install podman buildah runc mmdebstrap)`;
  }
  if (reason && process.env.CI) {
    throw new Error(`CI is set but the image test cannot run: ${reason}`);
  }
  if (reason) {
    console.warn(`\n*** SKIPPING the built-image test: ${reason} ***\n`);
  }
  return reason;
}
