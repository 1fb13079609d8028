import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { agentCommand } from '../agent/client.js';
import { spliceServer } from '../agent/splice.js';
import { loadTopology } from '../cluster/load.js';
import { CLUSTER, NETNS, REPO_ROOT, STATE_DIR } from '../cluster/plan.js';
import { readState } from '../cluster/state.js';

/**
 * `forward [NODE] [--port N]`: a browser on the host reaches the NodePort of NODE (node1 by
 * default) at http://127.0.0.1:8080. The connection into the lab is opened by a relay running in
 * the lab's client namespace; the host side only listens on loopback and hands each connection to
 * the relay over a Unix socket (Unix sockets do not belong to a network namespace), so the host
 * gets no address, route or rule.
 */
export async function forward(args: readonly string[], print: (line: string) => void = console.log): Promise<number> {
  const state = readState();
  if (!state?.complete) {
    print('the lab is not up: run `npm run lab -- up` first');
    return 1;
  }
  const portFlag = args.indexOf('--port');
  const localPort = portFlag >= 0 ? Number(args[portFlag + 1]) : 8080;
  if (!Number.isInteger(localPort) || localPort < 1 || localPort > 65535) throw new Error('--port takes a port number');
  const nodeName = args.find((a, i) => !a.startsWith('--') && i !== portFlag + 1) ?? CLUSTER.nodes[0]!.name;
  const node = CLUSTER.nodes.find((n) => n.name === nodeName);
  if (!node) throw new Error(`no node ${nodeName} (${CLUSTER.nodes.map((n) => n.name).join(', ')})`);
  const service = loadTopology().services.find((s) => s.object.spec.type === 'NodePort');
  const nodePort = service?.object.spec.ports?.find((p) => p.nodePort)?.nodePort;
  if (!nodePort) throw new Error('the manifests define no NodePort Service');

  const socketPath = path.join(STATE_DIR, `forward-${localPort}.sock`);
  const command = agentCommand({ netns: NETNS.client }, ['relay', socketPath, node.ip, String(nodePort)]);
  const relay = spawn(command.argv[0]!, command.argv.slice(1), { env: command.env, cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  for (let i = 0; i < 100 && !existsSync(socketPath); i++) await sleep(100);
  if (!existsSync(socketPath)) throw new Error('the relay in the lab did not start');

  const server = spliceServer({ path: socketPath });
  server.listen(localPort, '127.0.0.1');
  await once(server, 'listening');
  print(`http://127.0.0.1:${localPort} -> ${node.name} ${node.ip}:${nodePort} (${service!.namespace}/${service!.name}), opened from the lab's client ${CLUSTER.clientIp}; Ctrl-C stops`);
  const stop = () => {
    server.close();
    relay.kill('SIGTERM');
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const [code] = await once(relay, 'exit');
  server.close();
  return code === 0 || code === null ? 0 : 1;
}
