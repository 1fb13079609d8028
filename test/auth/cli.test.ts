import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { verifyPassword } from '../../web/auth/password-hash.js';
import { mysqlFixture } from '../support/app.js';
import { apiAs } from '../support/auth.js';
import { killOnExit } from '../support/children.js';
import { skipUnlessMysql, TEST_SERVER } from '../support/mysql.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

describe('the users CLI (npm run -s users -- ...)', await skipUnlessMysql(), () => {
  let fx: Awaited<ReturnType<typeof mysqlFixture>>;
  let env: Record<string, string>;
  const dir = mkdtempSync(path.join(tmpdir(), 'pc-cli-'));
  before(async () => {
    fx = await mysqlFixture();
    env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      MYSQL_HOST: TEST_SERVER.host,
      MYSQL_PORT: String(TEST_SERVER.port),
      MYSQL_USER: TEST_SERVER.user,
      MYSQL_PASSWORD: TEST_SERVER.password,
      MYSQL_DATABASE: fx.db.name,
    };
  });
  after(async () => fx?.close());

  /** Runs the CLI as a script would; `input` goes to standard input. */
  function users(args: string[], input = '', extraEnv: Record<string, string | undefined> = {}): Promise<Run> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'web/cli/users.ts', ...args], {
      cwd: ROOT,
      env: Object.fromEntries(Object.entries({ ...env, ...extraEnv }).filter(([, v]) => v !== undefined)) as Record<string, string>,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    killOnExit(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    child.stdin.end(input);
    return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  }

  it('when accounts are added, listed, promoted, disabled and enabled, then each command exits 0 and the store shows it', async () => {
    assert.equal((await users(['add', 'cli.alice', '--role', 'editor'], 'alice passphrase from stdin\n')).code, 0);
    const file = path.join(dir, 'bob-password');
    writeFileSync(file, 'bob passphrase from a file\n');
    assert.equal((await users(['add', 'cli.bob', '--role', 'viewer', '--password-file', file])).code, 0);
    const list = await users(['list']);
    assert.equal(list.code, 0);
    assert.match(list.stdout, /^cli\.alice\teditor\tactive\t\d{4}-/m);
    assert.match(list.stdout, /^cli\.bob\tviewer\tactive\t/m);
    assert.equal((await users(['set-role', 'cli.bob', 'admin'])).code, 0);
    // bob is now the only admin: disabling him would leave nobody to manage accounts.
    const last = await users(['disable', 'cli.bob']);
    assert.deepEqual([last.code, last.stderr.trim()], [1, "'cli.bob' is the last enabled admin; make another account admin first."]);
    assert.equal((await users(['disable', 'cli.alice'])).code, 0);
    assert.equal((await fx.stores.users.find('cli.alice'))?.disabled, true);
    assert.equal((await users(['enable', 'cli.alice'])).code, 0);
    assert.equal((await fx.stores.users.find('cli.alice'))?.disabled, false);
    const bob = (await fx.stores.users.find('CLI.BOB'))!;
    assert.deepEqual([bob.role, bob.disabled], ['admin', false]);
    assert.ok(await verifyPassword('bob passphrase from a file', bob.passwordHash!), 'the trailing newline is not part of the password');
    assert.equal((await users(['set-password', 'cli.bob'], 'bob changed his passphrase')).code, 0);
    assert.ok(await verifyPassword('bob changed his passphrase', (await fx.stores.users.find('cli.bob'))!.passwordHash!));
    const events = await fx.stores.audit.list({ limit: 20 });
    const cli = events.events.filter((e) => e.clientIp === 'cli' && e.target.id.startsWith('cli.'));
    assert.ok(cli.length >= 6 && cli.every((e) => e.actor === undefined && e.requestId.startsWith('cli:')));
  });

  it('when create-token runs, then standard output holds only the token, which works with the role asked for', async () => {
    await users(['add', 'cli.carol', '--role', 'editor'], 'carol has a passphrase');
    const run = await users(['create-token', '--user', 'cli.carol', '--name', 'backup job', '--role', 'viewer', '--expires-days', '30']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^pc_[A-Za-z0-9_-]{43}\n$/);
    const me = await apiAs(fx.app, run.stdout.trim()).get('/api/me').expect(200);
    assert.deepEqual([me.body.username, me.body.role], ['cli.carol', 'viewer']);
  });

  it('when pin-role and unpin-role run, then single sign-on stops and starts again changing the role, and each is recorded', async () => {
    await users(['add', 'cli.dora', '--role', 'viewer'], 'dora has a passphrase');
    assert.equal((await users(['pin-role', 'cli.dora'])).code, 0);
    assert.equal((await fx.stores.users.find('cli.dora'))?.rolePinned, true);
    assert.equal((await users(['unpin-role', 'cli.dora'])).code, 0);
    assert.equal((await fx.stores.users.find('cli.dora'))?.rolePinned, false);
    const events = (await fx.stores.audit.list({ limit: 10 })).events.filter((e) => e.target.id === 'cli.dora').map((e) => e.action);
    assert.deepEqual(events.slice(0, 2), ['user.role_unpin', 'user.role_pin']);
  });

  const failures: Array<[string, string[], string, number, RegExp]> = [
    ['no command', [], '', 64, /Usage: npm run -s users/],
    ['an unknown command', ['delete', 'x'], '', 64, /Unknown command 'delete'/],
    ['an unknown option', ['list', '--all'], '', 64, /Unknown option '--all'/],
    ['add without --role', ['add', 'dave'], 'a fine passphrase', 64, /role must be one of viewer, editor, admin/],
    ['a role that does not exist', ['set-role', 'cli.alice', 'owner'], '', 64, /role must be one of/],
    ['set-role with one argument', ['set-role', 'cli.alice'], '', 64, /takes 2 arguments/],
    ['create-token without --name', ['create-token', '--user', 'cli.alice'], '', 64, /needs --user NAME and --name/],
    ['--expires-days that is not a number', ['create-token', '--user', 'cli.alice', '--name', 'x', '--expires-days', 'soon'], '', 64, /whole number of days/],
    ['a weak password', ['add', 'weakling', '--role', 'viewer'], 'password1234', 65, /too easy to guess/],
    ['a taken name in another case', ['add', 'CLI.ALICE', '--role', 'viewer'], 'another passphrase ok', 1, /already exists/],
    ['an unknown user for set-role', ['set-role', 'nobody-here', 'viewer'], '', 1, /No account is named 'nobody-here'/],
    ['an unknown user for create-token', ['create-token', '--user', 'nobody-here', '--name', 'x'], '', 1, /No account is named/],
    ['pin-role without a name', ['pin-role'], '', 64, /pin-role takes one name/],
    ['an unknown user for unpin-role', ['unpin-role', 'nobody-here'], '', 1, /No account is named 'nobody-here'/],
  ];
  for (const [what, args, input, code, message] of failures) {
    it(`when given ${what}, then it exits ${code} with one line saying so and changes nothing`, async () => {
      const run = await users(args, input);
      assert.equal(run.code, code, run.stderr);
      assert.match(run.stderr, message);
      assert.equal(run.stdout, '');
      assert.doesNotMatch(run.stderr, /\bat .*\.(ts|js):\d+/, 'no stack trace');
      if (code !== 64) assert.equal(run.stderr.trim().split('\n').length, 1);
    });
  }

  it('when no database is configured, then it exits 78 saying accounts live in the database', async () => {
    const run = await users(['list'], '', { MYSQL_HOST: undefined });
    assert.equal(run.code, 78);
    assert.match(run.stderr, /MYSQL_HOST is not set/);
  });
});
