import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';

/**
 * A real OpenID Provider for tests: panva's certified oidc-provider on 127.0.0.1, with test
 * accounts in groups, a minimal login form that works from fetch and from Chromium, consent
 * granted without asking, and RP-initiated logout. Its keys are generated at start.
 */
export interface TestOpenIdProvider {
  /** http://127.0.0.1:PORT, the provider's Issuer Identifier. */
  readonly issuer: string;
  /** The catalog's confidential client: client_secret_basic, PKCE (S256) required. */
  readonly client: TestClient;
  /** A second client of the same provider, to obtain an ID token meant for someone else. */
  readonly otherClient: TestClient;
  /** The account signed in as `username`; its password is generated at start. */
  account(username: TestUsername): TestAccount;
  /** Changes a user's groups; the next sign-in (ID token and userinfo) carries the new ones. */
  setGroups(username: TestUsername, groups: readonly string[]): void;
  /** Lets a test corrupt the next token endpoint response the provider sends, like a hostile or broken provider. */
  tamperNextTokenResponse(change: (body: Record<string, unknown>) => Record<string, unknown>): void;
  /** Stops listening (connections are refused) but keeps its state: sessions, codes, keys. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface TestClient {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUris: readonly string[];
  readonly postLogoutRedirectUris: readonly string[];
}

export interface TestAccount {
  readonly sub: string;
  readonly username: string;
  readonly password: string;
  readonly email: string;
  /** Absent for erin, whose provider sends no preferred_username (the app then names her from email). */
  readonly preferredUsername?: string;
  readonly groups: readonly string[];
}

export type TestUsername = 'alice' | 'bob' | 'carol' | 'erin';

export interface TestProviderOptions {
  /** The catalog client's redirect URIs (callbacks). */
  readonly redirectUris: readonly string[];
  readonly postLogoutRedirectUris?: readonly string[];
  /** The second client's redirect URIs; by default the first of `redirectUris`. */
  readonly otherRedirectUris?: readonly string[];
}

/** The groups the tests map to roles: OIDC_ROLE_MAP=catalog-admins=admin,catalog-editors=editor. */
export const TEST_ROLE_MAP = 'catalog-admins=admin,catalog-editors=editor';

/** The app's sign-in settings for `client` of this provider, asking for the groups scope; `extra` on top. */
export function signInEnvFor(op: Pick<TestOpenIdProvider, 'issuer' | 'client'>, extra: Readonly<Record<string, string>> = {}, client = op.client): Record<string, string> {
  return {
    OIDC_ISSUER: op.issuer,
    OIDC_CLIENT_ID: client.clientId,
    OIDC_CLIENT_SECRET: client.clientSecret,
    OIDC_SCOPES: 'openid profile email groups',
    OIDC_ROLE_MAP: TEST_ROLE_MAP,
    ...extra,
  };
}

export async function startOpenIdProvider(options: TestProviderOptions): Promise<TestOpenIdProvider> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;

  const accounts = new Map<string, TestAccount>(
    (
      [
        { sub: 'sub-alice-7f3a', username: 'alice', email: 'alice@example.com', preferredUsername: 'alice', groups: ['catalog-admins', 'staff'] },
        { sub: 'sub-bob-91c2', username: 'bob', email: 'bob@example.com', preferredUsername: 'bob', groups: ['catalog-editors'] },
        { sub: 'sub-carol-4d08', username: 'carol', email: 'carol@example.com', preferredUsername: 'carol', groups: ['staff'] },
        { sub: 'sub-erin-c5e1', username: 'erin', email: 'erin.lindqvist@example.com', groups: ['catalog-editors'] },
      ] as const
    ).map((a) => [a.username, { ...a, password: randomBytes(12).toString('base64url') }]),
  );
  const bySub = (sub: string) => [...accounts.values()].find((a) => a.sub === sub);

  const client: TestClient = {
    clientId: 'product-catalog',
    clientSecret: randomBytes(24).toString('base64url'),
    redirectUris: options.redirectUris,
    postLogoutRedirectUris: options.postLogoutRedirectUris ?? [],
  };
  const otherClient: TestClient = {
    clientId: 'another-app',
    clientSecret: randomBytes(24).toString('base64url'),
    redirectUris: options.otherRedirectUris ?? options.redirectUris.slice(0, 1),
    postLogoutRedirectUris: [],
  };

  const configuration: Configuration = {
    clients: [client, otherClient].map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      redirect_uris: [...c.redirectUris],
      post_logout_redirect_uris: [...c.postLogoutRedirectUris],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    })),
    pkce: { required: () => true },
    // OpenID Connect puts scope claims in userinfo, not in a code flow's ID token; the RP reads both.
    claims: {
      openid: ['sub'],
      profile: ['preferred_username', 'name'],
      email: ['email', 'email_verified'],
      groups: ['groups'],
    },
    scopes: ['openid', 'profile', 'email', 'groups'],
    async findAccount(_ctx, sub) {
      const account = bySub(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        async claims() {
          const current = bySub(sub)!;
          return {
            sub,
            name: current.username,
            email: current.email,
            email_verified: true,
            groups: [...current.groups],
            ...(current.preferredUsername && { preferred_username: current.preferredUsername }),
          };
        },
      };
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.body = page('Sign out', `${form}<button type="submit" form="op.logoutForm" name="logout" value="yes">Yes, sign me out</button>`);
        },
      },
    },
    ttl: { Session: 3600, Grant: 3600, Interaction: 600, AccessToken: 600, IdToken: 600 },
    jwks: { keys: [generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' })] as never },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = page('Error', `<p>${escapeHtml(out.error)}: ${escapeHtml(String(out.error_description ?? ''))}</p>`);
    },
  };
  const provider = new Provider(issuer, configuration);

  let tamper: ((body: Record<string, unknown>) => Record<string, unknown>) | undefined;
  provider.use(async (ctx: KoaContextWithOIDC, next) => {
    await next();
    if (tamper && ctx.oidc?.route === 'token' && ctx.status === 200) {
      ctx.body = tamper(ctx.body as Record<string, unknown>);
      tamper = undefined;
    }
  });

  const interactions = loginInteractions(provider, (username, password) => {
    const account = accounts.get(username);
    return account && account.password === password ? account.sub : undefined;
  });
  const callback = provider.callback();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith('/interaction/')) {
      interactions(req, res).catch((error: Error) => {
        if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
        res.end(page('Error', `<p>${escapeHtml(error.message)}</p>`));
      });
    } else {
      void callback(req, res);
    }
  });

  const stop = async () => {
    if (!server.listening) return;
    const closed = once(server, 'close');
    server.close();
    server.closeAllConnections();
    await closed;
  };
  return {
    issuer,
    client,
    otherClient,
    account: (username) => accounts.get(username)!,
    setGroups(username, groups) {
      accounts.set(username, { ...accounts.get(username)!, groups: [...groups] });
    },
    tamperNextTokenResponse(change) {
      tamper = change;
    },
    stop,
    async start() {
      if (server.listening) return;
      server.listen(port, '127.0.0.1');
      await once(server, 'listening');
    },
    close: stop,
  };
}

/**
 * GET /interaction/:uid shows the login form (or grants consent at once); POST
 * /interaction/:uid/login checks the password and hands the account back to the provider.
 */
function loginInteractions(provider: Provider, check: (username: string, password: string) => string | undefined) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const details = await provider.interactionDetails(req, res);
    const login = /^\/interaction\/[^/]+\/login$/.test(req.url!.split('?')[0]!);
    if (req.method === 'GET' && details.prompt.name === 'login') {
      sendLoginForm(res, details.uid);
    } else if (req.method === 'GET' && details.prompt.name === 'consent') {
      // Consent is granted without asking: both clients are the provider's own, as a first-party app would be.
      const grant = details.grantId
        ? (await provider.Grant.find(details.grantId))!
        : new provider.Grant({ accountId: details.session!.accountId, clientId: String(details.params.client_id) });
      const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    } else if (req.method === 'POST' && login && details.prompt.name === 'login') {
      const form = new URLSearchParams(await readBody(req));
      const accountId = check(form.get('username') ?? '', form.get('password') ?? '');
      if (!accountId) {
        sendLoginForm(res, details.uid, form.get('username') ?? '', 'Wrong username or password.');
        return;
      }
      await provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
    } else {
      res.writeHead(404).end();
    }
  };
}

function sendLoginForm(res: ServerResponse, uid: string, username = '', error?: string) {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(
    page(
      'Sign in',
      `${error ? `<p role="alert">${escapeHtml(error)}</p>` : ''}
      <form method="post" action="/interaction/${encodeURIComponent(uid)}/login">
        <label for="username">Username</label>
        <input id="username" name="username" autocomplete="username" required value="${escapeHtml(username)}">
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required>
        <button type="submit">Sign in</button>
      </form>`,
    ),
  );
}

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title} - test identity provider</title></head><body><main><h1>${title}</h1>${body}</main></body></html>`;

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
