import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { AxeResults } from 'axe-core';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { after, before } from 'node:test';
import { mysqlFixture } from '../support/app.js';
import { createAccount, type TestAccount } from '../support/auth.js';
import { skipUnlessMysql } from '../support/mysql.js';

/** Debian's Chromium (`apt-get install -y chromium`); playwright must never download its own. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * For `describe(name, await skipUnlessBrowser(), ...)`: needs both Chromium and MySQL. Without
 * either the suite skips with a loud message, except under CI, where that is a failure.
 */
export async function skipUnlessBrowser(): Promise<{ skip: string | false }> {
  const mysql = await skipUnlessMysql();
  if (mysql.skip) return mysql;
  return skipUnlessChromium();
}

/** The same rule for suites that need Chromium but no database. */
export function skipUnlessChromium(): { skip: string | false } {
  if (existsSync(CHROMIUM_PATH)) return { skip: false };
  const why = `no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium)`;
  if (process.env.CI) throw new Error(`CI is set but there is ${why}`);
  console.warn(`\n*** SKIPPING browser suites: ${why} ***\n`);
  return { skip: why };
}

let shared: Promise<Browser> | undefined;

/** One Chromium per test file; each test opens its own context (cookies, scheme, JS on or off). */
export function browser(): Promise<Browser> {
  shared ??= chromium.launch({ executablePath: CHROMIUM_PATH, args: LAUNCH_ARGS, timeout: 30_000 });
  return shared;
}

export async function closeBrowser(): Promise<void> {
  if (shared) await (await shared).close();
  shared = undefined;
}

/** The real app on a MariaDB database of its own, listening on a free port of 127.0.0.1. */
export interface Catalog {
  readonly url: string;
  readonly fixture: Awaited<ReturnType<typeof mysqlFixture>>;
  /** An editor account; pages open signed in as it unless told otherwise. */
  readonly editor: TestAccount;
  close(): Promise<void>;
}

/** Starts a catalog before the enclosing suite (then `seed`s it) and closes it after; call the result for it. */
export function catalogForSuite(seed?: (catalog: Catalog) => Promise<void>): () => Catalog {
  let catalog: Catalog | undefined;
  before(async () => {
    catalog = await startCatalog();
    await seed?.(catalog);
  });
  after(async () => catalog?.close());
  return () => catalog!;
}

export async function startCatalog(): Promise<Catalog> {
  const fixture = await mysqlFixture();
  const server: Server = await new Promise((resolve, reject) => {
    const s = fixture.app.listen(0, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    fixture,
    editor: await createAccount(fixture.stores, 'editor'),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await fixture.close();
    },
  };
}

/**
 * A fresh page in a context of its own, signed in through the sign-in form as `as` (the catalog's
 * editor by default; null for an anonymous visitor). Any dialog (alert, confirm) fails the test
 * that asserts `dialogs` is empty, so injected script would be caught.
 */
export async function openPage(
  catalog: Catalog,
  options: BrowserContextOptions = {},
  as: TestAccount | null = catalog.editor,
): Promise<{ page: Page; dialogs: string[]; close: () => Promise<void> }> {
  const context = await (await browser()).newContext({
    baseURL: catalog.url,
    viewport: { width: 1280, height: 800 },
    locale: 'en-US',
    timezoneId: 'UTC',
    ...options,
  });
  // Generous: a loaded 2-core machine running the whole suite can be slow; nothing here sleeps.
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  if (as) await signInWithForm(page, as);
  return { page, dialogs, close: () => context.close() };
}

/** Signs in as a person would: the sign-in page, both fields, the button; ends on the catalog. */
export async function signInWithForm(page: Page, account: { username: string; password: string }, next = '/', baseUrl = ''): Promise<number> {
  await page.goto(`${baseUrl}/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Username').fill(account.username);
  await page.getByLabel('Password').fill(account.password);
  return navigate(page, () => page.getByRole('button', { name: 'Sign in' }).click());
}

/**
 * Runs `action` (a click or a key press that submits a form or follows a link) and waits for the
 * next page to load. Returns the status of the page the browser ends on, after redirects.
 */
export async function navigate(page: Page, action: () => Promise<void>): Promise<number> {
  const response = page.waitForResponse(
    (r) => r.request().isNavigationRequest() && r.frame() === page.mainFrame() && (r.status() < 300 || r.status() >= 400),
  );
  const loaded = page.waitForEvent('load');
  await action();
  const [final] = await Promise.all([response, loaded]);
  return final.status();
}

/** Fills the add form and submits it with a click; returns the resulting page's status. */
export async function addProduct(page: Page, product: { productName: string; productId: string }): Promise<number> {
  await page.getByLabel('Product name').fill(product.productName);
  await page.getByLabel('Product ID').fill(product.productId);
  return navigate(page, () => page.getByRole('button', { name: 'Add product' }).click());
}

/** Product names in the table, top to bottom. */
export const listedNames = (page: Page) => page.locator('tbody td.name').allTextContents();

/** The text of the status region's notice (success notices), without its Undo button. */
export const statusText = async (page: Page) => (await page.getByRole('status').locator('p').allTextContents()).join(' ').trim();

/** The `id` of the focused element ('' for none); the tests have no DOM types, hence the string. */
export const focusedId = (page: Page) => page.evaluate('document.activeElement ? document.activeElement.id : ""') as Promise<string>;

/** Waits until the element with this id has focus (autofocus is applied during rendering, not at once). */
export const waitForFocus = (page: Page, id: string) => page.locator(`[id="${id}"]:focus`).waitFor();

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core in the page and returns its serious and critical violations, one line each.
 * DevTools evaluation is not subject to the page's CSP, so no inline script is needed.
 */
export async function seriousAxeViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  const results = (await page.evaluate('axe.run(document, { resultTypes: ["violations"] })')) as AxeResults;
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}
