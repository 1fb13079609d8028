import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { parse } from 'yaml';
import { LAB_IMAGES, STRANGER_PORT } from '../cluster/addons.js';
import { REPO_ROOT, STATE_DIR } from '../cluster/plan.js';
import type { Container } from '../kube/objects.js';

/**
 * What each image of the manifests stands for in the lab, which has no container images:
 * - an image that skaffold.yaml builds from a Dockerfile runs that Dockerfile's final stage as
 *   written (its ENTRYPOINT/CMD, ENV and WORKDIR), on this checkout: WORKDIR is the repository
 *   root, where `npm run build` put dist/ and `npm ci` put node_modules/;
 * - `mysql:*` is played by MariaDB from Debian, started the way the MySQL image's entrypoint
 *   starts mysqld (see mysql-standin.ts);
 * - the lab's own images run the lab's DNS server and agent.
 */

export type Image =
  | { readonly kind: 'program'; readonly argv: readonly string[]; readonly env: Readonly<Record<string, string>>; readonly workingDir: string; readonly description: string }
  | { readonly kind: 'mysql'; readonly description: string };

const TSX = ['node', '--import', 'tsx'];

/** tsx would otherwise keep a compile cache in /tmp. */
export const LAB_PROGRAM_ENV = { TSX_DISABLE_CACHE: '1' };

/** The names the lab's DNS server answers, written by `up`. */
export const DNS_RECORDS_FILE = path.join(STATE_DIR, 'dns-records.json');

export function resolveImage(container: Container): Image {
  const repository = container.image.replace(/@.*$/, '').replace(/:[^/:]*$/, '');
  if (container.image === LAB_IMAGES.dns) {
    return program([...TSX, 'lab/dns/server.ts', DNS_RECORDS_FILE], container, LAB_PROGRAM_ENV, REPO_ROOT, 'the lab\'s DNS server (lab/dns/server.ts)');
  }
  if (container.image === LAB_IMAGES.agent) {
    const port = String(container.ports?.[0]?.containerPort ?? STRANGER_PORT);
    return program([...TSX, 'lab/agent/main.ts', 'serve', port], container, LAB_PROGRAM_ENV, REPO_ROOT, 'the lab\'s agent (lab/agent/main.ts)');
  }
  if (repository === 'mysql' || repository.endsWith('/mysql')) {
    return { kind: 'mysql', description: `MariaDB from Debian, standing in for ${container.image}` };
  }
  const dockerfile = skaffoldDockerfile(repository);
  if (dockerfile) {
    const stage = finalStage(path.join(REPO_ROOT, dockerfile));
    const entrypoint = execForm(stage, 'ENTRYPOINT');
    const cmd = execForm(stage, 'CMD');
    return program(
      // Kubernetes: `command` replaces ENTRYPOINT, `args` replaces CMD.
      [...(container.command ?? entrypoint), ...(container.args ?? (container.command ? [] : cmd))],
      { ...container, command: undefined, args: undefined },
      imageEnv(stage),
      REPO_ROOT,
      `${dockerfile}'s final stage, on this checkout's dist/ and node_modules/`,
    );
  }
  throw new Error(`the lab cannot run image ${container.image}: it is neither built by skaffold.yaml nor mysql`);
}

function program(base: readonly string[], container: Container, env: Record<string, string>, workingDir: string, description: string): Image {
  const argv = [...(container.command ?? base), ...(container.args ?? [])];
  if (argv.length === 0) throw new Error(`container ${container.name}: nothing to run`);
  return { kind: 'program', argv, env, workingDir, description };
}

function skaffoldDockerfile(repository: string): string | undefined {
  const config = parse(readFileSync(path.join(REPO_ROOT, 'skaffold.yaml'), 'utf8')) as {
    build?: { artifacts?: { image: string; context?: string; docker?: { dockerfile?: string } }[] };
  };
  const artifact = config.build?.artifacts?.find((a) => a.image === repository);
  return artifact && path.join(artifact.context ?? '.', artifact.docker?.dockerfile ?? 'Dockerfile');
}

function finalStage(file: string): Instruction[] {
  const instructions = DockerfileParser.parse(readFileSync(file, 'utf8')).getInstructions();
  const lastFrom = instructions.map((i) => i.getKeyword()).lastIndexOf('FROM');
  return instructions.slice(lastFrom + 1);
}

function execForm(stage: readonly Instruction[], keyword: string): string[] {
  const instruction = stage.filter((i) => i.getKeyword() === keyword).at(-1);
  if (!instruction) return [];
  const content = instruction.getArgumentsContent() ?? '';
  return content.trim().startsWith('[') ? (JSON.parse(content) as string[]) : ['/bin/sh', '-c', content];
}

function imageEnv(stage: readonly Instruction[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const instruction of stage.filter((i) => i.getKeyword() === 'ENV')) {
    for (const pair of instruction.getArguments().map((a) => a.getValue())) {
      const eq = pair.indexOf('=');
      if (eq > 0) env[pair.slice(0, eq)] = pair.slice(eq + 1).replace(/^"(.*)"$/, '$1');
    }
  }
  return env;
}
