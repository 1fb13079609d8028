import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppDependencies } from '../../web/app.js';
import { parseSignInEnv } from '../../web/auth/oidc/oidc-config.js';
import { CALLBACK_PATH, START_PATH } from '../../web/auth/oidc/oidc-sign-in.js';
import { RelyingParty } from '../../web/auth/oidc/relying-party.js';
import { memoryFixture, mysqlFixture, type StoreFixture } from './app.js';
import { signInEnvFor, startOpenIdProvider, type TestOpenIdProvider, type TestUsername } from './oidc-provider.js';
import { signInAtProvider, UserAgent } from './user-agent.js';

/** Where the provider's second client sends its callbacks; nothing listens there (the user agent stops before). */
export const OTHER_CLIENT_CALLBACK = 'http://127.0.0.1:9/other/callback';

/**
 * The catalog with single sign-on on a port of 127.0.0.1, and a real OpenID Provider of its own
 * (test/support/oidc-provider.ts) that knows the catalog's callback and front page.
 */
export interface SsoCatalog {
  readonly url: string;
  readonly op: TestOpenIdProvider;
  readonly fixture: StoreFixture;
  readonly relyingParty: RelyingParty;
  close(): Promise<void>;
}

export interface SsoCatalogOptions {
  readonly store: 'memory' | 'mysql';
  /** Sign-in settings on top of the test provider's (issuer, client, `openid profile email groups`, TEST_ROLE_MAP). */
  readonly env?: Readonly<Record<string, string>>;
  readonly app?: Partial<AppDependencies>;
  /** Stops the provider before the app's relying party first tries it. */
  readonly providerDownAtStart?: boolean;
}

export async function startSsoCatalog(options: SsoCatalogOptions): Promise<SsoCatalog> {
  // The app's address must be known before the provider registers its callback.
  const server: Server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const op = await startOpenIdProvider({
    redirectUris: [`${url}${CALLBACK_PATH}`],
    postLogoutRedirectUris: [`${url}/`],
    otherRedirectUris: [OTHER_CLIENT_CALLBACK],
  });
  const { config, problems } = parseSignInEnv(signInEnvFor(op, options.env));
  assert.deepEqual(problems, []);
  if (options.providerDownAtStart) await op.stop();
  const relyingParty = new RelyingParty(config.oidc!, { retryDelaysMs: [100, 200, 400] });
  relyingParty.start();
  const overrides: Partial<AppDependencies> = { oidc: { config: config.oidc!, relyingParty }, localLogin: config.localLogin, ...options.app };
  const fixture = options.store === 'memory' ? memoryFixture(overrides) : await mysqlFixture(overrides);
  server.on('request', fixture.app);
  return {
    url,
    op,
    fixture,
    relyingParty,
    async close() {
      relyingParty.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await op.close();
      await fixture.close();
    },
  };
}

/** What a browser goes through: the sign-in button, the provider's login, and the redirect back to the callback (not followed). */
export async function throughProvider(catalog: SsoCatalog, username: TestUsername, agent = new UserAgent(), next = '/') {
  const start = await agent.request(`${catalog.url}${START_PATH}?next=${encodeURIComponent(next)}`);
  assert.equal(start.status, 303, `start answered ${start.status}: ${(await start.text()).slice(0, 300)}`);
  const authorization = new URL(start.headers.get('location')!);
  const callback = await signInAtProvider(agent, authorization, catalog.op.account(username));
  return { agent, start, authorization, callback };
}

/** A whole single sign-on: returns the callback's answer (a 303 to `next` on success), not followed. */
export async function ssoSignIn(catalog: SsoCatalog, username: TestUsername, agent = new UserAgent(), next = '/') {
  const { callback } = await throughProvider(catalog, username, agent, next);
  const response = await agent.request(callback);
  return { agent, response, callback };
}

/** Who the page header says is signed in, as `name (role)`, or undefined. */
export async function signedInAs(catalog: SsoCatalog, agent: UserAgent): Promise<string | undefined> {
  const html = await (await agent.request(`${catalog.url}/`)).text();
  const match = /Signed in as <span class="who">([^<]+)<\/span> <span class="role">\(([a-z]+)\)<\/span>/.exec(html);
  return match ? `${match[1]} (${match[2]})` : undefined;
}
