import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import supertest from 'supertest';
import { checkNewPassword, checkUsername } from '../../web/auth/credentials-rules.js';
import { CURRENT_PARAMETERS, hashPassword, needsRehash, passwordHashRuns, verifyPassword } from '../../web/auth/password-hash.js';
import { appWith } from '../support/app.js';
import { memoryStores } from '../../web/stores.js';
import { signIn, TEST_CONTEXT } from '../support/auth.js';

describe('password rules (NIST SP 800-63B)', () => {
  const refused: Array<[string, string, RegExp]> = [
    ['11 characters', 'abcdefghijk', /at least 12 characters \(it has 11\)/],
    ['257 characters', 'x'.repeat(257), /at most 256/],
    ['the username, any case', 'Alice.Example', /must not be the username/],
    ['a common password', 'qwertyuiop123', /too easy to guess/],
    ['a common password in capitals', 'PASSWORD1234', /too easy to guess/],
    ['one character repeated', 'aaaaaaaaaaaaaa', /too easy to guess/],
    ['a run of digits', '123456789012', /too easy to guess/],
    ['a run backwards', 'zyxwvutsrqpo', /too easy to guess/],
    ["the app's name", 'product-catalog', /too easy to guess/],
    ['a lone surrogate', 'abcdefghijkl\ud800', /invalid Unicode/],
  ];
  for (const [what, password, message] of refused) {
    it(`when a password is ${what}, then it is refused saying why`, async () => {
      const checked = await checkNewPassword(password, 'alice.example');
      assert.ok(!checked.ok && message.test(checked.error), JSON.stringify(checked));
    });
  }

  it('when a password has no digits, symbols or capitals but is long, then it is accepted (no composition rules)', async () => {
    assert.deepEqual(await checkNewPassword('correct horse battery staple', 'alice'), { ok: true, value: 'correct horse battery staple' });
  });

  it('when a password has emoji or non-Latin letters, then length counts characters, and NFKC makes compatible forms equal', async () => {
    const emoji = '🔑🍵🧪🎉🚀🌍🍕🎸📚🧭🪁🦊';
    assert.ok((await checkNewPassword(emoji, 'alice')).ok, '12 emoji are 12 characters (24 UTF-16 units)');
    assert.ok(!(await checkNewPassword([...emoji].slice(1).join(''), 'alice')).ok);
    const fullwidth = await checkNewPassword('ｐａｓｓｐｈｒａｓｅ ｗｉｄｅ', 'alice');
    assert.deepEqual(fullwidth, { ok: true, value: 'passphrase wide' });
  });

  it('when usernames are checked, then 1 to 64 of A-Z a-z 0-9 . _ - pass and anything else is named', () => {
    assert.deepEqual(checkUsername('  Ops.Bot_1-a '), { ok: true, value: 'Ops.Bot_1-a' });
    for (const bad of ['', 'has space', 'ünïcode', 'a'.repeat(65), 'semi;colon']) assert.ok(!checkUsername(bad).ok, bad);
  });
});

describe('password hashes', () => {
  it("when a password is hashed, then the PHC string names argon2id and OWASP's parameters, and only that password verifies", async () => {
    const phc = await hashPassword('a test passphrase');
    assert.match(phc, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    assert.equal(await verifyPassword('a test passphrase', phc), true);
    assert.equal(await verifyPassword('a test passphrasE', phc), false);
    assert.equal(await verifyPassword('a test passphrase', 'garbage'), false);
    assert.notEqual(await hashPassword('a test passphrase'), phc, 'a fresh salt each time');
    assert.equal(needsRehash(phc), false);
  });

  it('when a stored hash has older parameters, then it still verifies, and the next sign-in stores one with the current parameters', async () => {
    const stores = memoryStores();
    const old = await hashPassword('an old passphrase here', { memoryKiB: 8192, passes: 1, parallelism: 1 });
    assert.equal(needsRehash(old), true);
    await stores.users.create({ username: 'legacy', role: 'viewer', passwordHash: old }, TEST_CONTEXT);
    await signIn(appWith(stores), { username: 'legacy', password: 'an old passphrase here' });
    const stored = (await stores.users.find('legacy'))!.passwordHash!;
    assert.match(stored, new RegExp(`m=${CURRENT_PARAMETERS.memoryKiB},t=${CURRENT_PARAMETERS.passes},p=${CURRENT_PARAMETERS.parallelism}`));
    assert.equal(await verifyPassword('an old passphrase here', stored), true);
  });

  it('when a sign-in names an unknown user, then it does the same hash work as a wrong password for a real one', async () => {
    const stores = memoryStores();
    const app = appWith(stores);
    await stores.users.create({ username: 'real', role: 'viewer', passwordHash: await hashPassword('the real passphrase') }, TEST_CONTEXT);
    const attempt = async (username: string) => {
      const agent = supertest.agent(app);
      const csrf = /name="_csrf" value="([^"]+)"/.exec((await agent.get('/login')).text)![1];
      await agent.get('/login'); // the dummy hash is made on first use; warm it
      const before = passwordHashRuns();
      await agent.post('/login').type('form').send({ _csrf: csrf, username, password: 'some wrong passphrase' }).expect(401);
      return passwordHashRuns() - before;
    };
    await attempt('nobody'); // first call also builds the dummy hash
    assert.equal(await attempt('nobody-else'), await attempt('real'));
    assert.equal(await attempt('real'), 1);
  });
});
