import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DuplicateUsernameError, LastAdminError, type Session } from '../../web/auth/accounts.js';
import type { Role } from '../../web/auth/roles.js';
import type { Stores } from '../../web/stores.js';
import { TEST_CONTEXT } from './auth.js';

const name = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;
const hash = () => randomBytes(32);
const MINUTE = 60_000;

/** The behaviour every store of accounts, tokens, sessions, throttling and audit must have; run for memory and MySQL. */
export function describeAccountStoreContract(
  kind: string,
  open: () => Promise<{ stores: Stores; close: () => Promise<void> }>,
  options: { skip: string | false } = { skip: false },
) {
  describe(`${kind} account stores contract`, options, () => {
    let stores: Stores;
    let close: () => Promise<void>;
    before(async () => ({ stores, close } = await open()));
    after(async () => close?.());

    const newUser = (role: Role = 'editor', username = name(role)) => stores.users.create({ username, role, passwordHash: '$argon2id$x' }, TEST_CONTEXT);
    const session = (userId: number, at = new Date(), maxMs = 60 * MINUTE): Session => ({
      idHash: hash(),
      userId,
      createdAt: at,
      lastSeenAt: at,
      expiresAt: new Date(at.getTime() + maxMs),
    });

    describe('users', () => {
      it('when an account is created, then it is found by any case of its name, with its hash, and listed', async () => {
        const created = await newUser('viewer', name('Mixed.Case_'));
        const found = await stores.users.find(created.username.toUpperCase());
        assert.deepEqual({ ...found, passwordHash: found?.passwordHash }, { ...created, passwordHash: '$argon2id$x' });
        assert.ok((await stores.users.list()).some((u) => u.id === created.id));
      });

      it('when a name is taken in another case, then create throws DuplicateUsernameError', async () => {
        const created = await newUser();
        await assert.rejects(newUser('admin', created.username.toUpperCase()), DuplicateUsernameError);
      });

      it('when a role changes and an account is disabled, then each change is recorded once, and an unchanged field is not', async () => {
        const user = await newUser('viewer');
        const context = { ...TEST_CONTEXT, requestId: name('req') };
        await stores.users.update(user.username, { role: 'editor', disabled: false }, context);
        await stores.users.update(user.username, { disabled: true }, context);
        const updated = await stores.users.update(user.username, { disabled: true }, context);
        assert.deepEqual([updated?.role, updated?.disabled], ['editor', true]);
        const { events } = await stores.audit.list({ limit: 10 });
        const mine = events.filter((e) => e.requestId === context.requestId);
        assert.deepEqual(mine.map((e) => [e.action, e.target.id, e.before ?? null, e.after ?? null]), [
          ['user.disable', user.username, null, null],
          ['user.role', user.username, { role: 'viewer' }, { role: 'editor' }],
        ]);
      });

      it('when a password changes, then the event names no hash and every other session of the account ends', async () => {
        const user = await newUser();
        const [kept, ended] = [session(user.id), session(user.id)];
        await stores.sessions.create(kept, TEST_CONTEXT);
        await stores.sessions.create(ended, TEST_CONTEXT);
        const requestId = name('req');
        await stores.users.update(user.username, { passwordHash: '$argon2id$new' }, { ...TEST_CONTEXT, requestId }, kept.idHash);
        assert.equal((await stores.users.find(user.username))?.passwordHash, '$argon2id$new');
        assert.ok(await stores.sessions.find(kept.idHash));
        assert.equal(await stores.sessions.find(ended.idHash), undefined);
        const event = (await stores.audit.list({ action: 'user.password', limit: 5 })).events.find((e) => e.requestId === requestId);
        assert.deepEqual([event?.before, event?.after], [undefined, undefined]);
      });

      it('when the account is disabled, then all its sessions end', async () => {
        const user = await newUser();
        const s = session(user.id);
        await stores.sessions.create(s, TEST_CONTEXT);
        await stores.users.update(user.username, { disabled: true }, TEST_CONTEXT);
        assert.equal(await stores.sessions.find(s.idHash), undefined);
      });

      it('when the last enabled admin would be demoted or disabled, then LastAdminError, and with two admins at once only one goes', async () => {
        for (const admin of (await stores.users.list()).filter((u) => u.role === 'admin' && !u.disabled)) {
          await stores.users.update(admin.username, { role: 'viewer' }, TEST_CONTEXT).catch(() => undefined);
        }
        const [a, b] = [await newUser('admin'), await newUser('admin')];
        assert.equal(await stores.users.countAdmins(), 2);
        const results = await Promise.allSettled([
          stores.users.update(a.username, { role: 'editor' }, TEST_CONTEXT),
          stores.users.update(b.username, { disabled: true }, TEST_CONTEXT),
        ]);
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, JSON.stringify(results));
        const refused = results.find((r) => r.status === 'rejected');
        assert.ok(refused?.status === 'rejected' && refused.reason instanceof LastAdminError);
        assert.equal(await stores.users.countAdmins(), 1);
      });

      it('when an unknown account is updated, then undefined', async () => {
        assert.equal(await stores.users.update(name('nobody'), { role: 'admin' }, TEST_CONTEXT), undefined);
      });
    });

    describe('tokens', () => {
      it('when a token is created, then its hash finds it with its owner, and the record holds no secret', async () => {
        const user = await newUser();
        const h = hash();
        const expiresAt = new Date(Date.now() + 86_400_000);
        const token = await stores.tokens.create({ userId: user.id, username: user.username, name: 'ci ☕', role: 'viewer', hash: h, expiresAt }, TEST_CONTEXT);
        const found = await stores.tokens.findByHash(h);
        assert.deepEqual([found?.token.id, found?.token.name, found?.token.role, found?.token.expiresAt?.getTime(), found?.owner.username], [token.id, 'ci ☕', 'viewer', expiresAt.getTime(), user.username]);
        assert.equal(await stores.tokens.findByHash(hash()), undefined);
        assert.ok(!JSON.stringify(found).includes(h.toString('hex')));
      });

      it('when listed, then newest first and only the account\'s own', async () => {
        const [u1, u2] = [await newUser(), await newUser()];
        const t1 = await stores.tokens.create({ userId: u1.id, username: u1.username, name: 'one', role: 'editor', hash: hash() }, TEST_CONTEXT);
        const t2 = await stores.tokens.create({ userId: u1.id, username: u1.username, name: 'two', role: 'editor', hash: hash() }, TEST_CONTEXT);
        await stores.tokens.create({ userId: u2.id, username: u2.username, name: 'other', role: 'editor', hash: hash() }, TEST_CONTEXT);
        assert.deepEqual((await stores.tokens.list(u1.id)).map((t) => t.id), [t2.id, t1.id]);
      });

      it('when used, revoked by someone else and by its owner, then the use is noted and only the owner\'s revocation counts, once', async () => {
        const [owner, other] = [await newUser(), await newUser()];
        const h = hash();
        const token = await stores.tokens.create({ userId: owner.id, username: owner.username, name: 'r', role: 'editor', hash: h }, TEST_CONTEXT);
        const at = new Date(Math.floor(Date.now() / 1000) * 1000);
        await stores.tokens.touch(token.id, at);
        assert.equal((await stores.tokens.findByHash(h))?.token.lastUsedAt?.getTime(), at.getTime());
        assert.equal(await stores.tokens.revoke(token.id, TEST_CONTEXT, other.id), undefined);
        const requestId = name('req');
        assert.ok((await stores.tokens.revoke(token.id, { ...TEST_CONTEXT, requestId }, owner.id))?.revokedAt);
        assert.ok((await stores.tokens.revoke(token.id, { ...TEST_CONTEXT, requestId }))?.revokedAt);
        const events = (await stores.audit.list({ action: 'token.revoke', limit: 10 })).events.filter((e) => e.requestId === requestId);
        assert.deepEqual(events.map((e) => [e.target.id, e.before]), [[String(token.id), { name: 'r', owner: owner.username }]]);
      });
    });

    describe('sessions', () => {
      it('when a session starts, then it is found with its account, the sign-in is recorded, and a replaced session ends', async () => {
        const user = await newUser();
        const old = session(user.id);
        await stores.sessions.create(old, TEST_CONTEXT);
        const fresh = session(user.id);
        const requestId = name('req');
        const actor = { userId: user.id, username: user.username, role: user.role, via: 'session' as const };
        await stores.sessions.create(fresh, { ...TEST_CONTEXT, actor, requestId }, old.idHash);
        assert.equal(await stores.sessions.find(old.idHash), undefined);
        const found = await stores.sessions.find(fresh.idHash);
        assert.deepEqual([found?.user.id, found?.session.expiresAt.getTime()], [user.id, fresh.expiresAt.getTime()]);
        const events = (await stores.audit.list({ actor: user.username, limit: 5 })).events;
        assert.deepEqual(events.map((e) => [e.action, e.requestId]), [['auth.sign_in', requestId]]);
      });

      it('when signed out, then the session is gone and the sign-out is recorded; deleting it again records nothing', async () => {
        const user = await newUser();
        const s = session(user.id);
        await stores.sessions.create(s, TEST_CONTEXT);
        const actor = { userId: user.id, username: user.username, role: user.role, via: 'session' as const };
        await stores.sessions.delete(s.idHash, { ...TEST_CONTEXT, actor });
        await stores.sessions.delete(s.idHash, { ...TEST_CONTEXT, actor });
        assert.equal(await stores.sessions.find(s.idHash), undefined);
        const events = (await stores.audit.list({ actor: user.username, action: 'auth.sign_out', limit: 5 })).events;
        assert.equal(events.length, 1);
      });

      it('when swept, then sessions past their end or idle too long go and live ones stay', async () => {
        const user = await newUser();
        const now = new Date();
        const live = session(user.id, now);
        const expired = { ...session(user.id, new Date(now.getTime() - 90 * MINUTE)), lastSeenAt: now, expiresAt: new Date(now.getTime() - MINUTE) };
        const idle = { ...session(user.id, now), lastSeenAt: new Date(now.getTime() - 61 * MINUTE) };
        for (const s of [live, expired, idle]) await stores.sessions.create(s, TEST_CONTEXT);
        await stores.sessions.sweep(now, new Date(now.getTime() - 60 * MINUTE), 1000);
        assert.ok(await stores.sessions.find(live.idHash));
        assert.equal(await stores.sessions.find(expired.idHash), undefined);
        assert.equal(await stores.sessions.find(idle.idHash), undefined);
      });
    });

    describe('sign-in throttle', () => {
      const lockAfterThree = (failures: number) => (failures >= 3 ? failures * 1000 : 0);

      it('when failures arrive at once, then each is counted (no lost update) and the lock follows the count', async () => {
        const key = name('pair');
        const now = new Date();
        await Promise.all(Array.from({ length: 8 }, () => stores.throttle.addFailure(key, now, new Date(now.getTime() - MINUTE), lockAfterThree)));
        const record = await stores.throttle.get(key);
        assert.equal(record?.failures, 8);
        assert.equal(record?.lockedUntil?.getTime(), now.getTime() + 8000);
      });

      it('when the last failure is older than the window, then counting starts again; reset and sweep forget', async () => {
        const [key, stale] = [name('pair'), name('stale')];
        const long = new Date(Date.now() - 3 * 3600_000);
        for (let i = 0; i < 3; i++) await stores.throttle.addFailure(key, long, new Date(0), lockAfterThree);
        const now = new Date();
        const again = await stores.throttle.addFailure(key, now, new Date(now.getTime() - 3600_000), lockAfterThree);
        assert.deepEqual([again.failures, again.lockedUntil], [1, undefined]);
        await stores.throttle.reset(key);
        assert.equal(await stores.throttle.get(key), undefined);
        await stores.throttle.addFailure(stale, long, new Date(0), lockAfterThree);
        await stores.throttle.sweep(new Date(Date.now() - 3600_000), 1000);
        assert.equal(await stores.throttle.get(stale), undefined);
      });
    });

    describe('audit log', () => {
      it('when filtered by actor, action and product and paged, then pages run newest first without gaps', async () => {
        const actorName = name('Actor');
        const actor = { userId: 99, username: actorName, role: 'admin' as const, via: 'session' as const };
        for (let i = 0; i < 5; i++) {
          await stores.audit.record({ context: { ...TEST_CONTEXT, actor }, action: 'auth.sign_in_failed', target: { type: 'user', id: `u${i}` }, after: { reason: 'test' } });
        }
        const p1 = await stores.audit.list({ actor: actorName.toLowerCase(), action: 'auth.sign_in_failed', limit: 3 });
        const p2 = await stores.audit.list({ actor: actorName, limit: 3, olderThan: p1.events.at(-1)!.id });
        assert.deepEqual([...p1.events, ...p2.events].map((e) => e.target.id), ['u4', 'u3', 'u2', 'u1', 'u0']);
        assert.deepEqual([p1.hasOlder, p2.hasOlder], [true, false]);
        assert.deepEqual((await stores.audit.list({ actor: actorName, action: 'user.create', limit: 3 })).events, []);
      });

      it('when swept, then only events older than the cut-off go', async () => {
        const before = (await stores.audit.list({ limit: 1 })).events[0];
        await stores.audit.record({ context: TEST_CONTEXT, action: 'auth.sign_out', target: { type: 'user', id: 'sweep-me' } });
        assert.equal(await stores.audit.sweep(new Date(Date.now() - 3600_000), 1000), 0);
        if (before) assert.ok((await stores.audit.list({ limit: 100 })).events.some((e) => e.id === before.id));
      });
    });
  });
}
