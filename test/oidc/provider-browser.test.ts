import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { parseSignInEnv } from '../../web/auth/oidc/oidc-config.js';
import { RelyingParty } from '../../web/auth/oidc/relying-party.js';
import { roleFromClaims } from '../../web/auth/oidc/role-from-claims.js';
import { browser, closeBrowser, navigate, skipUnlessChromium } from '../browser/harness.js';
import { signInEnvFor, startOpenIdProvider, type TestOpenIdProvider } from '../support/oidc-provider.js';

/**
 * The provider's pages in a real browser: Chromium goes from the authorization URL through the
 * login form to a small callback receiver on loopback, which stands where the app's
 * /auth/oidc/callback will be; the relying party then redeems what the browser brought back.
 */
describe('the test OpenID Provider in Chromium', skipUnlessChromium(), () => {
  let receiver: Server;
  let origin: string;
  let op: TestOpenIdProvider;
  let rp: RelyingParty;
  let context: BrowserContext;
  let page: Page;
  let endSession: URL;

  before(async () => {
    receiver = createServer((req, res) => {
      const path = req.url!.split('?')[0];
      if (req.method === 'POST' && path === '/sign-out') {
        // As the app's sign-out will: a POSTed form answered with a redirect to the provider.
        res.writeHead(303, { location: endSession.href }).end();
      } else if (path === '/sign-out-form') {
        const formAction = ["'self'", ...(req.url!.includes('allow-provider') ? rp.formActionOrigins() : [])].join(' ');
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': `form-action ${formAction}` });
        res.end('<!doctype html><html lang="en"><title>App</title><form method="post" action="/sign-out"><button>Sign out</button></form></html>');
      } else {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(`<!doctype html><html lang="en"><title>Receiver</title><h1>Received ${path}</h1></html>`);
      }
    }).listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    origin = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    op = await startOpenIdProvider({ redirectUris: [`${origin}/auth/oidc/callback`], postLogoutRedirectUris: [`${origin}/signed-out`] });
    const { config, problems } = parseSignInEnv(signInEnvFor(op));
    assert.deepEqual(problems, []);
    rp = new RelyingParty(config.oidc!);
    rp.start();
    context = await (await browser()).newContext({ locale: 'en-US' });
    context.setDefaultTimeout(15_000);
    page = await context.newPage();
  });

  after(async () => {
    await context?.close();
    await closeBrowser();
    rp?.close();
    await op?.close();
    receiver?.close();
  });

  it('when alice signs in through the login form, then the browser lands on the callback and the code signs her in as admin', async () => {
    const { url, pending } = await rp.beginSignIn('/products', `${origin}/auth/oidc/callback`);
    await page.goto(url.href);
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill('not her password');
    await navigate(page, () => page.getByRole('button', { name: 'Sign in' }).click());
    assert.equal(await page.getByRole('alert').textContent(), 'Wrong username or password.');

    await page.getByLabel('Password').fill(op.account('alice').password);
    assert.equal(await navigate(page, () => page.getByRole('button', { name: 'Sign in' }).click()), 200);
    const landed = new URL(page.url());
    assert.equal(`${landed.origin}${landed.pathname}`, `${origin}/auth/oidc/callback`);
    assert.equal(landed.searchParams.get('state'), pending.state);

    const result = await rp.completeSignIn(landed, pending);
    assert.equal(result.subject, op.account('alice').sub);
    assert.equal(result.next, '/products');
    assert.deepEqual(roleFromClaims(result.claims, { rolesClaim: 'groups', roleMap: new Map([['catalog-admins', 'admin']]), defaultRole: 'none' }), {
      role: 'admin',
      groups: ['catalog-admins'],
    });
    endSession = rp.endSessionUrl(result.idToken, `${origin}/signed-out`)!;
  });

  it("when a sign-out form redirects to the provider, then Chromium follows only if the page's form-action lists the provider", async () => {
    assert.ok(endSession, 'needs the sign-in of the test before');
    await page.goto(`${origin}/sign-out-form`);
    const blocked = page.waitForEvent('console', (m) => m.text().includes('form-action'));
    await page.getByRole('button', { name: 'Sign out' }).click();
    await blocked;
    assert.equal(new URL(page.url()).pathname, '/sign-out-form', "form-action 'self' alone stops the redirect to the provider");

    await page.goto(`${origin}/sign-out-form?allow-provider`);
    await navigate(page, () => page.getByRole('button', { name: 'Sign out' }).click());
    assert.equal(new URL(page.url()).origin, op.issuer, 'the provider asks to confirm');
    await navigate(page, () => page.getByRole('button', { name: 'Yes, sign me out' }).click());
    assert.equal(page.url(), `${origin}/signed-out`);

    // The provider forgot her: the next sign-in shows its form again.
    await page.goto((await rp.beginSignIn('/', `${origin}/auth/oidc/callback`)).url.href);
    await page.getByLabel('Password').waitFor();
  });
});
