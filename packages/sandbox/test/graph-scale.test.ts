import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Harness, type Json, startHarness } from '../src/testing/index.js';

describe('a 100,000-user tenant', () => {
  let h: Harness;
  let token: string;
  let startMs: number;

  before(async () => {
    const started = Date.now();
    h = await startHarness({ users: 100_000, groups: 10_000 });
    startMs = Date.now() - started;
    token = (await h.appToken(['User.Read.All', 'GroupMember.Read.All'])).token;
  });
  after(() => h.close());

  test('starts in a few seconds', () => {
    assert.ok(startMs < 20_000, `started in ${startMs} ms`);
  });

  test('GET /users pages at the documented maximum of 999', async () => {
    let url: string | undefined = '/users?$top=999&$select=id';
    const ids = new Set<string>();
    let pages = 0;
    while (url) {
      const res = await h.graph(token, url);
      assert.equal(res.status, 200);
      const value = res.body.value as { id: string }[];
      if (res.body['@odata.nextLink']) assert.equal(value.length, 999, 'every full page holds 999 users');
      for (const u of value) ids.add(u.id);
      url = res.body['@odata.nextLink'];
      pages++;
    }
    assert.equal(ids.size, 100_000);
    assert.equal(pages, Math.ceil(100_000 / 999));
  });

  test('delta after 1% churn returns exactly the changes', async () => {
    const users = await h.graph(token, '/users/delta?$deltatoken=latest&$select=displayName,jobTitle');
    const groups = await h.graph(token, '/groups/delta?$deltatoken=latest');
    const churn = await h.control('POST', `/tenants/${h.tenantId}/churn`, {
      usersAdded: 300,
      usersUpdated: 500,
      usersDeleted: 200,
      groupsChanged: 100,
      membershipChanges: 200,
      seed: 3,
    });
    const collect = async (start: string) => {
      const items: Json[] = [];
      let next: string | undefined = start;
      for (;;) {
        const res = await h.graph(token, next!);
        items.push(...res.body.value);
        if (res.body['@odata.deltaLink']) return items;
        next = res.body['@odata.nextLink'];
      }
    };
    const userChanges = await collect(users.body['@odata.deltaLink']);
    assert.deepEqual(
      new Set(userChanges.map((u) => u.id)),
      new Set([...churn.usersAdded, ...churn.usersUpdated, ...churn.usersDeleted]),
    );
    assert.equal(userChanges.filter((u) => u['@removed']).length, 200);
    const groupChanges = await collect(groups.body['@odata.deltaLink']);
    const expectedGroups = new Set<string>([
      ...churn.groupsChanged,
      ...churn.membershipChanges.map((c: Json) => c.groupId),
    ]);
    // Deleted users also leave the groups they were in: those groups change too.
    const changedGroupIds = new Set(groupChanges.map((g) => g.id));
    for (const id of expectedGroups) assert.ok(changedGroupIds.has(id), `group ${id} is reported`);
    const removedMembers = groupChanges.flatMap((g) => g['members@delta'] ?? []).filter((m: Json) => m['@removed']);
    const deleted = new Set<string>(churn.usersDeleted);
    const explicitlyRemoved = new Set(
      churn.membershipChanges.filter((c: Json) => c.removed).map((c: Json) => c.removed),
    );
    assert.ok(removedMembers.every((m: Json) => deleted.has(m.id) || explicitlyRemoved.has(m.id)));
  });
});
