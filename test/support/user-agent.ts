/**
 * A small browser without a screen, for HTTP-level sign-in tests: real fetch with a cookie jar
 * (per host and path: as in browsers, a cookie is not tied to a port, so two app processes on one
 * host share it, as replicas behind one Service do), redirects followed one hop at a time, and
 * HTML forms submitted as a browser would (hidden fields kept).
 */
export class UserAgent {
  private readonly cookies = new Map<string, { host: string; path: string; name: string; value: string }>();

  /** One request, no redirect followed; cookies sent and stored. */
  async request(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const target = new URL(url);
    const headers = new Headers(init.headers);
    const cookie = [...this.cookies.values()]
      .filter((c) => c.host === target.hostname && pathMatches(c.path, target.pathname))
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
    if (cookie) headers.set('cookie', cookie);
    const response = await fetch(target, { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) this.store(target, line);
    return response;
  }

  /**
   * Follows redirects until a response is not one, or until the next hop would leave for
   * `stopAt` (a callback that no server needs to answer): then `stoppedAt` is that URL.
   */
  async follow(url: string | URL, stopAt?: string, init?: RequestInit): Promise<{ response: Response; url: URL; stoppedAt?: URL }> {
    let current = new URL(url);
    let response = await this.request(current, init);
    for (let hops = 0; hops < 20; hops++) {
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) return { response, url: current };
      await response.body?.cancel();
      const next = new URL(location, current);
      if (stopAt && next.href.startsWith(stopAt)) return { response, url: current, stoppedAt: next };
      current = next;
      response = await this.request(current);
    }
    throw new Error(`more than 20 redirects from ${String(url)}`);
  }

  /** Submits the first form on `html` (a page read from `pageUrl`) with its hidden fields plus `fields`, then follows redirects. */
  async submitForm(pageUrl: URL, html: string, fields: Record<string, string>, stopAt?: string) {
    const form = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(html);
    if (!form) throw new Error(`no form on ${pageUrl.href}: ${html.slice(0, 300)}`);
    const action = new URL(decodeEntities(attribute(form[1]!, 'action') ?? ''), pageUrl);
    const body = new URLSearchParams();
    for (const input of form[2]!.match(/<input\b[^>]*>/gi) ?? []) {
      const name = attribute(input, 'name');
      if (name && attribute(input, 'type') === 'hidden') body.set(name, decodeEntities(attribute(input, 'value') ?? ''));
    }
    for (const [name, value] of Object.entries(fields)) body.set(name, value);
    const response = await this.request(action, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || !location) return { response, url: action };
    await response.body?.cancel();
    const next = new URL(location, action);
    if (stopAt && next.href.startsWith(stopAt)) return { response, url: action, stoppedAt: next };
    return this.follow(next, stopAt);
  }

  private store(from: URL, line: string) {
    const [pair, ...attributes] = line.split(';').map((part) => part.trim());
    const eq = pair!.indexOf('=');
    const name = pair!.slice(0, eq);
    const value = pair!.slice(eq + 1);
    const attr = (key: string) => attributes.find((a) => a.toLowerCase().startsWith(`${key}=`))?.slice(key.length + 1);
    const path = attr('path') ?? '/';
    const expires = attr('expires');
    const maxAge = attr('max-age');
    const key = `${from.hostname} ${path} ${name}`;
    if ((maxAge !== undefined && Number(maxAge) <= 0) || (expires !== undefined && Date.parse(expires) <= Date.now())) {
      this.cookies.delete(key);
    } else {
      this.cookies.set(key, { host: from.hostname, path, name, value });
    }
  }
}

/**
 * Drives the provider's login for `account`, starting at an authorization URL, and returns the
 * callback URL the provider redirects to (with code and state). When the provider still has a
 * session for this agent, no form is shown.
 */
export async function signInAtProvider(
  agent: UserAgent,
  authorizationUrl: URL,
  account: { username: string; password: string },
): Promise<URL> {
  const redirectUri = authorizationUrl.searchParams.get('redirect_uri')!;
  let step = await agent.follow(authorizationUrl, redirectUri);
  if (!step.stoppedAt) {
    const html = await step.response.text();
    step = await agent.submitForm(step.url, html, { username: account.username, password: account.password }, redirectUri);
  }
  if (!step.stoppedAt) throw new Error(`the provider did not redirect back: ${step.response.status} ${(await step.response.text()).slice(0, 300)}`);
  return step.stoppedAt;
}

const pathMatches = (cookiePath: string, path: string) =>
  path === cookiePath || path.startsWith(cookiePath.endsWith('/') ? cookiePath : `${cookiePath}/`);

const attribute = (tag: string, name: string) => new RegExp(`\\b${name}="([^"]*)"`, 'i').exec(tag)?.[1];

const decodeEntities = (text: string) =>
  text.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!);
