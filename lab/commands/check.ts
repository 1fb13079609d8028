import { existsSync } from 'node:fs';
import path from 'node:path';
import { probe, type Place } from '../agent/client.js';
import type { Task, TaskResult } from '../agent/protocol.js';
import { loadTopology } from '../cluster/load.js';
import { CLUSTER, NETNS } from '../cluster/plan.js';
import { type LabState, readState } from '../cluster/state.js';
import type { LabPod, Topology } from '../cluster/topology.js';
import type { ConfigMap, Service } from '../kube/objects.js';
import { namespaceOf, ofKind } from '../kube/objects.js';
import { selects } from '../kube/selectors.js';
import { execInPod } from '../pods/containers.js';
import { runningPods } from '../pods/runtime.js';
import { allows, compilePolicies, isolatingPolicies, type Protocol } from '../policy/compile.js';
import { addressedPods, syncPolicies } from '../policy/sync.js';
import { elapsed, greeting, table } from '../report.js';

/**
 * The manifests' networking verified with live packets. Each row says what the manifests lead one
 * to expect (for policy rows: the compiled NetworkPolicies' verdict) and what a real connection
 * from inside the lab did.
 */

interface Row {
  readonly what: string;
  readonly expected: string;
  readonly observed: string;
  readonly pass: boolean;
}

interface Probe {
  readonly what: string;
  readonly place: Place;
  readonly task: Task;
  /** Whether the connection should get through, and why, in words. */
  readonly expect: { allowed: boolean; because: string };
  /** Extra condition on an allowed result (status code, body). */
  readonly accept?: (result: TaskResult) => string | undefined;
}

export async function check(print: (line: string) => void = console.log): Promise<number> {
  const started = Date.now();
  const state = readState();
  if (!state?.complete) {
    print('the lab is not up: run `npm run lab -- up` first');
    return 1;
  }
  const topology = loadTopology();
  const rows: Row[] = [];
  const pods = podsByName(topology);
  const sandbox = (name: string): Place => ({ sandboxPid: state.pods[name]!.sandboxPid! });
  const ipOf = (name: string) => state.pods[name]!.ip;
  const firewalls = () => compilePolicies(topology.policies, addressedPods(topology, state), topology.namespaces);
  const verdict = (fw: ReturnType<typeof firewalls>, fromIp: string, toPod: string, port: number, protocol: Protocol) => {
    const allowed = allows(fw, fromIp, ipOf(toPod), port, protocol);
    return { allowed, because: allowed ? 'allowed by the policies' : 'denied by the policies' };
  };

  const nodePortService = ofKind<Service>(topology.objects, 'Service').find((s) => s.spec.type === 'NodePort');
  const frontends = nodePortService ? selectedPods(topology, nodePortService) : [];
  const frontend = frontends[0];
  const database = frontend && databaseTarget(frontend);
  const stranger = pods.get('stranger');
  const dnsPod = topology.pods.find((p) => p.labels['k8s-app'] === 'kube-dns');
  const fw = firewalls();
  const probes: Probe[] = [];

  if (nodePortService && frontend) {
    const port = nodePortService.spec.ports!.find((p) => p.nodePort)!;
    const productId = `lab-${Date.now().toString(36)}`;
    const [first, second] = CLUSTER.nodes;
    const client: Place = { netns: NETNS.client };
    const expectWeb = verdict(fw, CLUSTER.clientIp, frontend.name, Number(port.targetPort ?? port.port), 'TCP');
    for (const node of CLUSTER.nodes) {
      probes.push({
        what: `client -> ${node.name} ${node.ip}:${port.nodePort} GET / (the page)`,
        place: client,
        task: { kind: 'http', url: `http://${node.ip}:${port.nodePort}/`, timeoutMs: 5000 },
        expect: expectWeb,
        accept: (r) => (r.status === 200 ? undefined : `status ${r.status}`),
      });
    }
    const token = await apiToken(topology, state, frontend);
    probes.push({
      what: `client -> ${first!.name} POST /api/products ${productId}${token ? ' (token from the users CLI in ' + frontend.name + ')' : ''}`,
      place: client,
      task: {
        kind: 'http', method: 'POST', url: `http://${first!.ip}:${port.nodePort}/api/products`, timeoutMs: 5000,
        headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) }, body: JSON.stringify({ productId, productName: 'Added through node1' }),
      },
      expect: expectWeb,
      accept: (r) => (r.status === 201 ? undefined : `status ${r.status}: ${r.body?.slice(0, 120)}`),
    });
    probes.push({
      what: `client -> ${second!.name} GET /api/products/${productId}`,
      place: client,
      task: { kind: 'http', url: `http://${second!.ip}:${port.nodePort}/api/products/${productId}`, timeoutMs: 5000 },
      expect: expectWeb,
      accept: (r) => (r.status === 200 && r.body?.includes(productId) ? undefined : `status ${r.status}`),
    });
  }
  for (const web of frontends) {
    if (!database) break;
    probes.push({
      what: `${web.name} -> ${database.host}:${database.port} (by name, through the Service)`,
      place: sandbox(web.name),
      task: { kind: 'tcp', host: database.host, port: database.port },
      expect: verdict(fw, ipOf(web.name), database.pod, database.targetPort, 'TCP'),
      accept: (r) => (/mysql|mariadb/i.test(r.banner ?? '') ? undefined : `no MySQL greeting (${r.banner})`),
    });
  }
  if (frontend && stranger) {
    const strangerPort = stranger.spec.containers[0]!.ports![0]!.containerPort;
    probes.push({
      what: `${frontend.name} -> stranger ${ipOf('stranger')}:${strangerPort} (not in its egress)`,
      place: sandbox(frontend.name),
      task: { kind: 'tcp', host: ipOf('stranger'), port: strangerPort },
      expect: verdict(fw, ipOf(frontend.name), 'stranger', strangerPort, 'TCP'),
    });
    const other = frontends.find((p) => p !== frontend);
    if (other) {
      const appPort = other.spec.containers[0]!.ports![0]!.containerPort;
      probes.push({
        what: `${frontend.name} -> ${other.name} ${ipOf(other.name)}:${appPort}`,
        place: sandbox(frontend.name),
        task: { kind: 'tcp', host: ipOf(other.name), port: appPort },
        expect: verdict(fw, ipOf(frontend.name), other.name, appPort, 'TCP'),
      });
    }
  }
  if (stranger && database) {
    probes.push(strangerToDatabase(database, sandbox('stranger'), verdict(fw, ipOf('stranger'), database.pod, database.targetPort, 'TCP')));
  }
  if (dnsPod && database) {
    for (const pod of topology.pods.filter((p) => (p.spec.dnsPolicy ?? 'ClusterFirst') === 'ClusterFirst')) {
      const name = pod.namespace === database.namespace ? database.host : `${database.host}.${database.namespace}`;
      probes.push({
        what: `DNS from ${pod.name}: ${name}`,
        place: sandbox(pod.name),
        task: { kind: 'dns', name },
        expect: verdict(fw, ipOf(pod.name), dnsPod.name, 53, 'UDP'),
        accept: (r) => (r.addresses?.includes(state.clusterIps[`${database.namespace}/${database.host}`]!) ? undefined : `answered ${r.addresses?.join(' ')}`),
      });
    }
  }
  rows.push(...await runAll(probes));
  if (database) rows.push(await grantsRow(topology, state, database));

  // Enforcement is real: without the policies that isolate the database, the stranger gets in.
  if (stranger && database) {
    const dbPod = addressedPods(topology, state).find((p) => p.name === database.pod)!;
    const lifted = isolatingPolicies('Ingress', dbPod, topology.policies).map((p) => `${namespaceOf(p)}/${p.metadata.name}`);
    await syncPolicies(topology, state, lifted);
    try {
      const without = compilePolicies(topology.policies.filter((p) => !lifted.includes(`${namespaceOf(p)}/${p.metadata.name}`)), addressedPods(topology, state), topology.namespaces);
      const probeWithout = strangerToDatabase(database, sandbox('stranger'), verdict(without, ipOf('stranger'), database.pod, database.targetPort, 'TCP'));
      rows.push(...await runAll([{ ...probeWithout, what: `${probeWithout.what}, with ${lifted.join(' and ')} removed` }]));
    } finally {
      await syncPolicies(topology, state);
    }
    const back = strangerToDatabase(database, sandbox('stranger'), verdict(fw, ipOf('stranger'), database.pod, database.targetPort, 'TCP'));
    rows.push(...await runAll([{ ...back, what: `${back.what}, policies put back` }]));
  }

  print(table(['check', 'expected', 'observed', ''], rows.map((r) => [r.what, r.expected, r.observed, r.pass ? 'ok' : 'FAIL'])));
  const failed = rows.filter((r) => !r.pass).length;
  print(`\n${rows.length - failed} passed, ${failed} failed (${elapsed(started)})`);
  return failed === 0 ? 0 : 1;
}

/**
 * An editor's API token, made as an operator would with `kubectl exec` into a web pod: the app's
 * users CLI, with the container's environment, for the first admin (ADMIN_USERNAME, default
 * admin). Undefined when the image has no such CLI (an app without access control).
 */
async function apiToken(topology: Topology, state: LabState, web: LabPod): Promise<string | undefined> {
  const running = runningPods(topology, state).find((p) => p.pod.name === web.name)!;
  const container = running.containers[0]!;
  if (container.image.kind !== 'program' || !existsSync(path.join(container.image.workingDir, USERS_CLI))) return undefined;
  const admin = container.env.ADMIN_USERNAME || 'admin';
  const { stdout } = await execInPod(running.state.sandboxPid!, container.identity, container.env,
    ['node', USERS_CLI, 'create-token', '--user', admin, '--name', `lab-check-${Date.now().toString(36)}`, '--role', 'editor', '--expires-days', '1'],
    { workingDir: container.image.workingDir, timeoutMs: 30_000 });
  return /pc_[\w-]+/.exec(stdout)?.[0];
}

/** The app's account CLI in the built image. */
const USERS_CLI = 'dist/web/cli/users.js';

function strangerToDatabase(database: DatabaseTarget, place: Place, expect: Probe['expect']): Probe {
  const host = `${database.host}.${database.namespace}`;
  return { what: `stranger -> ${host}:${database.port}`, place, task: { kind: 'tcp', host, port: database.port }, expect };
}

async function runAll(probes: readonly Probe[]): Promise<Row[]> {
  const groups = new Map<string, Probe[]>();
  for (const p of probes) {
    const key = JSON.stringify(p.place);
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  const rows = new Map<Probe, Row>();
  await Promise.all([...groups.values()].map(async (group) => {
    const results = await probe(group[0]!.place, group.map((p) => p.task));
    group.forEach((p, i) => rows.set(p, judge(p, results[i]!)));
  }));
  return probes.map((p) => rows.get(p)!);
}

function judge(p: Probe, result: TaskResult): Row {
  const expected = p.expect.allowed ? `gets through (${p.expect.because})` : `refused (${p.expect.because})`;
  if (!result.ok && result.status === undefined) {
    return { what: p.what, expected, observed: `refused: ${result.error} after ${result.ms} ms`, pass: !p.expect.allowed };
  }
  const problem = p.accept?.(result);
  const observed = result.status !== undefined
    ? `HTTP ${result.status}${problem ? ` (${problem})` : ''}`
    : result.addresses ? `answered ${result.addresses.join(' ')}${problem ? ` (${problem})` : ''}`
      : `connected${greeting(result.banner)}${problem ? ` (${problem})` : ''}`;
  return { what: p.what, expected, observed, pass: p.expect.allowed && !problem };
}

interface DatabaseTarget {
  readonly host: string;
  readonly port: number;
  readonly namespace: string;
  /** The pod behind the Service and its port there. */
  readonly pod: string;
  readonly targetPort: number;
  readonly service: Service;
}

/** The database the web pods use: MYSQL_HOST/MYSQL_PORT of their container, a Service of their namespace. */
function databaseTarget(web: LabPod): (DatabaseTarget & { service: Service }) | undefined {
  const env = Object.fromEntries((web.spec.containers[0]!.env ?? []).map((e) => [e.name, e.value]));
  const host = env.MYSQL_HOST;
  if (!host) return undefined;
  const topology = loadTopology();
  const service = ofKind<Service>(topology.objects, 'Service').find((s) => s.metadata.name === host && namespaceOf(s) === web.namespace);
  if (!service) return undefined;
  const port = Number(env.MYSQL_PORT ?? 3306);
  const servicePort = service.spec.ports?.find((p) => p.port === port);
  const pod = selectedPods(topology, service)[0];
  if (!pod || !servicePort) return undefined;
  return { host, port, namespace: web.namespace, pod: pod.name, targetPort: Number(servicePort.targetPort ?? port), service };
}

function selectedPods(topology: Topology, service: Service): LabPod[] {
  return topology.pods.filter((p) => p.namespace === namespaceOf(service) && selects({ matchLabels: service.spec.selector ?? {} }, p.labels));
}

function podsByName(topology: Topology): Map<string, LabPod> {
  return new Map(topology.pods.map((p) => [p.name, p]));
}

/** The app user's grants in the running server, against the GRANTs of the init SQL. */
async function grantsRow(topology: Topology, state: LabState, database: DatabaseTarget): Promise<Row> {
  const initSql = ofKind<ConfigMap>(topology.objects, 'ConfigMap').flatMap((c) => Object.values(c.data ?? {})).join('\n');
  const grant = /^GRANT (.+) ON (\S+) TO ([^;\s]+)\s*;?\s*$/m.exec(initSql);
  if (!grant) return { what: 'app user privileges', expected: 'a GRANT in the init SQL', observed: 'none found', pass: false };
  const [, privileges, on, user] = grant as unknown as [string, string, string, string];
  const running = runningPods(topology, state).find((p) => p.pod.name === database.pod)!;
  const container = running.containers[0]!;
  // As root through the socket, with the root password the container's environment points to.
  const query = `MYSQL_PWD="\${MYSQL_ROOT_PASSWORD:-$(cat "$MYSQL_ROOT_PASSWORD_FILE")}" exec mysql --protocol=socket --user=root --batch --skip-column-names -e "SHOW GRANTS FOR ${user.replaceAll('"', '')}"`;
  const { stdout, stderr, code } = await execInPod(running.state.sandboxPid!, container.identity, container.env, ['sh', '-c', query], { allowFailure: true, timeoutMs: 10_000 });
  const observedLine = stdout.split('\n').find((l) => l.includes(` ON ${on} `));
  const normalise = (list: string) => list.split(',').map((p) => p.trim().toUpperCase()).sort().join(', ');
  const observed = observedLine ? /^GRANT (.+) ON /.exec(observedLine)![1]! : `none (${code === 0 ? stdout.trim() : stderr.trim()})`;
  return {
    what: `privileges of ${user} on ${on} (SHOW GRANTS in ${database.pod})`,
    expected: normalise(privileges),
    observed: normalise(observed),
    pass: normalise(privileges) === normalise(observed),
  };
}
