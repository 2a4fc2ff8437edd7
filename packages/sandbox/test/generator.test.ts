import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { generateOrganisation } from '../src/tenant/generator.js';
import { GLOBAL_ADMINISTRATOR_ROLE_ID } from '../src/tenant/model.js';

const base = { seed: 7, index: 0, users: 120, createdDateTime: '2025-01-15T00:00:00.000Z' };

describe('seeded organisation generator', () => {
  test('the same seed gives the same organisation; another seed another', () => {
    const a = generateOrganisation(base);
    const b = generateOrganisation(base);
    assert.equal(a.id, b.id);
    assert.deepEqual([...a.users.values()], [...b.users.values()]);
    assert.deepEqual([...a.groups.values()], [...b.groups.values()]);
    const c = generateOrganisation({ ...base, seed: 8 });
    assert.notEqual(c.id, a.id);
    assert.notEqual(c.defaultDomain, a.defaultDomain);
  });

  test('people have unique sign-in names, departments, titles and a management chain up to the CEO', () => {
    const org = generateOrganisation(base);
    const users = [...org.users.values()];
    assert.equal(users.length, 120);
    assert.equal(new Set(users.map((u) => u.userPrincipalName)).size, 120);
    assert.ok(users.every((u) => u.userPrincipalName.endsWith(`@${org.defaultDomain}`)));
    const admins = users.filter((u) => u.directoryRoleIds.includes(GLOBAL_ADMINISTRATOR_ROLE_ID));
    assert.equal(admins.length, 1);
    const ceo = users.find((u) => u.jobTitle === 'Chief Executive Officer')!;
    assert.equal(ceo.managerId, null);
    const staff = users.filter((u) => u !== ceo && u !== admins[0]);
    assert.ok(
      staff.every((u) => u.department && u.jobTitle && u.managerId),
      'everyone else has a department, title and manager',
    );
    for (const u of staff) {
      let hops = 0;
      let current = u;
      while (current.managerId && hops < 10) {
        current = org.users.get(current.managerId)!;
        hops++;
      }
      assert.equal(current.id, ceo.id, `${u.userPrincipalName} reports up to the CEO`);
    }
  });

  test('groups: all-company, per department (security and Microsoft 365), nested and project groups', () => {
    const org = generateOrganisation(base);
    const groups = [...org.groups.values()];
    const allCompany = groups.find((g) => g.displayName === 'All Company')!;
    assert.equal(allCompany.memberIds.length, 120);
    assert.deepEqual(allCompany.groupTypes, ['Unified']);
    const sales = groups.find((g) => g.displayName === 'Sales')!;
    assert.equal(sales.securityEnabled, true);
    assert.ok(sales.memberIds.every((id) => org.users.get(id)?.department === 'Sales'));
    const nested = groups.find((g) => g.displayName === 'All Staff Security')!;
    assert.ok(
      nested.memberIds.every((id) => org.groups.has(id)),
      'a group whose members are groups',
    );
    assert.ok(groups.some((g) => g.displayName.startsWith('Project ')));
    assert.equal(new Set(groups.map((g) => g.mailNickname)).size, groups.length);
  });

  test('an explicit group count is honoured and a taken domain is avoided', () => {
    const org = generateOrganisation({ ...base, groups: 40 });
    assert.equal(org.groups.size, 40);
    const taken = generateOrganisation({ ...base, isTakenDomain: (d) => d === org.defaultDomain });
    assert.notEqual(taken.defaultDomain, org.defaultDomain);
  });
});
