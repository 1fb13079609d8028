import { existsSync } from 'node:fs';
import path from 'node:path';
import { CNI_PATH } from '../net/cni.js';

/** sysexits' EX_UNAVAILABLE: the lab cannot run here. */
export const EXIT_UNAVAILABLE = 69;

/** Why the lab cannot run on this machine, or undefined when it can. */
export function unavailableReason(): string | undefined {
  if (process.platform !== 'linux') {
    return `the network lab needs Linux (network namespaces, veth, VXLAN, iptables); this is ${process.platform}`;
  }
  if (process.getuid?.() !== 0) {
    return 'the network lab needs root to create network namespaces: run `sudo npm run lab -- <command>`';
  }
  const missing = requiredTools().filter((tool) => !existsSync(tool.path)).map((tool) => `${tool.path} (Debian package ${tool.debian})`);
  if (missing.length > 0) return `the network lab needs: ${missing.join(', ')}`;
  return undefined;
}

function requiredTools(): { path: string; debian: string }[] {
  return [
    ...['bridge', 'host-local', 'loopback'].map((p) => ({ path: path.join(CNI_PATH, p), debian: 'containernetworking-plugins' })),
    { path: '/usr/sbin/ip', debian: 'iproute2' },
    { path: '/usr/sbin/bridge', debian: 'iproute2' },
    { path: '/usr/sbin/iptables', debian: 'iptables' },
    { path: '/usr/sbin/iptables-restore', debian: 'iptables' },
    { path: '/usr/sbin/conntrack', debian: 'conntrack' },
    { path: '/usr/bin/nsenter', debian: 'util-linux' },
    { path: '/usr/bin/unshare', debian: 'util-linux' },
    { path: '/usr/bin/setpriv', debian: 'util-linux' },
    { path: '/usr/sbin/mariadbd', debian: 'mariadb-server' },
    { path: '/usr/bin/mariadb-install-db', debian: 'mariadb-server' },
    { path: '/usr/bin/mariadb', debian: 'mariadb-client' },
  ];
}
