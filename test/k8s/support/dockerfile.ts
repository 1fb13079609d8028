import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { type Copy, DockerfileParser, type From, type Instruction } from 'dockerfile-ast';

/** The repository root: the Docker build context. */
export const ROOT = path.resolve(import.meta.dirname, '../../..');

/** One stage of the Dockerfile: its FROM and the instructions after it. */
export interface Stage {
  readonly name: string | null;
  readonly from: From;
  readonly instructions: Instruction[];
}

/** The Dockerfile's stages, in order; the last one is what `docker build` produces by default. */
export function dockerfileStages(): Stage[] {
  const dockerfile = DockerfileParser.parse(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
  const stages: { name: string | null; from: From; instructions: Instruction[] }[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      const from = instruction as From;
      stages.push({ name: from.getBuildStage(), from, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

/** The exec-form CMD of the final stage, e.g. ['node', '--max-old-space-size=96', 'dist/web/server.js']. */
export function runtimeCommand(): string[] {
  const cmd = instructionsOf(dockerfileStages().at(-1)!, 'CMD').at(-1);
  if (!cmd) throw new Error('the Dockerfile has no CMD');
  return JSON.parse(cmd.getArgumentsContent()!) as string[];
}

/** The environment the final stage's ENV instructions set, e.g. { NODE_ENV: 'production' }. */
export function runtimeEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const word of instructionsOf(dockerfileStages().at(-1)!, 'ENV').flatMap(wordsOf)) {
    const [name, ...value] = word.split('=');
    env[name!] = value.join('=');
  }
  return env;
}

/** The Node.js version the image runs, from the final stage's `FROM node:<version>-<debian>-slim`. */
export function nodeVersion(): string {
  const tag = dockerfileStages().at(-1)!.from.getImageTag() ?? '';
  const version = /^(\d+\.\d+\.\d+)-/.exec(tag)?.[1];
  if (!version) throw new Error(`the final stage's FROM tag ${tag} names no Node.js version`);
  return version;
}

/** The Debian release of the base image's tag, e.g. `trixie` for `node:26.12.1-trixie-slim`. */
export function debianRelease(): string {
  const tag = dockerfileStages().at(-1)!.from.getImageTag() ?? '';
  const release = /^\d+\.\d+\.\d+-([a-z]+)-slim$/.exec(tag)?.[1];
  if (!release) throw new Error(`the final stage's FROM tag ${tag} names no Debian release`);
  return release;
}

/** The instructions of a stage with that keyword. */
export function instructionsOf(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => i.getKeyword() === keyword);
}

/** The words of an instruction, e.g. ['npm', 'ci', '--omit=dev']. */
export function wordsOf(instruction: Instruction): string[] {
  return instruction.getArguments().map((a) => a.getValue());
}

/** A COPY's `--from` stage, sources and destination. */
export function copyParts(copy: Instruction): { from: string | undefined; sources: string[]; destination: string } {
  const from = (copy as Copy).getFromFlag()?.getValue() ?? undefined;
  const words = wordsOf(copy);
  return { from, sources: words.slice(0, -1), destination: words.at(-1)! };
}

/** The `.dockerignore` rules, as a predicate on paths relative to the context. */
export function dockerignore(): (relativePath: string) => boolean {
  const rules = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const negated = line.startsWith('!');
      const pattern = path.posix.normalize((negated ? line.slice(1) : line).replace(/^\/+/, ''));
      return { negated, regex: patternRegex(pattern) };
    });
  return (relativePath) => {
    const parts = relativePath.split('/');
    let ignored = false;
    for (const rule of rules) {
      // A rule that matches a directory also matches everything below it.
      const matches = parts.some((_, index) => rule.regex.test(parts.slice(0, index + 1).join('/')));
      if (matches) {
        ignored = !rule.negated;
      }
    }
    return ignored;
  };
}

/** Docker's pattern syntax (Go filepath.Match, plus `**`) as a regular expression. */
function patternRegex(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const char = pattern[i]!;
    if (char === '*' && pattern[i + 1] === '*') {
      source += '.*';
      i += pattern[i + 2] === '/' ? 2 : 1;
      if (pattern[i] === '/') source += '/?';
    } else if (char === '*') {
      source += '[^/]*';
    } else if (char === '?') {
      source += '[^/]';
    } else {
      source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}

/** Files a COPY source sends from the context, as paths relative to the context. */
export function contextFiles(source: string, ignored: (relativePath: string) => boolean): string[] {
  const absolute = path.join(ROOT, source);
  if (!statSync(absolute).isDirectory()) {
    return ignored(source) ? [] : [source];
  }
  return readdirSync(absolute, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(ROOT, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .filter((file) => !ignored(file));
}
