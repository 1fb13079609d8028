import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { CLUSTER, LAB_PREFIX, NETNS, type NodePlan, STATE_DIR } from '../cluster/plan.js';
import { inNetns } from '../host/run.js';

/**
 * Pod networking through the real CNI plugins, called the way a kubelet's container runtime calls
 * them: the plugin binary runs in the node's namespace with CNI_COMMAND, CNI_CONTAINERID,
 * CNI_NETNS, CNI_IFNAME and CNI_PATH in its environment and the network configuration on stdin,
 * and answers with a JSON result. `bridge` makes cbr0 and the veth pair, `host-local` hands out
 * the address from the node's pod range, `loopback` brings up lo.
 */

export const CNI_PATH = process.env.LAB_CNI_PATH ?? '/usr/lib/cni';

const CNI_VERSION = '1.0.0';

/** The network configuration of a node's pod network. */
export function bridgeConfig(node: NodePlan): object {
  return {
    cniVersion: CNI_VERSION,
    name: `${LAB_PREFIX}pods`,
    type: 'bridge',
    bridge: CLUSTER.bridge,
    isGateway: true,
    ipMasq: false,
    hairpinMode: true,
    mtu: CLUSTER.podMtu,
    ipam: {
      type: 'host-local',
      ranges: [[{ subnet: node.podCidr }]],
      routes: [{ dst: '0.0.0.0/0' }],
      // The leases live in the lab's state dir, not in /var/lib/cni.
      dataDir: path.join(STATE_DIR, 'cni', node.name),
    },
  };
}

const LOOPBACK_CONFIG = { cniVersion: CNI_VERSION, name: 'loopback', type: 'loopback' };

interface CniResult {
  interfaces?: { name: string; mac: string; sandbox?: string }[];
  ips?: { address: string; interface?: number }[];
}

export interface Attachment {
  readonly ip: string;
  readonly mac: string;
  readonly hostVeth: string;
  /** The plugin's answer, as it printed it. */
  readonly result: string;
}

async function callPlugin(command: 'ADD' | 'DEL', node: NodePlan, pod: string, ifname: string, config: { type: string }): Promise<string> {
  const env = {
    PATH: process.env.PATH,
    CNI_COMMAND: command,
    CNI_CONTAINERID: `${LAB_PREFIX}${pod}`,
    CNI_NETNS: `/run/netns/${NETNS.pod(pod)}`,
    CNI_IFNAME: ifname,
    CNI_PATH,
  };
  const { stdout } = await inNetns(NETNS.node(node.name), [path.join(CNI_PATH, config.type)], {
    env,
    input: JSON.stringify(config),
  });
  return stdout;
}

/** CNI ADD for a pod's namespace on its node: lo, then eth0 on cbr0. */
export async function attachPod(node: NodePlan, pod: string): Promise<Attachment> {
  mkdirSync(path.join(STATE_DIR, 'cni', node.name), { recursive: true });
  await callPlugin('ADD', node, pod, 'lo', LOOPBACK_CONFIG);
  const output = await callPlugin('ADD', node, pod, 'eth0', bridgeConfig(node) as { type: string });
  const result = JSON.parse(output) as CniResult;
  const podInterface = result.interfaces?.find((i) => i.sandbox);
  const hostVeth = result.interfaces?.find((i) => !i.sandbox && i.name !== CLUSTER.bridge);
  const ip = result.ips?.[0]?.address.split('/')[0];
  if (!podInterface || !hostVeth || !ip) throw new Error(`the bridge plugin's result lacks an interface or address: ${output}`);
  return { ip, mac: podInterface.mac, hostVeth: hostVeth.name, result: output };
}

/** CNI DEL: releases the address and removes the veth pair. */
export async function detachPod(node: NodePlan, pod: string): Promise<void> {
  await callPlugin('DEL', node, pod, 'eth0', bridgeConfig(node) as { type: string });
  await callPlugin('DEL', node, pod, 'lo', LOOPBACK_CONFIG);
}
