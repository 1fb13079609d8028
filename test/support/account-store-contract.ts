import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DuplicateUsernameError, LastAdminError, type Session, type User } from '../../web/auth/accounts.js';
import type { PendingSignIn } from '../../web/auth/oidc/relying-party.js';
import type { RoleDecision } from '../../web/auth/oidc/role-from-claims.js';
import type { Identity } from '../../web/auth/oidc/sso-stores.js';
import { usernameCandidates } from '../../web/auth/oidc/username.js';
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

    describe('single sign-on', () => {
      const identity = (): Identity => ({ issuer: 'https://sso.example.test/realms/main', subject: name('Sub') });
      const mapped = (role: Role, group = `catalog-${role}s`): RoleDecision => ({ role, groups: [group] });
      const noGroup: RoleDecision = { refused: 'no-mapped-group', groups: [] };
      const eventsOf = async (requestId: string) =>
        (await stores.audit.list({ limit: 50 })).events.filter((e) => e.requestId === requestId).reverse();
      const context = () => ({ ...TEST_CONTEXT, requestId: name('req') });
      const signIn = async (who: Identity, decision: RoleDecision, proposed = name('sso'), ctx = context()) => {
        const result = await stores.identities.signIn(who, decision, usernameCandidates(proposed), ctx);
        return { result, events: await eventsOf(ctx.requestId) };
      };
      const signedInUser = (result: Awaited<ReturnType<typeof signIn>>['result']) => {
        assert.equal(result.outcome, 'signed-in', JSON.stringify(result));
        return (result as { user: User }).user;
      };

      it('when an identity signs in for the first time, then an account without a password is made, linked to (issuer, sub) and recorded', async () => {
        const who = identity();
        const proposed = name('Erin.L');
        const { result, events } = await signIn(who, mapped('editor'), proposed);
        const user = signedInUser(result);
        assert.deepEqual([user.username, user.role, user.disabled, user.rolePinned, (result as { provisioned: boolean }).provisioned], [proposed, 'editor', false, false, true]);
        assert.equal((await stores.users.find(proposed))?.passwordHash, null);
        assert.equal((await stores.identities.findUser(who))?.id, user.id);
        assert.equal(await stores.identities.findUser({ ...who, subject: who.subject.toLowerCase() }), undefined, 'sub is compared byte for byte');
        assert.deepEqual(events.map((e) => [e.action, e.target.id, e.actor, e.after]), [
          ['user.create', proposed, undefined, { role: 'editor', by: 'oidc', issuer: who.issuer, subject: who.subject }],
        ]);
        const again = await signIn(who, mapped('editor'), proposed);
        assert.deepEqual([signedInUser(again.result).id, (again.result as { provisioned: boolean }).provisioned, again.events], [user.id, false, []]);
      });

      it('when the proposed name belongs to another account, then the new account gets the next free name and the other is never linked', async () => {
        const local = await newUser('admin', name('alice'));
        const { result } = await signIn(identity(), mapped('viewer'), local.username.toUpperCase());
        const user = signedInUser(result);
        assert.equal(user.username, `${local.username.toUpperCase()}-2`);
        assert.notEqual(user.id, local.id);
        assert.equal((await stores.users.find(local.username))?.role, 'admin');
      });

      it('when the claims map no role at the first sign-in, then it is refused and no account is made', async () => {
        const who = identity();
        const proposed = name('carol');
        const { result, events } = await signIn(who, noGroup, proposed);
        assert.deepEqual(result, { outcome: 'refused', reason: 'no-mapped-group' });
        assert.equal(await stores.users.find(proposed), undefined);
        assert.equal(await stores.identities.findUser(who), undefined);
        assert.deepEqual(events, []);
      });

      it("when the claims' role changes, then each sign-in sets it and records the groups; an unchanged role records nothing", async () => {
        const who = identity();
        const user = signedInUser((await signIn(who, mapped('editor'))).result);
        const promoted = await signIn(who, mapped('admin'));
        assert.equal(signedInUser(promoted.result).role, 'admin');
        assert.deepEqual(promoted.events.map((e) => [e.action, e.before, e.after]), [
          ['user.role', { role: 'editor' }, { role: 'admin', groups: 'catalog-admins', by: 'oidc', issuer: who.issuer, subject: who.subject }],
        ]);
        assert.equal((await stores.users.find(user.username))?.role, 'admin');
        assert.deepEqual((await signIn(who, mapped('admin'))).events, []);
      });

      it('when the claims map no role any more, then the account is disabled by claims, its sessions end, and a later mapped sign-in enables it', async () => {
        const who = identity();
        const user = signedInUser((await signIn(who, mapped('editor'))).result);
        const s = session(user.id);
        await stores.sessions.create(s, TEST_CONTEXT);
        const refused = await signIn(who, noGroup);
        assert.equal(refused.result.outcome, 'refused');
        assert.equal((refused.result as { reason: string }).reason, 'no-mapped-group');
        const disabled = await stores.users.find(user.username);
        assert.deepEqual([disabled?.disabled, disabled?.disabledByClaims, disabled?.role], [true, true, 'editor']);
        assert.equal(await stores.sessions.find(s.idHash), undefined);
        assert.deepEqual(refused.events.map((e) => [e.action, e.after?.reason, e.after?.by]), [['user.disable', 'no mapped group', 'oidc']]);
        assert.deepEqual((await signIn(who, noGroup)).events, [], 'refused again: nothing more changes');

        const back = await signIn(who, mapped('viewer'));
        const enabled = signedInUser(back.result);
        assert.deepEqual([enabled.disabled, enabled.disabledByClaims, enabled.role], [false, false, 'viewer']);
        assert.deepEqual(back.events.map((e) => e.action), ['user.role', 'user.enable']);
      });

      it('when an admin disabled the account, then a sign-in is refused and never enables it, whatever the claims say', async () => {
        const who = identity();
        const user = signedInUser((await signIn(who, mapped('editor'))).result);
        await stores.users.update(user.username, { disabled: true }, TEST_CONTEXT);
        const { result, events } = await signIn(who, mapped('admin'));
        assert.deepEqual([result.outcome, (result as { reason: string }).reason], ['refused', 'disabled']);
        assert.deepEqual(events, []);
        const found = await stores.users.find(user.username);
        assert.deepEqual([found?.disabled, found?.disabledByClaims, found?.role], [true, false, 'editor']);
      });

      it('when an admin disables an account that claims disabled, then the admin owns it: a mapped sign-in no longer enables it', async () => {
        const who = identity();
        const user = signedInUser((await signIn(who, mapped('editor'))).result);
        await signIn(who, noGroup);
        const requestId = name('req');
        await stores.users.update(user.username, { disabled: true }, { ...TEST_CONTEXT, requestId });
        assert.deepEqual((await eventsOf(requestId)).map((e) => e.action), ['user.disable']);
        assert.equal((await stores.users.find(user.username))?.disabledByClaims, false);
        assert.equal((await signIn(who, mapped('editor'))).result.outcome, 'refused');
      });

      it('when an admin pins the role, then sign-ins keep it and a lack of groups no longer disables; unpinned, the claims decide again', async () => {
        const who = identity();
        const user = signedInUser((await signIn(who, mapped('editor'))).result);
        const requestId = name('req');
        await stores.users.update(user.username, { role: 'viewer', rolePinned: true }, { ...TEST_CONTEXT, requestId });
        assert.deepEqual((await eventsOf(requestId)).map((e) => [e.action, e.after]), [
          ['user.role', { role: 'viewer' }],
          ['user.role_pin', { role: 'viewer' }],
        ]);
        const pinned = await signIn(who, mapped('admin'));
        assert.deepEqual([signedInUser(pinned.result).role, signedInUser(pinned.result).rolePinned, pinned.events], ['viewer', true, []]);
        assert.equal(signedInUser((await signIn(who, noGroup)).result).disabled, false);

        await stores.users.update(user.username, { rolePinned: false }, TEST_CONTEXT);
        assert.equal(signedInUser((await signIn(who, mapped('admin'))).result).role, 'admin');
      });

      it('when the claims would demote the last enabled admin, then LastAdminError and nothing changes', async () => {
        const who = identity();
        const mine = signedInUser((await signIn(who, mapped('admin'))).result);
        for (const admin of (await stores.users.list()).filter((u) => u.role === 'admin' && !u.disabled && u.id !== mine.id)) {
          await stores.users.update(admin.username, { role: 'viewer' }, TEST_CONTEXT);
        }
        assert.equal(await stores.users.countAdmins(), 1);
        await assert.rejects(signIn(who, mapped('editor')), LastAdminError);
        await assert.rejects(signIn(who, noGroup), LastAdminError);
        const found = await stores.users.find(mine.username);
        assert.deepEqual([found?.role, found?.disabled], ['admin', false]);
      });

      it('when one identity signs in for the first time twice at once, then one account is made and both sign-ins get it', async () => {
        const who = identity();
        const proposed = name('twin');
        const results = await Promise.all([signIn(who, mapped('editor'), proposed), signIn(who, mapped('editor'), proposed)]);
        const ids = results.map(({ result }) => signedInUser(result).id);
        assert.equal(ids[0], ids[1]);
        assert.equal((await stores.users.list()).filter((u) => u.username.toLowerCase().startsWith(proposed.toLowerCase())).length, 1);
      });

      it('when a single sign-on session starts, then it keeps the provider account and ID token, and the sign-in names the method', async () => {
        const who = identity();
        const user = signedInUser((await signIn(who, mapped('viewer'))).result);
        const oidc = { ...who, idToken: `eyJ.${'x'.repeat(2000)}.sig` };
        const s = { ...session(user.id), oidc };
        const requestId = name('req');
        const actor = { userId: user.id, username: user.username, role: user.role, via: 'session' as const };
        await stores.sessions.create(s, { ...TEST_CONTEXT, actor, requestId });
        assert.deepEqual((await stores.sessions.find(s.idHash))?.session.oidc, oidc);
        const password = session(user.id);
        await stores.sessions.create(password, TEST_CONTEXT);
        assert.equal((await stores.sessions.find(password.idHash))?.session.oidc, undefined);
        assert.deepEqual((await eventsOf(requestId)).map((e) => [e.action, e.after]), [
          ['auth.sign_in', { method: 'oidc', issuer: who.issuer, subject: who.subject }],
        ]);
        await stores.sessions.delete(s.idHash, { ...TEST_CONTEXT, actor, requestId }, { method: 'oidc', providerSignOut: true });
        assert.deepEqual((await eventsOf(requestId)).map((e) => [e.action, e.after]).at(-1), ['auth.sign_out', { method: 'oidc', providerSignOut: true }]);
      });
    });

    describe('pending single sign-ons', () => {
      const pending = (): PendingSignIn => ({
        state: name('state'),
        nonce: name('nonce'),
        codeVerifier: name('verifier'),
        redirectUri: 'https://catalog.example.test/auth/oidc/callback',
        next: '/?q=ü',
        createdAt: Date.now(),
      });

      it('when taken, then it comes back once: a second take, even at the same moment, finds nothing', async () => {
        const [id, saved] = [hash(), pending()];
        await stores.pendingSignIns.save(id, saved, new Date(Date.now() + 10 * MINUTE));
        const takes = await Promise.all([stores.pendingSignIns.take(id, new Date()), stores.pendingSignIns.take(id, new Date())]);
        assert.deepEqual(takes.filter(Boolean), [saved]);
        assert.equal(await stores.pendingSignIns.take(id, new Date()), undefined);
        assert.equal(await stores.pendingSignIns.take(hash(), new Date()), undefined);
      });

      it('when expired, then taking it finds nothing and the sweep removes it, live ones stay', async () => {
        const now = new Date();
        const [expired, live] = [hash(), hash()];
        await stores.pendingSignIns.save(expired, pending(), new Date(now.getTime() - 1000));
        await stores.pendingSignIns.save(live, pending(), new Date(now.getTime() + 10 * MINUTE));
        assert.ok((await stores.pendingSignIns.sweep(now, 1000)) >= 1);
        assert.equal(await stores.pendingSignIns.take(expired, now), undefined);
        assert.ok(await stores.pendingSignIns.take(live, now));
        const late = hash();
        await stores.pendingSignIns.save(late, pending(), new Date(now.getTime() + 1000));
        assert.equal(await stores.pendingSignIns.take(late, new Date(now.getTime() + 2000)), undefined);
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
