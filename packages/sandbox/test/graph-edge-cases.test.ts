import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Harness, type Json, startHarness } from '../src/testing/index.js';

describe('Graph edge cases: lost updates, bad input, batch boundaries, delta scope', () => {
  let h: Harness;
  let reader: string;
  let writer: string;

  before(async () => {
    h = await startHarness({ users: 60, groups: 12 });
    reader = (await h.appToken(['User.Read.All', 'GroupMember.Read.All'])).token;
    writer = (await h.appToken(['User.ReadWrite.All', 'Group.ReadWrite.All', 'GroupMember.ReadWrite.All'])).token;
  });
  after(() => h.close());

  async function round(token: string, url: string): Promise<{ items: Json[]; deltaLink: string }> {
    const items: Json[] = [];
    let next = url;
    for (;;) {
      const res = await h.graph(token, next);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      items.push(...res.body.value);
      if (res.body['@odata.deltaLink']) return { items, deltaLink: res.body['@odata.deltaLink'] };
      next = res.body['@odata.nextLink'];
    }
  }

  test('deleting users between pages of the first delta round loses nobody', async () => {
    await h.control('PATCH', '/settings', { deltaPageSize: 10 });
    try {
      const first = await h.graph(reader, '/users/delta?$select=id');
      const seen = new Set<string>(first.body.value.map((u: Json) => u.id));
      for (const u of first.body.value.slice(0, 5))
        await h.control('DELETE', `/tenants/${h.tenantId}/users/${u.id}`, undefined, 204);
      const rest = await round(reader, first.body['@odata.nextLink']);
      for (const u of rest.items) seen.add(u.id);
      const after = await round(reader, rest.deltaLink);
      for (const u of after.items) if (!u['@removed']) seen.add(u.id);
      const live = (await h.control('GET', `/tenants/${h.tenantId}`)).users.map((u: Json) => u.id);
      assert.deepEqual(
        live.filter((id: string) => !seen.has(id)),
        [],
        'every live user was sent',
      );
    } finally {
      await h.control('PATCH', '/settings', { deltaPageSize: 200 });
    }
  });

  test('delta tracks only the selected properties; manager@delta appears in the first round', async () => {
    const names = await h.graph(reader, '/users/delta?$deltatoken=latest&$select=displayName');
    const titles = await h.graph(reader, '/users/delta?$deltatoken=latest&$select=jobTitle');
    const churn = await h.control('POST', `/tenants/${h.tenantId}/churn`, { usersUpdated: 4, seed: 9 });
    const byName = await round(reader, names.body['@odata.deltaLink']);
    assert.deepEqual(byName.items, [], 'jobTitle changes are not tracked with $select=displayName');
    const byTitle = await round(reader, titles.body['@odata.deltaLink']);
    assert.deepEqual(new Set(byTitle.items.map((u) => u.id)), new Set(churn.usersUpdated));
    const managers = await round(reader, '/users/delta?$select=displayName,manager');
    assert.ok(
      managers.items.some((u) => u['manager@delta']?.length === 1),
      'the org chart arrives in the first round',
    );
  });

  test("delta's $filter takes object IDs only", async () => {
    const ids = (await h.graph(reader, '/users?$top=3&$select=id')).body.value.map((u: Json) => u.id);
    const filtered = await round(reader, `/users/delta?$filter=id eq '${ids[0]}' or id eq '${ids[1]}'`);
    assert.deepEqual(new Set(filtered.items.map((u) => u.id)), new Set([ids[0], ids[1]]));
    const other = await h.graph(reader, "/users/delta?$filter=displayName eq 'x'");
    assert.equal(other.status, 400);
  });

  test('bad values are refused with 400 and never break later requests', async () => {
    const users = (await h.graph(reader, '/users?$top=3&$select=id,userPrincipalName')).body.value;
    const nullUpn = await h.graph(writer, `/users/${users[1].id}`, {
      method: 'PATCH',
      body: { userPrincipalName: null },
    });
    assert.equal(nullUpn.status, 400);
    assert.match(nullUpn.body.error.message, /Invalid value specified for property 'userPrincipalName'/);
    const takenUpn = await h.graph(writer, `/users/${users[1].id}`, {
      method: 'PATCH',
      body: { userPrincipalName: users[2].userPrincipalName },
    });
    assert.equal(takenUpn.status, 400);
    assert.equal(
      (await h.graph(reader, '/users/00000000-0000-0000-0000-0000000000ff')).status,
      404,
      'lookups still work',
    );
    const stringBool = await h.graph(writer, '/users', {
      method: 'POST',
      body: {
        accountEnabled: 'false',
        displayName: 'X',
        mailNickname: 'x',
        userPrincipalName: `x@${users[0].userPrincipalName.split('@')[1]}`,
        passwordProfile: { password: 'Aa1!aaaaaa' },
      },
    });
    assert.equal(stringBool.status, 400);
    assert.equal((await h.graph(reader, '/users/%25')).status, 404);
    const deep = await h.graph(reader, `/users?$filter=${'('.repeat(3000)}id eq 'x'${')'.repeat(3000)}`);
    assert.equal(deep.status, 400);
    const bind = await h.graph(writer, '/groups', {
      method: 'POST',
      body: {
        displayName: 'Bad Bind',
        mailEnabled: false,
        mailNickname: 'badbind',
        securityEnabled: true,
        'members@odata.bind': 'x',
      },
    });
    assert.equal(bind.status, 400);
    assert.equal((await h.graph(reader, '/users?$select=')).status, 400);
  });

  test('memberships: no group in itself; removing a missing member names the group', async () => {
    const group = (
      await h.graph(writer, '/groups', {
        method: 'POST',
        body: { displayName: 'Selfish', mailEnabled: false, mailNickname: 'selfish', securityEnabled: true },
      })
    ).body;
    const self = await h.graph(writer, `/groups/${group.id}/members/$ref`, {
      method: 'POST',
      body: { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${group.id}` },
    });
    assert.equal(self.status, 400);
    const missing = await h.graph(writer, `/groups/${group.id}/members/00000000-0000-0000-0000-0000000000ee/$ref`, {
      method: 'DELETE',
    });
    assert.equal(missing.status, 404);
    assert.match(missing.body.error.message, new RegExp(group.id));
  });

  test('$expand: manager is one object, on lists and single users, with nested $select', async () => {
    const users = (await h.graph(reader, '/users?$top=20&$select=id,jobTitle&$expand=manager')).body.value;
    const withManager = users.find((u: Json) => u.manager);
    assert.equal(typeof withManager.manager, 'object');
    assert.ok(!Array.isArray(withManager.manager));
    const single = await h.graph(reader, `/users/${withManager.id}?$expand=manager($select=id,displayName)`);
    assert.deepEqual(Object.keys(single.body.manager).sort(), ['@odata.type', 'displayName', 'id']);
    const groups = await h.graph(reader, '/groups?$top=3&$expand=members($select=id)');
    assert.equal(groups.status, 200);
    assert.ok(
      groups.body.value.every((g: Json) =>
        g.members.every((m: Json) => Object.keys(m).sort().join() === '@odata.type,id'),
      ),
    );
  });

  test('$batch: links point at the client’s host, URLs stay under /v1.0, no nesting, no cycles, needs a token', async () => {
    const ok = await h.graph(reader, '/$batch', {
      method: 'POST',
      body: { requests: [{ id: '1', method: 'GET', url: '/users?$top=1' }] },
    });
    assert.ok(
      ok.body.responses[0].body['@odata.nextLink'].startsWith(`${h.sandbox.graph}/`),
      'same host and port as the batch',
    );
    for (const url of ['/../_sandbox/tenants', '/v1.0/../common/v2.0/.well-known/openid-configuration', '/$batch']) {
      const res = await h.graph(reader, '/$batch', {
        method: 'POST',
        body: { requests: [{ id: '1', method: 'GET', url }] },
      });
      assert.equal(res.status, 400, url);
    }
    const cycle = await h.graph(reader, '/$batch', {
      method: 'POST',
      body: {
        requests: [
          { id: '1', method: 'GET', url: '/users', dependsOn: ['2'] },
          { id: '2', method: 'GET', url: '/users', dependsOn: ['1'] },
        ],
      },
    });
    assert.equal(cycle.status, 400);
    const wrongType = await h.graph(reader, '/$batch', {
      method: 'POST',
      body: { requests: [{ id: '1', method: 'GET', url: '/users', dependsOn: 5 }] },
    });
    assert.equal(wrongType.status, 400);
    const anonymous = await h.graph(null, '/$batch', {
      method: 'POST',
      body: { requests: [{ id: '1', method: 'GET', url: '/users' }] },
    });
    assert.equal(anonymous.status, 401);
  });

  test('sorted and filtered results are reused across pages but never outlive a write', async () => {
    const sorted = async () =>
      (await h.graph(reader, '/users?$orderby=displayName&$select=id,displayName&$top=5')).body.value;
    const before = await sorted();
    const last = (await h.graph(reader, '/users?$orderby=displayName desc&$select=id&$top=1')).body.value[0].id;
    await h.graph(writer, `/users/${last}`, { method: 'PATCH', body: { displayName: 'Aaron Aardvark' } });
    const after = await sorted();
    assert.equal(after[0].id, last, 'the renamed user sorts first now');
    assert.notDeepEqual(after, before);
  });

  test('a skiptoken from one collection is refused by another', async () => {
    const next = (await h.graph(reader, '/users?$top=2')).body['@odata.nextLink'] as string;
    const token = new URL(next).searchParams.get('$skiptoken')!;
    const res = await h.graph(reader, `/groups?$skiptoken=${encodeURIComponent(token)}`);
    assert.equal(res.status, 400);
  });

  test('delegated User.ReadWrite updates the signed-in user only', async () => {
    const app = await h.createApp({
      displayName: 'Self Service',
      allowPublicClient: true,
      requiredPermissions: { delegated: ['User.ReadWrite', 'openid', 'profile', 'offline_access'] },
      grantAdminConsent: true,
    });
    const person = await h.control('POST', `/tenants/${h.tenantId}/users`, { displayName: 'Self Updater' }, 201);
    const result = await h.publicClient(app.appId).acquireTokenByUsernamePassword({
      scopes: ['User.ReadWrite'],
      username: person.userPrincipalName,
      password: person.password,
    });
    const token = result!.accessToken;
    assert.equal(
      (await h.graph(token, `/users/${person.id}`, { method: 'PATCH', body: { jobTitle: 'Own title' } })).status,
      204,
    );
    const other = (await h.graph(reader, '/users?$top=1&$select=id')).body.value[0].id;
    const denied = await h.graph(token, `/users/${other}`, { method: 'PATCH', body: { jobTitle: 'Not mine' } });
    assert.equal(denied.status, 403);
  });
});
