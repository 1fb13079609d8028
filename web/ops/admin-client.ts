/**
 * A client of the app's own pages for scripts that have a password but need an API token (the
 * deployment's verify step, process tests): it signs in through /login as a browser would and
 * creates a token on /account, so it goes through the same checks as a person. Node built-ins only.
 */
export interface MintedToken {
  readonly token: string;
  /** Revokes the token through the API and signs the session out. */
  dispose(): Promise<void>;
}

class CookieJar {
  readonly #cookies = new Map<string, string>();

  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line)) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

const csrfOf = (html: string): string => {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('the page has no form token');
  return match[1]!;
};

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

/** A browser's session on the app: its cookies after signing in through /login. */
export interface BrowserSession {
  /** A request with the session's cookies; Set-Cookie answers update them. */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** The Cookie header a browser would send now. */
  cookieHeader(): string;
}

/** Signs in through the /login form as a browser would (its form token, its cookies). */
export async function signInSession(baseUrl: string, credentials: { username: string; password: string }): Promise<BrowserSession> {
  const jar = new CookieJar();
  const request = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(new URL(path, baseUrl), {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: jar.header() },
    });
    jar.take(res);
    return res;
  };
  const login = await request('/login');
  const signedIn = await request('/login', form({ _csrf: csrfOf(await login.text()), username: credentials.username, password: credentials.password, next: '/account' }));
  if (signedIn.status !== 303) throw new Error(`sign-in as ${credentials.username} failed: HTTP ${signedIn.status}`);
  return { request, cookieHeader: () => jar.header() };
}

export async function mintToken(
  baseUrl: string,
  credentials: { username: string; password: string },
  token: { name: string; role?: string; expiresInDays?: number },
): Promise<MintedToken> {
  const { request } = await signInSession(baseUrl, credentials);
  const account = await request('/account');
  if (account.status !== 200) throw new Error(`the account page answered HTTP ${account.status}`);
  const created = await request(
    '/account/tokens',
    form({
      _csrf: csrfOf(await account.text()),
      name: token.name,
      ...(token.role && { role: token.role }),
      expires_in_days: token.expiresInDays === undefined ? 'never' : String(token.expiresInDays),
    }),
  );
  const html = await created.text();
  const minted = /id="new-token">(pc_[A-Za-z0-9_-]+)</.exec(html)?.[1];
  if (created.status !== 201 || !minted) throw new Error(`creating a token failed: HTTP ${created.status}`);
  return {
    token: minted,
    async dispose() {
      const tokens = await fetch(new URL('/api/tokens', baseUrl), { headers: { authorization: `Bearer ${minted}` } });
      const list = (await tokens.json()) as { items: Array<{ id: number; name: string; revokedAt: string | null }> };
      const mine = list.items.find((t) => t.name === token.name && t.revokedAt === null);
      if (mine) await fetch(new URL(`/api/tokens/${mine.id}`, baseUrl), { method: 'DELETE', headers: { authorization: `Bearer ${minted}` } });
      const page = await request('/account');
      if (page.status === 200) await request('/logout', form({ _csrf: csrfOf(await page.text()) }));
    },
  };
}
