import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isLoopbackHost, parseSignInEnv } from '../../web/auth/oidc/oidc-config.js';

const MINIMAL = { OIDC_ISSUER: 'https://sso.example.com/realms/main', OIDC_CLIENT_ID: 'product-catalog', OIDC_CLIENT_SECRET: 's3cret' };

const problemsOf = (env: Record<string, string>) => {
  const { problems } = parseSignInEnv(env);
  assert.ok(problems.length > 0, 'expected problems');
  return problems.join('\n');
};

describe('parseSignInEnv', () => {
  it('when nothing is set, then single sign-on is off and password sign-in is on', () => {
    assert.deepEqual(parseSignInEnv({}), { config: { localLogin: { enabled: true } }, problems: [] });
  });

  it('when only the required variables are set, then every other setting has its default', () => {
    const { config, problems } = parseSignInEnv(MINIMAL);
    assert.deepEqual(problems, []);
    assert.equal(config.oidc?.issuer.href, 'https://sso.example.com/realms/main');
    assert.equal(config.oidc?.clientId, 'product-catalog');
    assert.equal(config.oidc?.clientSecret, 's3cret');
    assert.deepEqual(config.oidc?.scopes, ['openid', 'profile', 'email']);
    assert.equal(config.oidc?.rolesClaim, 'groups');
    assert.equal(config.oidc?.roleMap.size, 0);
    assert.equal(config.oidc?.defaultRole, 'viewer');
    assert.equal(config.oidc?.buttonLabel, 'Sign in with single sign-on');
    assert.equal(config.oidc?.redirectUri, undefined);
    assert.deepEqual(config.localLogin, { enabled: true });
  });

  it('when every variable is set, then each is read', () => {
    const { config, problems } = parseSignInEnv({
      ...MINIMAL,
      OIDC_SCOPES: 'openid,profile email  groups',
      OIDC_ROLES_CLAIM: 'roles',
      OIDC_ROLE_MAP: ' catalog-admins = admin , /org/editors=editor,readers=viewer ',
      OIDC_DEFAULT_ROLE: 'none',
      OIDC_BUTTON_LABEL: '  Sign in with Keycloak ',
      OIDC_REDIRECT_URI: 'https://catalog.example.com/auth/oidc/callback',
      LOCAL_LOGIN: 'false',
      LOCAL_LOGIN_BREAK_GLASS_USER: 'root-admin',
    });
    assert.deepEqual(problems, []);
    assert.deepEqual(config.oidc?.scopes, ['openid', 'profile', 'email', 'groups']);
    assert.equal(config.oidc?.rolesClaim, 'roles');
    assert.deepEqual([...config.oidc!.roleMap], [['catalog-admins', 'admin'], ['/org/editors', 'editor'], ['readers', 'viewer']]);
    assert.equal(config.oidc?.defaultRole, 'none');
    assert.equal(config.oidc?.buttonLabel, 'Sign in with Keycloak');
    assert.equal(config.oidc?.redirectUri?.href, 'https://catalog.example.com/auth/oidc/callback');
    assert.deepEqual(config.localLogin, { enabled: false, breakGlassUser: 'root-admin' });
  });

  it('when the client secret comes from a mounted file, then its trailing newline is dropped', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pc-oidc-'));
    writeFileSync(join(dir, 'secret'), 'from-file\n');
    writeFileSync(join(dir, 'empty'), '\n');
    const withoutSecret = { OIDC_ISSUER: MINIMAL.OIDC_ISSUER, OIDC_CLIENT_ID: MINIMAL.OIDC_CLIENT_ID };
    assert.equal(parseSignInEnv({ ...withoutSecret, OIDC_CLIENT_SECRET_FILE: join(dir, 'secret') }).config.oidc?.clientSecret, 'from-file');
    assert.match(problemsOf({ ...withoutSecret, OIDC_CLIENT_SECRET_FILE: join(dir, 'empty') }), /OIDC_CLIENT_SECRET_FILE is empty/);
    assert.match(problemsOf({ ...withoutSecret, OIDC_CLIENT_SECRET_FILE: '/no/such/file' }), /OIDC_CLIENT_SECRET_FILE cannot be read/);
    assert.match(problemsOf({ ...MINIMAL, OIDC_CLIENT_SECRET_FILE: join(dir, 'secret') }), /Set OIDC_CLIENT_SECRET or OIDC_CLIENT_SECRET_FILE, not both/);
  });

  it('when the configuration is partial, then each missing variable is named and single sign-on stays off', () => {
    const { config, problems } = parseSignInEnv({ OIDC_ISSUER: MINIMAL.OIDC_ISSUER });
    assert.equal(config.oidc, undefined);
    assert.match(problems.join('\n'), /OIDC_CLIENT_ID is required when OIDC_ISSUER is set/);
    assert.match(problems.join('\n'), /OIDC_CLIENT_SECRET or OIDC_CLIENT_SECRET_FILE is required/);
    assert.match(problemsOf({ OIDC_CLIENT_ID: 'x', OIDC_ROLE_MAP: 'a=admin' }), /OIDC_CLIENT_ID, OIDC_ROLE_MAP are set but OIDC_ISSUER is not/);
  });

  it('when the issuer is not an https URL, then OIDC_ISSUER is named; plain http passes only on loopback', () => {
    assert.match(problemsOf({ ...MINIMAL, OIDC_ISSUER: 'sso.example.com' }), /OIDC_ISSUER must be an absolute URL .*\(got "sso.example.com"\)/);
    assert.match(problemsOf({ ...MINIMAL, OIDC_ISSUER: 'http://sso.example.com' }), /OIDC_ISSUER must use https \(plain http only on loopback\)/);
    assert.match(problemsOf({ ...MINIMAL, OIDC_ISSUER: 'http://10.0.0.5:8080' }), /OIDC_ISSUER must use https/);
    assert.match(problemsOf({ ...MINIMAL, OIDC_ISSUER: 'https://sso.example.com/?realm=x' }), /OIDC_ISSUER must not carry credentials, a query or a fragment/);
    assert.match(problemsOf({ ...MINIMAL, OIDC_REDIRECT_URI: 'http://catalog.example.com/cb' }), /OIDC_REDIRECT_URI must use https/);
    for (const issuer of ['http://127.0.0.1:5556/dex', 'http://localhost:8080/realms/test', 'http://[::1]:9000']) {
      assert.deepEqual(parseSignInEnv({ ...MINIMAL, OIDC_ISSUER: issuer }).problems, [], issuer);
    }
  });

  it('when the scopes lack openid or hold a bad name, then OIDC_SCOPES is named', () => {
    assert.match(problemsOf({ ...MINIMAL, OIDC_SCOPES: 'profile email' }), /OIDC_SCOPES must include openid/);
    assert.match(problemsOf({ ...MINIMAL, OIDC_SCOPES: 'openid "quoted"' }), /OIDC_SCOPES has invalid scope names: "\\"quoted\\""/);
  });

  it('when role map entries are malformed, then each is named by its position and text', () => {
    const problems = problemsOf({ ...MINIMAL, OIDC_ROLE_MAP: 'catalog-admins=root,editors,,=admin,a=admin,a=editor' });
    assert.match(problems, /OIDC_ROLE_MAP entry 1 \("catalog-admins=root"\): the role must be one of viewer, editor, admin/);
    assert.match(problems, /OIDC_ROLE_MAP entry 2 \("editors"\) must be group=role/);
    assert.match(problems, /OIDC_ROLE_MAP entry 3 \(""\) is empty/);
    assert.match(problems, /OIDC_ROLE_MAP entry 4 \("=admin"\) must be group=role/);
    assert.match(problems, /OIDC_ROLE_MAP entry 6 \("a=editor"\): group "a" is already mapped to admin/);
    assert.doesNotMatch(problems, /entry 5/);
  });

  it('when the default role, claim or label is wrong, then the variable is named', () => {
    assert.match(problemsOf({ ...MINIMAL, OIDC_DEFAULT_ROLE: 'editor' }), /OIDC_DEFAULT_ROLE must be viewer or none \(got "editor"\)/);
    assert.match(problemsOf({ ...MINIMAL, OIDC_DEFAULT_ROLE: 'none' }), /OIDC_DEFAULT_ROLE=none with an empty OIDC_ROLE_MAP would refuse every/);
    assert.match(problemsOf({ ...MINIMAL, OIDC_ROLES_CLAIM: 'groups roles' }), /OIDC_ROLES_CLAIM must be one claim name/);
    assert.match(problemsOf({ ...MINIMAL, OIDC_BUTTON_LABEL: 'x'.repeat(81) }), /OIDC_BUTTON_LABEL must be 1 to 80 characters/);
    assert.match(problemsOf({ ...MINIMAL, OIDC_BUTTON_LABEL: 'Sign\nin' }), /OIDC_BUTTON_LABEL/);
  });

  it('when password sign-in is switched off, then it needs single sign-on, and the break-glass name must be a username', () => {
    assert.match(problemsOf({ LOCAL_LOGIN: 'false' }), /LOCAL_LOGIN=false needs single sign-on \(OIDC_ISSUER\)/);
    assert.match(problemsOf({ ...MINIMAL, LOCAL_LOGIN: 'no' }), /LOCAL_LOGIN must be true or false \(got "no"\)/);
    assert.match(problemsOf({ ...MINIMAL, LOCAL_LOGIN: 'false', LOCAL_LOGIN_BREAK_GLASS_USER: 'root admin' }), /LOCAL_LOGIN_BREAK_GLASS_USER must be a username/);
    assert.deepEqual(parseSignInEnv({ ...MINIMAL, LOCAL_LOGIN: 'false' }).config.localLogin, { enabled: false });
    assert.deepEqual(parseSignInEnv({ LOCAL_LOGIN_BREAK_GLASS_USER: 'root-admin' }).config.localLogin, { enabled: true }, 'ignored while everyone may use a password');
  });

  it('when a variable is the empty string, then it counts as unset', () => {
    const { config, problems } = parseSignInEnv({ ...MINIMAL, OIDC_SCOPES: '', OIDC_DEFAULT_ROLE: '', LOCAL_LOGIN: '' });
    assert.deepEqual(problems, []);
    assert.deepEqual(config.oidc?.scopes, ['openid', 'profile', 'email']);
    assert.deepEqual(parseSignInEnv({ OIDC_ISSUER: '', OIDC_CLIENT_ID: '' }).problems, []);
  });

  it('when a problem is reported, then the client secret never appears in it', () => {
    const { problems } = parseSignInEnv({ ...MINIMAL, OIDC_CLIENT_SECRET: 'very-secret-value', OIDC_CLIENT_SECRET_FILE: '/x', OIDC_SCOPES: 'email' });
    assert.ok(problems.length >= 2);
    assert.doesNotMatch(problems.join('\n'), /very-secret-value/);
  });
});

describe('isLoopbackHost', () => {
  it('when the host is 127.0.0.0/8, ::1 or localhost, then it is loopback, and nothing else is', () => {
    for (const host of ['127.0.0.1', '127.10.0.3', '[::1]', '::1', 'localhost', 'LOCALHOST']) assert.equal(isLoopbackHost(host), true, host);
    for (const host of ['10.0.0.1', '128.0.0.1', 'localhost.example.com', '127.0.0.1.nip.io', '::ffff:127.0.0.1', 'sso.example.com']) {
      assert.equal(isLoopbackHost(host), false, host);
    }
  });
});
