import { REPO_ROOT } from '../cluster/plan.js';
import { run } from '../host/run.js';
import { type Command, containerPath, inPod, ROOT } from '../pods/containers.js';
import { LAB_PROGRAM_ENV } from '../pods/images.js';
import type { Task, TaskResult } from './protocol.js';

/** Where the agent runs: a node's or the client's namespace, or inside a pod (its sandbox). */
export type Place = { readonly netns: string } | { readonly sandboxPid: number };

const AGENT = ['node', '--import', 'tsx', 'lab/agent/main.ts'];

/** What starts the agent in `place` with these arguments. */
export function agentCommand(place: Place, args: readonly string[]): Command {
  const env = { ...LAB_PROGRAM_ENV, PATH: containerPath() };
  if ('netns' in place) return { argv: ['/usr/sbin/ip', 'netns', 'exec', place.netns, ...AGENT, ...args], env };
  return inPod(place.sandboxPid, ROOT, env, [...AGENT, ...args], REPO_ROOT);
}

/** Runs tasks with the agent in `place`, one after another. */
export async function probe(place: Place, tasks: readonly Task[]): Promise<TaskResult[]> {
  if (tasks.length === 0) return [];
  const budget = tasks.reduce((sum, t) => sum + ('retryForMs' in t ? t.retryForMs ?? 0 : 0) + ('timeoutMs' in t ? t.timeoutMs ?? 3000 : 3000), 0);
  const command = agentCommand(place, ['probe', JSON.stringify(tasks)]);
  const { stdout } = await run(command.argv, { env: command.env, cwd: REPO_ROOT, timeoutMs: budget + 15_000 });
  return JSON.parse(stdout) as TaskResult[];
}
