import { randomBytes } from 'node:crypto';
import type { Express } from 'express';
import supertest from 'supertest';
import { AccountService } from '../../web/auth/account-service.js';
import type { ChangeContext } from '../../web/auth/principal.js';
import type { Role } from '../../web/auth/roles.js';
import type { Stores } from '../../web/stores.js';

/**
 * Accounts and credentials for tests. API tests make an account and a token directly in the
 * store, then send the token with every request:
 *
 *   const api = await apiClient(fx.app, fx.stores, 'editor');
 *   await api.post('/api/products').send({ productId: 'P-1', productName: 'Tea' }).expect(201);
 *
 * Page tests sign in through the real form: `const { agent } = await pageClient(fx.app, fx.stores)`.
 */

/** Who made a change when a test calls a store directly. */
export const TEST_CONTEXT: ChangeContext = { clientIp: '127.0.0.1', requestId: 'test' };

let counter = 0;

/** A password the rules accept: long, random, not on any list. */
export const testPassword = (): string => `test ${randomBytes(12).toString('base64url')} pass`;

export interface TestAccount {
  readonly username: string;
  readonly password: string;
  readonly role: Role;
}

export async function createAccount(stores: Stores, role: Role = 'editor', username = `${role}-${++counter}-${randomBytes(3).toString('hex')}`): Promise<TestAccount> {
  const password = testPassword();
  await new AccountService(stores.users, stores.tokens).createUser({ username, role, password }, TEST_CONTEXT);
  return { username, password, role };
}

/** A new token of `username` (its role, or `role` when lower). */
export async function createToken(stores: Stores, username: string, options: { role?: Role; expiresInDays?: number } = {}): Promise<string> {
  const accounts = new AccountService(stores.users, stores.tokens);
  const { token } = await accounts.createToken(username, { name: `test token ${++counter}`, ...options }, TEST_CONTEXT);
  return token;
}

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete' | 'head' | 'options' | 'trace';
export type ApiClient = Record<Method, (path: string) => supertest.Test>;

/** supertest on `app`, sending `token` (if any) as a Bearer token with every request. */
export function apiAs(app: Express, token: string | undefined): ApiClient {
  const agent = supertest(app);
  const method = (name: Method) => (path: string) => {
    const request = agent[name](path);
    return token ? request.set('Authorization', `Bearer ${token}`) : request;
  };
  const methods: Method[] = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options', 'trace'];
  return Object.fromEntries(methods.map((m) => [m, method(m)])) as ApiClient;
}

/** A new account with `role` and an API client acting for it. */
export async function apiClient(app: Express, stores: Stores, role: Role = 'editor'): Promise<ApiClient & { account: TestAccount; token: string }> {
  const account = await createAccount(stores, role);
  const token = await createToken(stores, account.username);
  return { ...apiAs(app, token), account, token };
}

/** Signs in through GET and POST /login; the agent keeps the session cookie. */
export async function signIn(app: Express, account: { username: string; password: string }): Promise<supertest.Agent> {
  const agent = supertest.agent(app);
  const page = await agent.get('/login').expect(200);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
  await agent.post('/login').type('form').send({ _csrf: csrf, username: account.username, password: account.password, next: '/' }).expect(303);
  return agent;
}

/** A new account with `role`, signed in. */
export async function pageClient(app: Express, stores: Stores, role: Role = 'editor'): Promise<{ agent: supertest.Agent; account: TestAccount }> {
  const account = await createAccount(stores, role);
  return { agent: await signIn(app, account), account };
}
