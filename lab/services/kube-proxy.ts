import { chainHash } from '../net/names.js';
import { comment } from '../net/iptables.js';

/**
 * Services as kube-proxy's iptables mode writes them, for one node: a ClusterIP matched in
 * KUBE-SERVICES leads to the Service's KUBE-SVC chain, which picks one ready endpoint at random
 * (`-m statistic --mode random`) and jumps to its KUBE-SEP chain, which DNATs to the pod. NodePorts
 * enter through KUBE-NODEPORTS on any local address. Connections from outside the pod network are
 * marked and masqueraded on the way out, so replies come back through the node that DNATed them.
 * A Service port without ready endpoints is rejected in the filter table.
 */

export interface Endpoint {
  readonly pod: string;
  readonly ip: string;
  readonly port: number;
}

export interface ServicePortView {
  readonly namespace: string;
  readonly name: string;
  readonly portName?: string;
  readonly protocol: 'TCP' | 'UDP' | 'SCTP';
  readonly clusterIP: string;
  readonly port: number;
  readonly nodePort?: number;
  /** Ready endpoints only, as the EndpointSlice controller publishes them. */
  readonly endpoints: readonly Endpoint[];
}

export const MASQUERADE_MARK = '0x4000/0x4000';

/** Chains kube-proxy owns and rewrites on every sync. */
const NAT_BASE = ['KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-MARK-MASQ'];
const FILTER_BASE = ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES'];
const PER_SERVICE = /^KUBE-(SVC|SEP|EXT)-/;

/** `namespace/name:port`, kube-proxy's name of a Service port. */
export function servicePortName(s: Pick<ServicePortView, 'namespace' | 'name' | 'portName'>): string {
  return `${s.namespace}/${s.name}${s.portName ? `:${s.portName}` : ''}`;
}

export function serviceChain(s: ServicePortView): string {
  return `KUBE-SVC-${chainHash(servicePortName(s) + s.protocol.toLowerCase())}`;
}

export function externalChain(s: ServicePortView): string {
  return `KUBE-EXT-${chainHash(servicePortName(s) + s.protocol.toLowerCase())}`;
}

export function endpointChain(s: ServicePortView, e: Endpoint): string {
  return `KUBE-SEP-${chainHash(servicePortName(s) + s.protocol.toLowerCase() + `${e.ip}:${e.port}`)}`;
}

export interface RenderedServices {
  /** iptables-restore input for the nat and filter tables, to apply with `--noflush`. */
  readonly text: string;
}

/**
 * The rules for every Service port; `existing` lists the chains of the previous sync in the nat
 * table, so those no longer needed are flushed and deleted.
 */
export function renderServices(
  services: readonly ServicePortView[],
  clusterCidr: string,
  existing: readonly string[] = [],
): RenderedServices {
  const nat = new Map<string, string[]>(NAT_BASE.map((c) => [c, []]));
  const filter = new Map<string, string[]>(FILTER_BASE.map((c) => [c, []]));
  const add = (table: Map<string, string[]>, chain: string, rule: string) => {
    if (!table.has(chain)) table.set(chain, []);
    table.get(chain)!.push(`-A ${chain} ${rule}`);
  };

  add(nat, 'KUBE-MARK-MASQ', `-j MARK --or-mark ${MASQUERADE_MARK.split('/')[0]}`);
  add(nat, 'KUBE-POSTROUTING', `-m mark ! --mark ${MASQUERADE_MARK} -j RETURN`);
  add(nat, 'KUBE-POSTROUTING', `-j MARK --xor-mark ${MASQUERADE_MARK.split('/')[0]}`);
  add(nat, 'KUBE-POSTROUTING', `${comment('kubernetes service traffic requiring SNAT')} -j MASQUERADE --random-fully`);

  for (const s of services) {
    const name = servicePortName(s);
    const proto = s.protocol.toLowerCase();
    const match = `-p ${proto} -m ${proto} --dport ${s.port}`;
    if (s.endpoints.length === 0) {
      add(filter, 'KUBE-SERVICES', `-d ${s.clusterIP}/32 ${match} ${comment(`${name} has no endpoints`)} -j REJECT --reject-with icmp-port-unreachable`);
      if (s.nodePort !== undefined) {
        add(filter, 'KUBE-EXTERNAL-SERVICES', `-m addrtype --dst-type LOCAL -p ${proto} -m ${proto} --dport ${s.nodePort} ${comment(`${name} has no endpoints`)} -j REJECT --reject-with icmp-port-unreachable`);
      }
      continue;
    }
    const svc = serviceChain(s);
    add(nat, 'KUBE-SERVICES', `-d ${s.clusterIP}/32 ${match} ${comment(`${name} cluster IP`)} -j ${svc}`);
    add(nat, svc, `! -s ${clusterCidr} -d ${s.clusterIP}/32 ${match} ${comment(`${name} cluster IP`)} -j KUBE-MARK-MASQ`);
    s.endpoints.forEach((e, i) => {
      const sep = endpointChain(s, e);
      const remaining = s.endpoints.length - i;
      const pick = remaining > 1 ? `-m statistic --mode random --probability ${(1 / remaining).toFixed(11)} ` : '';
      add(nat, svc, `${comment(`${name} -> ${e.ip}:${e.port}`)} ${pick}-j ${sep}`);
      add(nat, sep, `-s ${e.ip}/32 ${comment(name)} -j KUBE-MARK-MASQ`);
      add(nat, sep, `-p ${proto} ${comment(name)} -m ${proto} -j DNAT --to-destination ${e.ip}:${e.port}`);
    });
    if (s.nodePort !== undefined) {
      const ext = externalChain(s);
      add(nat, 'KUBE-NODEPORTS', `-p ${proto} ${comment(name)} -m ${proto} --dport ${s.nodePort} -j ${ext}`);
      add(nat, ext, `${comment('masquerade traffic for ' + name + ' external destinations')} -j KUBE-MARK-MASQ`);
      add(nat, ext, `-j ${svc}`);
    }
  }
  add(nat, 'KUBE-SERVICES', `${comment('kubernetes service nodeports; NOTE: this must be the last rule in this chain')} -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS`);

  const stale = existing.filter((c) => PER_SERVICE.test(c) && !nat.has(c));
  const lines = [
    '*nat',
    ...[...nat.keys(), ...stale].map((c) => `:${c} - [0:0]`),
    ...[...nat.values()].flat(),
    ...stale.map((c) => `-X ${c}`),
    'COMMIT',
    '*filter',
    ...[...filter.keys()].map((c) => `:${c} - [0:0]`),
    ...[...filter.values()].flat(),
    'COMMIT',
    '',
  ];
  return { text: lines.join('\n') };
}

/** The jumps from the built-in chains into kube-proxy's and the policy plugin's, made once per node. */
export const BASE_JUMPS = [
  '*nat',
  ':KUBE-SERVICES - [0:0]',
  ':KUBE-POSTROUTING - [0:0]',
  `-A PREROUTING ${comment('kubernetes service portals')} -j KUBE-SERVICES`,
  `-A OUTPUT ${comment('kubernetes service portals')} -j KUBE-SERVICES`,
  `-A POSTROUTING ${comment('kubernetes postrouting rules')} -j KUBE-POSTROUTING`,
  'COMMIT',
  '*filter',
  ':KUBE-SERVICES - [0:0]',
  ':KUBE-EXTERNAL-SERVICES - [0:0]',
  ':NPC - [0:0]',
  `-A FORWARD ${comment('network policy (as a policy plugin writes it)')} -j NPC`,
  `-A FORWARD -m conntrack --ctstate NEW ${comment('kubernetes service portals')} -j KUBE-SERVICES`,
  `-A FORWARD -m conntrack --ctstate NEW ${comment('kubernetes externally-visible service portals')} -j KUBE-EXTERNAL-SERVICES`,
  `-A INPUT -m conntrack --ctstate NEW ${comment('kubernetes externally-visible service portals')} -j KUBE-EXTERNAL-SERVICES`,
  `-A OUTPUT -m conntrack --ctstate NEW ${comment('kubernetes service portals')} -j KUBE-SERVICES`,
  'COMMIT',
  '',
].join('\n');
