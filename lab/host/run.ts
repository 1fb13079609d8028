import { execFile, type ExecFileOptions } from 'node:child_process';

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export class CommandError extends Error {
  constructor(readonly argv: readonly string[], readonly result: RunResult) {
    super(`\`${argv.join(' ')}\` exited with ${result.code}: ${(result.stderr || result.stdout).trim()}`);
    this.name = 'CommandError';
  }
}

interface RunOptions {
  /** Written to the command's standard input. */
  readonly input?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Resolve with the result instead of throwing when the command fails. */
  readonly allowFailure?: boolean;
  readonly timeoutMs?: number;
  readonly cwd?: string;
}

/** Runs a command (no shell) and returns its output; throws a CommandError when it fails. */
export function run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const [file, ...args] = argv as [string, ...string[]];
  const execOptions: ExecFileOptions = {
    env: options.env ?? process.env,
    maxBuffer: 64 * 1024 * 1024,
    timeout: options.timeoutMs ?? 120_000,
    cwd: options.cwd,
    encoding: 'utf8',
  };
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, execOptions, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      const result = { code, stdout: String(stdout), stderr: String(stderr) };
      if (error && (error as { code?: unknown }).code === 'ENOENT') {
        reject(new Error(`${file} is not installed (or not on PATH)`));
      } else if (code !== 0 && !options.allowFailure) {
        reject(new CommandError(argv, result));
      } else {
        resolve(result);
      }
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Runs a command inside a named network namespace (`ip netns exec`). */
export function inNetns(netns: string, argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return run(['ip', 'netns', 'exec', netns, ...argv], options);
}
