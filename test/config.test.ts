import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, WORKERS_MAX } from '../web/config.js';

const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems.join('\n');
  }
  assert.fail('expected a ConfigError');
};

describe('loadConfig', () => {
  it('when nothing is set, then the defaults apply and the store is in memory', () => {
    const config = loadConfig({});
    assert.equal(config.port, 3000);
    assert.equal(config.mysql, undefined);
    assert.equal(config.shutdownGraceMs, 10_000);
    assert.equal(config.logLevel, 'info');
    assert.equal(config.csrfSecretGenerated, true);
    assert.ok(config.csrfSecret.length >= 32);
  });

  it('when MySQL is configured, then every field is read with its default', () => {
    const config = loadConfig({ MYSQL_HOST: 'webapp-sql1', MYSQL_USER: 'app', MYSQL_PASSWORD: 's3cret', MYSQL_POOL_SIZE: '4' });
    assert.deepEqual(config.mysql, {
      host: 'webapp-sql1',
      port: 3306,
      user: 'app',
      password: 's3cret',
      database: 'ProductDetails',
      poolSize: 4,
      connectTimeoutMs: 5000,
      queryTimeoutMs: 5000,
    });
  });

  it('when the password comes from a mounted file, then its trailing newline is dropped', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pc-config-'));
    writeFileSync(join(dir, 'password'), 'from-file\n');
    writeFileSync(join(dir, 'csrf'), `${'k'.repeat(40)}\n`);
    const config = loadConfig({
      MYSQL_HOST: 'db',
      MYSQL_USER: 'app',
      MYSQL_PASSWORD_FILE: join(dir, 'password'),
      CSRF_SECRET_FILE: join(dir, 'csrf'),
    });
    assert.equal(config.mysql?.password, 'from-file');
    assert.equal(config.csrfSecret, 'k'.repeat(40));
    assert.equal(config.csrfSecretGenerated, false);
  });

  it('when values are wrong, then every bad variable is named with what was given', () => {
    const problems = problemsOf({ PORT: 'eighty', MYSQL_PORT: '70000', LOG_LEVEL: 'loud', MYSQL_DATABASE: 'bad name;' });
    assert.match(problems, /PORT must be a whole number from 1 to 65535 \(got "eighty"\)/);
    assert.match(problems, /MYSQL_PORT must be at most 65535 \(got "70000"\)/);
    assert.match(problems, /LOG_LEVEL .*\(got "loud"\)/);
    assert.match(problems, /MYSQL_DATABASE must be 1 to 64 letters/);
  });

  it('when IMPORT_MAX_BYTES is unset, then imports take up to 50 MiB; a value is read, and a wrong one is named', () => {
    assert.equal(loadConfig({}).importMaxBytes, 50 * 1024 * 1024);
    assert.equal(loadConfig({ IMPORT_MAX_BYTES: '1048576' }).importMaxBytes, 1_048_576);
    assert.match(problemsOf({ IMPORT_MAX_BYTES: '50MB' }), /IMPORT_MAX_BYTES must be a whole number/);
    assert.match(problemsOf({ IMPORT_MAX_BYTES: '10' }), /IMPORT_MAX_BYTES must be at least 1024/);
  });

  it('when TRASH_RETENTION_DAYS is unset, then products stay 30 days in the trash; a value is read, and a wrong one is named', () => {
    assert.equal(loadConfig({}).trashRetentionDays, 30);
    assert.equal(loadConfig({ TRASH_RETENTION_DAYS: '7' }).trashRetentionDays, 7);
    assert.match(problemsOf({ TRASH_RETENTION_DAYS: '0' }), /TRASH_RETENTION_DAYS/);
  });

  it('when MYSQL_HOST is set without a user, then MYSQL_USER is named', () => {
    assert.match(problemsOf({ MYSQL_HOST: 'db' }), /MYSQL_USER is required when MYSQL_HOST is set/);
  });

  it('when a secret is given twice or its file is missing, then the variable is named', () => {
    assert.match(problemsOf({ MYSQL_HOST: 'db', MYSQL_USER: 'u', MYSQL_PASSWORD: 'a', MYSQL_PASSWORD_FILE: '/x' }), /Set MYSQL_PASSWORD or MYSQL_PASSWORD_FILE, not both/);
    assert.match(problemsOf({ MYSQL_HOST: 'db', MYSQL_USER: 'u', MYSQL_PASSWORD_FILE: '/no/such/file' }), /MYSQL_PASSWORD_FILE cannot be read/);
    assert.match(problemsOf({ CSRF_SECRET: 'short' }), /CSRF_SECRET must be at least 32 characters/);
  });

  it('when single sign-on is configured, then its settings are read; when they are wrong, each variable is named beside the others', () => {
    const config = loadConfig({ OIDC_ISSUER: 'https://sso.example.com/realms/main', OIDC_CLIENT_ID: 'catalog', OIDC_CLIENT_SECRET: 's', LOCAL_LOGIN: 'false', LOCAL_LOGIN_BREAK_GLASS_USER: 'admin' });
    assert.equal(config.signIn.oidc?.issuer.href, 'https://sso.example.com/realms/main');
    assert.deepEqual(config.signIn.localLogin, { enabled: false, breakGlassUser: 'admin' });
    assert.deepEqual(loadConfig({}).signIn, { localLogin: { enabled: true } });

    const problems = problemsOf({ PORT: 'eighty', OIDC_ISSUER: 'http://sso.example.com', OIDC_ROLE_MAP: 'admins=root' });
    assert.match(problems, /PORT must be a whole number/);
    assert.match(problems, /OIDC_ISSUER must use https/);
    assert.match(problems, /OIDC_CLIENT_ID is required/);
    assert.match(problems, /OIDC_ROLE_MAP entry 1 \("admins=root"\): the role must be one of/);
    assert.match(problemsOf({ LOCAL_LOGIN: 'false' }), /LOCAL_LOGIN=false needs single sign-on/);
  });

  it('when WEB_CONCURRENCY is unset, a number or auto, then that many workers run', () => {
    const mysql = { MYSQL_HOST: 'db', MYSQL_USER: 'app' };
    assert.equal(loadConfig({}).workers, 1);
    assert.equal(loadConfig({ ...mysql, WEB_CONCURRENCY: '3' }).workers, 3);
    assert.equal(loadConfig({ ...mysql, WEB_CONCURRENCY: 'auto' }).workers, Math.min(availableParallelism(), WORKERS_MAX));
  });

  it('when WEB_CONCURRENCY is not a whole number from 1 up or auto, then it is named with what was given', () => {
    const mysql = { MYSQL_HOST: 'db', MYSQL_USER: 'app' };
    assert.match(problemsOf({ ...mysql, WEB_CONCURRENCY: 'two' }), /WEB_CONCURRENCY must be a whole number from 1 to 64, or auto \(got "two"\)/);
    assert.match(problemsOf({ ...mysql, WEB_CONCURRENCY: '1.5' }), /WEB_CONCURRENCY must be a whole number/);
    assert.match(problemsOf({ ...mysql, WEB_CONCURRENCY: '0' }), /WEB_CONCURRENCY must be at least 1 \(got "0"\)/);
    assert.match(problemsOf({ ...mysql, WEB_CONCURRENCY: '65' }), /WEB_CONCURRENCY must be at most 64 \(got "65"\)/);
  });

  it('when more than one worker would share the in-memory store, then WEB_CONCURRENCY is refused', () => {
    assert.match(problemsOf({ WEB_CONCURRENCY: '2' }), /WEB_CONCURRENCY must be 1 without MYSQL_HOST: the in-memory store lives in one process/);
    assert.equal(loadConfig({ WEB_CONCURRENCY: '1' }).workers, 1);
  });

  it("when the workers' pools together exceed 1000 connections, then both variables are named", () => {
    const env = { MYSQL_HOST: 'db', MYSQL_USER: 'app', WEB_CONCURRENCY: '4', MYSQL_POOL_SIZE: '251' };
    assert.match(problemsOf(env), /WEB_CONCURRENCY x MYSQL_POOL_SIZE must be at most 1000 connections in total.*\(got 4 x 251\)/);
    assert.equal(loadConfig({ ...env, MYSQL_POOL_SIZE: '250' }).mysql?.poolSize, 250);
  });

  it('when a variable is set to the empty string, then it counts as unset', () => {
    assert.equal(loadConfig({ MYSQL_HOST: '', PORT: '' }).port, 3000);
  });
});
