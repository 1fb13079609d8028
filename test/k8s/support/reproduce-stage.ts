import { execSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { copyParts, contextFiles, dockerignore, ROOT, type Stage, wordsOf } from './dockerfile.js';

/** A stage rebuilt in a folder of the host, standing in for its WORKDIR. */
export interface ReproducedStage {
  readonly dir: string;
  readonly workdir: string;
  readonly env: Record<string, string>;
  readonly user: string | undefined;
  readonly cmd: string[] | undefined;
}

/** Options of {@link reproduceStage}. */
export interface ReproduceOptions {
  /** Folder to rebuild the stage in. */
  readonly dir: string;
  /** Stages already reproduced, for `COPY --from`. */
  readonly stages?: Readonly<Record<string, ReproducedStage>>;
  /**
   * Instead of running a plain `npm ci` (all dependencies, from the same lockfile), link the
   * repository's node_modules: saves a full install where only the build output matters.
   */
  readonly linkFullInstall?: boolean;
}

/**
 * Replays a stage's instructions on the host: COPY from the context (minus .dockerignore) or from
 * another reproduced stage, RUN through /bin/sh with the stage's ENV, and records USER and CMD.
 * Only what this Dockerfile uses is supported; anything else fails loudly.
 */
export function reproduceStage(stage: Stage, options: ReproduceOptions): ReproducedStage {
  const ignored = dockerignore();
  const env: Record<string, string> = {};
  let workdir: string | undefined;
  let user: string | undefined;
  let cmd: string[] | undefined;
  mkdirSync(options.dir, { recursive: true });
  chmodSync(options.dir, 0o755);
  const local = (containerPath: string) => {
    if (!workdir) throw new Error('COPY or RUN before WORKDIR');
    return path.join(options.dir, path.posix.relative(workdir, path.posix.resolve(workdir, containerPath)));
  };

  for (const instruction of stage.instructions) {
    const words = wordsOf(instruction);
    switch (instruction.getKeyword()) {
      case 'WORKDIR':
        workdir = words[0]!;
        break;
      case 'ENV':
        for (const word of words) {
          const [name, ...value] = word.split('=');
          env[name!] = value.join('=');
        }
        break;
      case 'COPY': {
        const { from, sources, destination } = copyParts(instruction);
        const target = local(destination);
        for (const source of sources) {
          if (from !== undefined) {
            const origin = options.stages?.[from];
            if (!origin) throw new Error(`COPY --from=${from}: stage not reproduced`);
            cpSync(path.join(origin.dir, path.posix.relative(origin.workdir, source)), target, { recursive: true });
            continue;
          }
          const base = destination.endsWith('/') ? path.posix.dirname(source) : source;
          for (const file of contextFiles(source, ignored)) {
            const relative = destination.endsWith('/') ? path.posix.relative(base, file) : path.posix.relative(source, file);
            const copyTo = relative === '' ? target : path.join(target, relative);
            mkdirSync(path.dirname(copyTo), { recursive: true });
            cpSync(path.join(ROOT, file), copyTo);
          }
        }
        break;
      }
      case 'RUN': {
        const script = instruction.getArgumentsContent()!;
        if (options.linkFullInstall && /^npm ci(?![^&;]*--omit)/.test(script) && !/&&|;/.test(script)) {
          symlinkSync(path.join(ROOT, 'node_modules'), local('node_modules'), 'dir');
          break;
        }
        execSync(script, {
          cwd: local('.'),
          env: { ...process.env, ...env },
          shell: '/bin/sh',
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        break;
      }
      case 'USER':
        user = words[0];
        break;
      case 'CMD':
        cmd = JSON.parse(instruction.getArgumentsContent()!) as string[];
        break;
      case 'EXPOSE':
        break;
      default:
        throw new Error(`reproduceStage does not support ${instruction.getKeyword()}`);
    }
  }
  if (!workdir) throw new Error('stage without WORKDIR');
  return { dir: options.dir, workdir, env, user, cmd };
}
