import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import supertest from 'supertest';
import { THROTTLE_POLICY } from '../../web/auth/sign-in-throttle.js';
import { Metrics } from '../../web/ops/metrics.js';
import { memoryStores, type Stores } from '../../web/stores.js';
import { appWith, mysqlFixture } from '../support/app.js';
import { createAccount } from '../support/auth.js';
import { skipUnlessMysql } from '../support/mysql.js';

/** A browser from one client address (behind the trusted proxy), with its own cookies. */
async function client(app: ReturnType<typeof appWith>, ip: string) {
  const agent = supertest.agent(app);
  return {
    agent,
    async attempt(username: string, password: string) {
      const form = await agent.get('/login').set('X-Forwarded-For', ip);
      const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)?.[1];
      return agent.post('/login').set('X-Forwarded-For', ip).type('form').send({ _csrf: csrf, username, password });
    },
    async signOut() {
      const page = await agent.get('/account').set('X-Forwarded-For', ip).expect(200);
      const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
      await agent.post('/logout').set('X-Forwarded-For', ip).type('form').send({ _csrf: csrf }).expect(303);
    },
  };
}

function describeThrottle(kind: string, open: () => Promise<{ stores: Stores; close: () => Promise<void> }>, skip: string | false) {
  describe(`sign-in throttling on the ${kind} store`, { skip }, () => {
    const setup = async () => {
      const { stores, close } = await open();
      const metrics = new Metrics();
      const app = appWith(stores, { trustProxy: 1, metrics });
      return { stores, close, app, metrics, account: await createAccount(stores, 'editor') };
    };

    it('when one client fails 5 times for an account, then that pair gets 429 with Retry-After (even with the right password); other clients and a later success are unaffected', async () => {
      const { stores, close, app, metrics, account } = await setup();
      try {
        const attacker = await client(app, '203.0.113.10');
        for (let i = 0; i < 5; i++) assert.equal((await attacker.attempt(account.username, `wrong guess ${i} here`)).status, 401);
        const locked = await attacker.attempt(account.username, account.password);
        assert.equal(locked.status, 429);
        const retryAfter = Number(locked.headers['retry-after']);
        assert.ok(retryAfter > 50 && retryAfter <= THROTTLE_POLICY.pair.baseLockMs / 1000, String(retryAfter));
        assert.match(locked.text, /Too many failed sign-ins for this account from here/);
        // Another client signs in as usual, which also shows the lock is the pair's, not the account's.
        assert.equal((await (await client(app, '203.0.113.20')).attempt(account.username, account.password)).status, 303);
        const text = await metrics.registry.metrics();
        assert.match(text, /auth_sign_in_attempts_total\{outcome="invalid"\} 5/);
        assert.match(text, /auth_sign_in_attempts_total\{outcome="throttled"\} 1/);
        assert.match(text, /auth_sign_in_attempts_total\{outcome="success"\} 1/);
        assert.equal((await stores.audit.list({ action: 'auth.sign_in_failed', limit: 10 })).events.length, 5, 'throttled attempts are counted, not audited');
      } finally {
        await close();
      }
    });

    it('when the locked pair keeps failing, then each lock doubles, up to 15 minutes', async () => {
      const { stores, close, account } = await setup();
      try {
        const key = (await import('../../web/auth/sign-in-throttle.js')).SignInThrottle;
        const throttle = new key(stores.throttle);
        const attempt = { username: account.username, clientIp: '198.51.100.7', trustedDevice: false };
        const waits: number[] = [];
        let now = Date.now();
        for (let i = 0; i < 12; i++) {
          await throttle.failed(attempt, new Date(now));
          const wait = await throttle.retryAfterSeconds(attempt, new Date(now));
          waits.push(wait);
          now += wait * 1000 + 1000; // the next try comes once the lock has passed
        }
        assert.deepEqual(waits.slice(0, 4), [0, 0, 0, 0]);
        assert.deepEqual(waits.slice(4, 9), [60, 120, 240, 480, 900]);
        assert.ok(waits.slice(9).every((w) => w === 900));
      } finally {
        await close();
      }
    });

    it('when many clients fail against one account, then new clients are slowed, but a browser that signed in there before still gets in', async () => {
      const { close, app, account } = await setup();
      try {
        const owner = await client(app, '192.0.2.1');
        assert.equal((await owner.attempt(account.username, account.password)).status, 303);
        await owner.signOut(); // the browser keeps only its trusted-device cookie
        for (let i = 0; i < THROTTLE_POLICY.account.freeFailures + 1; i++) {
          const res = await (await client(app, `203.0.113.${100 + i}`)).attempt(account.username, `botnet guess ${i} x`);
          assert.equal(res.status, 401, `attempt ${i}`);
        }
        const newcomer = await (await client(app, '203.0.113.250')).attempt(account.username, account.password);
        assert.equal(newcomer.status, 429);
        assert.ok(Number(newcomer.headers['retry-after']) <= THROTTLE_POLICY.account.baseLockMs / 1000);
        // The owner's browser carries its trusted-device cookie: the account lock does not apply.
        assert.equal((await owner.attempt(account.username, account.password)).status, 303);
      } finally {
        await close();
      }
    });
  });
}

describeThrottle('memory', async () => ({ stores: memoryStores(), close: async () => {} }), false);
describeThrottle('mysql', async () => mysqlFixture(), (await skipUnlessMysql()).skip);
