import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { CLUSTER, LAB_PREFIX, REPO_ROOT, STATE_DIR } from '../../lab/cluster/plan.js';
import { unavailableReason } from '../../lab/host/platform.js';
import { DATABASE_SERVICE_NAME, MYSQL_PORT } from '../../web/defaults.js';

/**
 * The network lab end to end, as root on Linux: up, check, one trace, down, and nothing of it
 * left on the host, which it must never have touched. Skipped with the reason elsewhere, never
 * under CI.
 */

const exec = promisify(execFile);
const reason = unavailableReason();
if (reason && process.env.CI) throw new Error(`the network lab test cannot be skipped under CI: ${reason}`);
if (reason) console.warn(`*** network lab test skipped: ${reason} ***`);

async function lab(...args: string[]): Promise<{ code: number; output: string; seconds: number }> {
  const started = Date.now();
  try {
    const { stdout, stderr } = await exec(process.execPath, ['--import', 'tsx', 'lab/cli.ts', ...args], { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024, timeout: 600_000 });
    return { code: 0, output: stdout + stderr, seconds: (Date.now() - started) / 1000 };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, output: `${e.stdout ?? ''}${e.stderr ?? ''}`, seconds: (Date.now() - started) / 1000 };
  }
}

async function sh(argv: string[]): Promise<string> {
  return (await exec(argv[0]!, argv.slice(1))).stdout;
}

/** What of the host's own network the lab could have changed. */
async function hostNetwork() {
  const links = JSON.parse(await sh(['ip', '-j', '-d', 'link', 'show'])) as { ifname: string; link_netnsid?: number }[];
  return {
    netns: (await sh(['ip', 'netns', 'list'])).split('\n').filter((l) => l.startsWith(LAB_PREFIX)),
    peeredLinks: links.filter((l) => l.link_netnsid !== undefined).map((l) => l.ifname).sort(),
    linkNames: links.map((l) => l.ifname),
    addresses: await sh(['ip', '-4', 'addr', 'show']),
    routes: await sh(['ip', '-4', 'route', 'show', 'table', 'all']),
    iptables: await sh(['iptables-save']),
    sysctls: await sh(['sysctl', 'net.ipv4.ip_forward', 'net.bridge.bridge-nf-call-iptables', 'net.bridge.bridge-nf-call-arptables']),
  };
}

const LAB_MARKERS = [LAB_PREFIX, CLUSTER.bridge, CLUSTER.vxlan.device, '10.244.', '10.96.', '192.168.49.', 'KUBE-', 'NPC'];

function assertUntouched(snapshot: Awaited<ReturnType<typeof hostNetwork>>, baseline: Awaited<ReturnType<typeof hostNetwork>>, when: string): void {
  assert.deepEqual(snapshot.peeredLinks, baseline.peeredLinks, `${when}: no host link has a peer in another namespace that it did not have before`);
  assert.equal(snapshot.sysctls, baseline.sysctls, `${when}: the host's forwarding and br_netfilter settings are unchanged`);
  for (const marker of LAB_MARKERS) {
    for (const [what, text] of [['links', snapshot.linkNames.join('\n')], ['addresses', snapshot.addresses], ['routes', snapshot.routes], ['iptables', snapshot.iptables]] as const) {
      if (!baseline[what === 'links' ? 'linkNames' : what].includes(marker)) {
        assert.ok(!text.includes(marker), `${when}: the host's ${what} mention ${marker}`);
      }
    }
  }
}

describe('network lab (root, Linux)', { skip: reason }, () => {
  let baseline: Awaited<ReturnType<typeof hostNetwork>>;
  const timings: string[] = [];

  before(async () => {
    await lab('down');
    baseline = await hostNetwork();
  });

  after(async () => {
    await lab('down');
    if (timings.length) console.log(`network lab timings: ${timings.join(', ')}`);
  });

  it('when the lab is brought up from the manifests, then every pod gets ready and the host network is untouched', { timeout: 600_000 }, async () => {
    const up = await lab('up');
    timings.push(`up ${up.seconds.toFixed(1)} s`);
    assert.equal(up.code, 0, up.output);
    assert.match(up.output, /the lab is up/);
    const status = await lab('status');
    assert.equal(status.code, 0, status.output);
    assert.doesNotMatch(status.output, /not ready|exited/, status.output);
    assertUntouched(await hostNetwork(), baseline, 'while the lab is up');
  });

  it('when check runs, then every row passes: NodePorts, the database by name, DNS, refusals, grants, enforcement', { timeout: 300_000 }, async () => {
    const check = await lab('check');
    timings.push(`check ${check.seconds.toFixed(1)} s`);
    assert.equal(check.code, 0, check.output);
    assert.match(check.output, / passed, 0 failed/);
    assert.match(check.output, /removed/);
  });

  it('when a web pod\'s connection to the database Service is traced, then the walk shows DNS, the DNAT, the policy rules and the delivery', { timeout: 120_000 }, async () => {
    const trace = await lab('trace', 'web-1', `${DATABASE_SERVICE_NAME}:${MYSQL_PORT}`);
    timings.push(`trace ${trace.seconds.toFixed(1)} s`);
    assert.equal(trace.code, 0, trace.output);
    for (const expected of [/getaddrinfo\("webapp-sql1"\) = 10\.96\./, /DNAT .* to:10\.244\.\d+\.\d+:3306/, /web-egress rule 1/, /database-ingress rule 1/, /connected to 10\.96\./]) {
      assert.match(trace.output, expected);
    }
  });

  it('when the lab is brought down, then no namespace, link, rule, file or setting of it is left, and down again is a no-op', { timeout: 120_000 }, async () => {
    const down = await lab('down');
    timings.push(`down ${down.seconds.toFixed(1)} s`);
    assert.equal(down.code, 0, down.output);
    const now = await hostNetwork();
    assert.deepEqual(now.netns, []);
    assert.equal(existsSync(STATE_DIR), false);
    assertUntouched(now, baseline, 'after down');
    const again = await lab('down');
    assert.equal(again.code, 0, again.output);
    assert.match(again.output, /no lab to remove/);
  });
});
