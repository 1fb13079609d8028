import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { sameOriginPath } from '../../web/http/safe-redirect.js';
import type { Role } from '../../web/auth/roles.js';
import { groupsIn, roleFromClaims } from '../../web/auth/oidc/role-from-claims.js';
import { USERNAME_PATTERN } from '../../web/auth/credentials-rules.js';
import { proposeUsername, usernameCandidates } from '../../web/auth/oidc/username.js';

const policy = (defaultRole: 'viewer' | 'none' = 'viewer', rolesClaim = 'groups') => ({
  rolesClaim,
  defaultRole,
  roleMap: new Map<string, Role>([
    ['catalog-admins', 'admin'],
    ['catalog-editors', 'editor'],
    ['catalog-readers', 'viewer'],
  ]),
});

describe('roleFromClaims', () => {
  it('when the user is in several mapped groups, then the highest role wins whatever the order', () => {
    assert.deepEqual(roleFromClaims({ groups: ['catalog-editors', 'catalog-admins'] }, policy()), { role: 'admin', groups: ['catalog-editors', 'catalog-admins'] });
    assert.deepEqual(roleFromClaims({ groups: ['catalog-admins', 'catalog-readers'] }, policy()), { role: 'admin', groups: ['catalog-admins', 'catalog-readers'] });
    assert.deepEqual(roleFromClaims({ groups: ['catalog-readers', 'catalog-editors'] }, policy()), { role: 'editor', groups: ['catalog-readers', 'catalog-editors'] });
  });

  it('when the claim is a space or comma separated string, then it counts as a list', () => {
    assert.equal((roleFromClaims({ groups: 'staff catalog-editors' }, policy()) as { role: Role }).role, 'editor');
    assert.equal((roleFromClaims({ groups: 'staff,catalog-admins' }, policy()) as { role: Role }).role, 'admin');
  });

  it('when the claim is missing, empty or of another type, then the default role applies, or none refuses', () => {
    for (const claims of [{}, { groups: [] }, { groups: '' }, { groups: 42 }, { groups: { admin: true } }, { groups: [1, null] }]) {
      assert.deepEqual(roleFromClaims(claims, policy('viewer')), { role: 'viewer', groups: [] }, JSON.stringify(claims));
      assert.deepEqual(roleFromClaims(claims, policy('none')), { refused: 'no-mapped-group', groups: [] }, JSON.stringify(claims));
    }
  });

  it('when group names differ only in case or the roles claim is another claim, then they do not match', () => {
    assert.deepEqual(roleFromClaims({ groups: ['Catalog-Admins'] }, policy('none')), { refused: 'no-mapped-group', groups: [] });
    assert.deepEqual(roleFromClaims({ groups: ['catalog-admins'] }, policy('none', 'roles')), { refused: 'no-mapped-group', groups: [] });
    assert.equal((roleFromClaims({ roles: ['catalog-admins'] }, policy('none', 'roles')) as { role: Role }).role, 'admin');
  });
});

describe('groupsIn', () => {
  it('when a list repeats names or holds non-strings, then each string group appears once', () => {
    assert.deepEqual(groupsIn(['a', 'b', 'a', 3, '', 'c']), ['a', 'b', 'c']);
    assert.deepEqual(groupsIn(' a, b  c,,'), ['a', 'b', 'c']);
  });
});

describe('proposeUsername', () => {
  const issuer = 'https://sso.example.com';

  it('when preferred_username is a valid name, then it is kept as it is', () => {
    assert.equal(proposeUsername({ sub: '1', preferred_username: 'Alice.Smith_2', email: 'x@example.com' }, issuer), 'Alice.Smith_2');
  });

  it('when only an email or a UPN is given, then the part before @ is used', () => {
    assert.equal(proposeUsername({ sub: '1', email: 'bob.jones@example.com' }, issuer), 'bob.jones');
    assert.equal(proposeUsername({ sub: '1', preferred_username: 'carol@contoso.onmicrosoft.com' }, issuer), 'carol');
  });

  it('when the name has accents, spaces or other characters, then it is folded to the username rules', () => {
    assert.equal(proposeUsername({ sub: '1', preferred_username: 'José Álvarez' }, issuer), 'Jose-Alvarez');
    assert.equal(proposeUsername({ sub: '1', preferred_username: '  --ümlaut+tag!! ' }, issuer), 'umlaut-tag');
    assert.equal(proposeUsername({ sub: '1', preferred_username: 'x'.repeat(100) }, issuer), 'x'.repeat(64));
  });

  it('when neither claim leaves a usable name, then the name is derived from issuer and subject, stably', () => {
    const a = proposeUsername({ sub: 'abc', preferred_username: '张伟', email: '@example.com' }, issuer);
    assert.match(a, /^user-[0-9a-f]{12}$/);
    assert.equal(proposeUsername({ sub: 'abc' }, issuer), a);
    assert.notEqual(proposeUsername({ sub: 'abd' }, issuer), a);
  });

  it('when claims are arbitrary text, then the proposal always fits the username rules', () => {
    fc.assert(
      fc.property(fc.option(fc.string({ unit: 'binary', maxLength: 200 })), fc.option(fc.string({ maxLength: 200 })), fc.string(), (preferred, email, sub) => {
        const name = proposeUsername({ sub, ...(preferred !== null && { preferred_username: preferred }), ...(email !== null && { email }) }, issuer);
        assert.match(name, USERNAME_PATTERN);
      }),
    );
  });
});

describe('usernameCandidates', () => {
  it('when a name is taken, then the next candidates are numbered, then random, all distinct and valid', () => {
    const names = usernameCandidates('alice');
    assert.deepEqual(names.slice(0, 3), ['alice', 'alice-2', 'alice-3']);
    assert.equal(names[8], 'alice-9');
    assert.match(names[9]!, /^alice-[0-9a-f]{8}$/);
    assert.equal(new Set(names.map((n) => n.toLowerCase())).size, names.length);
  });

  it('when the name is already 64 characters, then the suffix replaces its end and every candidate still fits', () => {
    for (const name of usernameCandidates('a'.repeat(64))) {
      assert.match(name, USERNAME_PATTERN);
    }
    assert.equal(usernameCandidates('a'.repeat(64))[1], `${'a'.repeat(62)}-2`);
  });
});

describe('sameOriginPath', () => {
  it('when next is a path on this site, then it is kept with its query and fragment', () => {
    assert.equal(sameOriginPath('/'), '/');
    assert.equal(sameOriginPath('/admin/users?page=2#top'), '/admin/users?page=2#top');
    assert.equal(sameOriginPath('/a/../b'), '/b');
  });

  it('when next could lead to another site or is not a path, then it becomes /', () => {
    for (const next of ['//evil.example', '///evil.example', '/\\evil.example', 'https://evil.example/', 'evil', '', '/\t/evil.example', '/\n', undefined, 42, ['/a'], `/${'a'.repeat(3000)}`]) {
      assert.equal(sameOriginPath(next), '/', JSON.stringify(next));
    }
  });
});
