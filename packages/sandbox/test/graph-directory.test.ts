import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Harness, type Json, startHarness } from '../src/testing/index.js';

type Page = { value: Record<string, Json>[]; '@odata.nextLink'?: string; '@odata.deltaLink'?: string };

describe('Graph directory workload', () => {
  let h: Harness;
  let reader: string;
  let writer: string;

  before(async () => {
    h = await startHarness({ users: 450, groups: 40 });
    reader = (
      await h.appToken([
        'User.Read.All',
        'GroupMember.Read.All',
        'Organization.Read.All',
        'Application.Read.All',
        'Directory.Read.All',
      ])
    ).token;
    writer = (await h.appToken(['User.ReadWrite.All', 'Group.ReadWrite.All', 'GroupMember.ReadWrite.All'])).token;
  });
  after(() => h.close());

  /** Follows a delta round to its deltaLink, collecting every item. */
  async function deltaRound(url: string): Promise<{ items: Record<string, Json>[]; deltaLink: string; pages: number }> {
    const items: Record<string, Json>[] = [];
    let next: string | undefined = url;
    let pages = 0;
    for (;;) {
      const res = await h.graph(reader, next!);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const body = res.body as Page;
      items.push(...body.value);
      pages++;
      if (body['@odata.deltaLink']) return { items, deltaLink: body['@odata.deltaLink'], pages };
      next = body['@odata.nextLink'];
      assert.ok(next, 'a page has a nextLink or a deltaLink');
    }
  }

  test('users: get by id and by UPN, create, update, delete', async () => {
    const list = (await h.graph(reader, '/users?$top=2&$select=id,userPrincipalName')).body.value;
    const byId = await h.graph(reader, `/users/${list[1].id}`);
    assert.equal(byId.body.userPrincipalName, list[1].userPrincipalName);
    assert.equal(byId.body['@odata.context'], `${h.sandbox.graph}/$metadata#users/$entity`);
    const byUpn = await h.graph(reader, `/users/${encodeURIComponent(list[1].userPrincipalName)}`);
    assert.equal(byUpn.body.id, list[1].id);

    const domain = list[0].userPrincipalName.split('@')[1];
    const created = await h.graph(writer, '/users', {
      method: 'POST',
      body: {
        accountEnabled: true,
        displayName: 'Grace Hopper',
        mailNickname: 'grace.hopper',
        userPrincipalName: `grace.hopper@${domain}`,
        passwordProfile: { forceChangePasswordNextSignIn: true, password: 'xWwvJ]6NMw+bWH-d' },
      },
    });
    assert.equal(created.status, 201);
    assert.equal(created.body.displayName, 'Grace Hopper');
    const duplicate = await h.graph(writer, '/users', {
      method: 'POST',
      body: { ...created.body, passwordProfile: { password: 'xWwvJ]6NMw+bWH-d' }, accountEnabled: true },
    });
    assert.equal(duplicate.status, 400);
    const badDomain = await h.graph(writer, '/users', {
      method: 'POST',
      body: {
        accountEnabled: true,
        displayName: 'X',
        mailNickname: 'x',
        userPrincipalName: 'x@unverified.example',
        passwordProfile: { password: 'xWwvJ]6NMw+bWH-d' },
      },
    });
    assert.match(badDomain.body.error.message, /domain portion of the userPrincipalName property is invalid/);
    const missing = await h.graph(writer, '/users', { method: 'POST', body: { displayName: 'No Upn' } });
    assert.equal(missing.status, 400);

    const patched = await h.graph(writer, `/users/${created.body.id}`, {
      method: 'PATCH',
      body: { jobTitle: 'Rear Admiral' },
    });
    assert.equal(patched.status, 204);
    assert.equal((await h.graph(reader, `/users/${created.body.id}?$select=jobTitle`)).body.jobTitle, 'Rear Admiral');
    const unknownProperty = await h.graph(writer, `/users/${created.body.id}`, {
      method: 'PATCH',
      body: { shoeSize: 9 },
    });
    assert.equal(unknownProperty.status, 400);
    const readerWrites = await h.graph(reader, `/users/${created.body.id}`, {
      method: 'PATCH',
      body: { jobTitle: 'x' },
    });
    assert.equal(readerWrites.status, 403, 'Directory.Read.All cannot write');
    assert.equal((await h.graph(writer, `/users/${created.body.id}`, { method: 'DELETE' })).status, 204);
    assert.equal((await h.graph(reader, `/users/${created.body.id}`)).status, 404);
  });

  test('manager, memberOf and transitiveMemberOf', async () => {
    const users = (await h.graph(reader, '/users?$top=999&$select=id,jobTitle')).body.value as {
      id: string;
      jobTitle: string;
    }[];
    const staff = users.find(
      (u) =>
        u.jobTitle &&
        !u.jobTitle.startsWith('Head of') &&
        !u.jobTitle.endsWith('Manager') &&
        u.jobTitle !== 'Chief Executive Officer' &&
        u.jobTitle !== 'IT Administrator',
    )!;
    const manager = await h.graph(reader, `/users/${staff.id}/manager`);
    assert.equal(manager.status, 200);
    assert.equal(manager.body['@odata.type'], '#microsoft.graph.user');
    const ceo = users.find((u) => u.jobTitle === 'Chief Executive Officer')!;
    assert.equal((await h.graph(reader, `/users/${ceo.id}/manager`)).status, 404);
    const memberOf = await h.graph(reader, `/users/${staff.id}/memberOf`);
    assert.ok(memberOf.body.value.length >= 2);
    assert.ok(memberOf.body.value.every((g: Record<string, string>) => g['@odata.type'] === '#microsoft.graph.group'));
    const transitive = await h.graph(reader, `/users/${staff.id}/transitiveMemberOf`);
    const direct = new Set(memberOf.body.value.map((g: { id: string }) => g.id));
    assert.ok(transitive.body.value.length > direct.size, 'nested groups add to the transitive list');
    assert.ok(transitive.body.value.some((g: { displayName: string }) => g.displayName === 'All Staff Security'));
  });

  test('groups: members, transitiveMembers, owners, add and remove members', async () => {
    const groups = (await h.graph(reader, '/groups?$top=999&$select=id,displayName')).body.value as {
      id: string;
      displayName: string;
    }[];
    const nested = groups.find((g) => g.displayName === 'All Staff Security')!;
    const direct = await h.graph(reader, `/groups/${nested.id}/members`);
    assert.ok(direct.body.value.every((m: Record<string, string>) => m['@odata.type'] === '#microsoft.graph.group'));
    const transitive = await h.graph(reader, `/groups/${nested.id}/transitiveMembers?$top=999`);
    assert.ok(transitive.body.value.some((m: Record<string, string>) => m['@odata.type'] === '#microsoft.graph.user'));
    const count = await h.graph(reader, `/groups/${nested.id}/members/$count`, {
      headers: { ConsistencyLevel: 'eventual' },
    });
    assert.equal(count.body, String(direct.body.value.length));
    const sales = groups.find((g) => g.displayName === 'Sales Team')!;
    const owners = await h.graph(reader, `/groups/${sales.id}/owners`);
    assert.equal(owners.body.value.length, 1);

    const created = await h.graph(writer, '/groups', {
      method: 'POST',
      body: { displayName: 'Mail-enabled security', mailEnabled: true, mailNickname: 'mailsec', securityEnabled: true },
    });
    assert.equal(created.status, 201);
    const someone = (await h.graph(reader, '/users?$top=1&$select=id')).body.value[0].id;
    const ref = { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${someone}` };
    assert.equal(
      (await h.graph(writer, `/groups/${created.body.id}/members/$ref`, { method: 'POST', body: ref })).status,
      204,
    );
    const again = await h.graph(writer, `/groups/${created.body.id}/members/$ref`, { method: 'POST', body: ref });
    assert.equal(again.status, 400);
    assert.match(again.body.error.message, /already exist/);
    assert.equal((await h.graph(reader, `/groups/${created.body.id}/members`)).body.value[0].id, someone);
    assert.equal(
      (await h.graph(writer, `/groups/${created.body.id}/members/${someone}/$ref`, { method: 'DELETE' })).status,
      204,
    );
    assert.equal(
      (await h.graph(writer, `/groups/${created.body.id}/members/${someone}/$ref`, { method: 'DELETE' })).status,
      404,
    );
  });

  test('organization, domains, subscribedSkus, directoryRoles and members', async () => {
    const org = await h.graph(reader, '/organization');
    assert.equal(org.body.value[0].id, h.tenantId);
    assert.ok(org.body.value[0].verifiedDomains[0].name.endsWith('.onmicrosoft.com'));
    const domains = await h.graph(reader, '/domains');
    assert.equal(domains.body.value[0].isDefault, true);
    const skus = await h.graph(reader, '/subscribedSkus');
    const e3 = skus.body.value.find((s: { skuPartNumber: string }) => s.skuPartNumber === 'ENTERPRISEPACK');
    assert.ok(e3.consumedUnits > 400 && e3.consumedUnits <= e3.prepaidUnits.enabled);
    const roles = await h.graph(reader, '/directoryRoles');
    const globalAdmin = roles.body.value.find(
      (r: { roleTemplateId: string }) => r.roleTemplateId === '62e90394-69f5-4237-9190-012177145e10',
    );
    const members = await h.graph(reader, `/directoryRoles/${globalAdmin.id}/members`);
    assert.equal(members.body.value.length, 1);
    assert.match(members.body.value[0].userPrincipalName, /^admin@/);
  });

  test('applications, servicePrincipals (by appId), appRoleAssignments and oauth2PermissionGrants', async () => {
    const { app } = await h.appToken(['Calendars.Read']);
    await h.control('POST', `/tenants/${h.tenantId}/consent`, { appId: app.appId, delegated: ['User.Read'] });
    const apps = await h.graph(reader, `/applications?$filter=appId eq '${app.appId}'`);
    const registration = apps.body.value[0];
    assert.equal(registration.passwordCredentials.length, 1);
    assert.ok(Date.parse(registration.passwordCredentials[0].endDateTime) > Date.now());
    assert.equal(registration.passwordCredentials[0].secretText, null, 'the secret value is never readable');
    assert.equal(registration.requiredResourceAccess[0].resourceAppId, '00000003-0000-0000-c000-000000000000');
    const sps = await h.graph(reader, `/servicePrincipals?$filter=appId eq '${app.appId}'`);
    assert.equal(sps.body.value.length, 1);
    const sp = sps.body.value[0];
    const assignments = await h.graph(reader, `/servicePrincipals/${sp.id}/appRoleAssignments`);
    assert.equal(assignments.body.value.length, 1);
    const graphSp = (
      await h.graph(reader, "/servicePrincipals?$filter=appId eq '00000003-0000-0000-c000-000000000000'")
    ).body.value[0];
    const role = graphSp.appRoles.find((r: { id: string }) => r.id === assignments.body.value[0].appRoleId);
    assert.equal(role.value, 'Calendars.Read');
    const grants = await h.graph(reader, `/oauth2PermissionGrants?$filter=clientId eq '${sp.id}'`);
    assert.equal(grants.body.value[0].scope, 'User.Read');
    assert.equal(grants.body.value[0].consentType, 'AllPrincipals');
  });

  test('signInActivity: needs AuditLog.Read.All and a premium tenant, and caps pages at 500', async () => {
    const denied = await h.graph(reader, '/users?$select=id,signInActivity&$top=5');
    assert.equal(denied.status, 403);
    assert.equal(denied.body.error.code, 'Authentication_MSGraphPermissionMissing');
    const { token } = await h.appToken(['User.Read.All', 'AuditLog.Read.All']);
    const ok = await h.graph(token, '/users?$select=id,signInActivity&$top=50');
    assert.equal(ok.status, 200);
    assert.ok(
      ok.body.value.some((u: Json) => u.signInActivity?.lastSignInDateTime),
      'some users have signed in',
    );
    assert.equal((await h.graph(token, '/users?$select=id,signInActivity&$top=501')).status, 400);
    assert.equal((await h.graph(token, '/users?$top=999')).status, 200, 'without signInActivity 999 is fine');
    await h.control('PATCH', `/tenants/${h.tenantId}/settings`, { premiumLicense: false });
    try {
      const basic = await h.graph(token, '/users?$select=id,signInActivity&$top=5');
      assert.equal(basic.status, 403);
      assert.equal(basic.body.error.code, 'Authentication_RequestFromNonPremiumTenantOrB2CTenant');
    } finally {
      await h.control('PATCH', `/tenants/${h.tenantId}/settings`, { premiumLicense: true });
    }
  });

  test('users/delta: the first round pages through everyone, then exactly the changes after churn', async () => {
    const initial = await deltaRound('/users/delta?$select=id,displayName,jobTitle');
    const userCount = (await h.control('GET', `/tenants/${h.tenantId}`)).users.length;
    assert.equal(initial.items.length, userCount);
    assert.ok(initial.pages >= Math.ceil(userCount / 200), 'pages of at most 200');
    assert.deepEqual(Object.keys(initial.items[0]!).sort(), ['displayName', 'id', 'jobTitle']);
    const withoutId = await h.graph(reader, '/users/delta?$select=displayName');
    assert.ok(
      withoutId.body.value.every((u: Json) => typeof u.id === 'string'),
      'delta items always carry id',
    );
    const idle = await deltaRound(initial.deltaLink);
    assert.equal(idle.items.length, 0, 'no changes, no items');

    const churn = await h.control('POST', `/tenants/${h.tenantId}/churn`, {
      usersAdded: 5,
      usersUpdated: 7,
      usersDeleted: 3,
      seed: 11,
    });
    const changes = await deltaRound(idle.deltaLink);
    const removed = changes.items.filter((i) => i['@removed']);
    const present = changes.items.filter((i) => !i['@removed']);
    assert.deepEqual(removed.map((i) => i.id).sort(), [...churn.usersDeleted].sort());
    assert.ok(
      removed.every((i) => i['@removed'].reason === 'changed'),
      'soft-deleted users are "changed"',
    );
    assert.deepEqual(present.map((i) => i.id).sort(), [...churn.usersAdded, ...churn.usersUpdated].sort());
    assert.ok(
      present.every((i) => Object.keys(i).sort().join() === 'displayName,id,jobTitle'),
      'the $select of the first round is kept',
    );

    await h.control('DELETE', `/tenants/${h.tenantId}/users/${churn.usersAdded[0]}?hard=true`);
    const hard = await deltaRound(changes.deltaLink);
    assert.deepEqual(hard.items, [{ id: churn.usersAdded[0], '@removed': { reason: 'deleted' } }]);
  });

  test('groups/delta: members@delta, a large group split across pages, membership changes', async () => {
    const tenant = await h.control('GET', `/tenants/${h.tenantId}`);
    const big = await h.control(
      'POST',
      `/tenants/${h.tenantId}/groups`,
      {
        displayName: 'Everyone Big',
        members: tenant.users.slice(0, 440).map((u: { id: string }) => u.id),
      },
      201,
    );
    const initial = await deltaRound('/groups/delta');
    const chunks = initial.items.filter((g) => g.id === big.id);
    const members = chunks.flatMap((g) => g['members@delta'].map((m: { id: string }) => m.id));
    assert.equal(new Set(members).size, 440, 'every member arrives once the chunks are merged');
    const groupIds = new Set(initial.items.map((g) => g.id));
    assert.equal(groupIds.size, tenant.groups.length + 1);

    const churn = await h.control('POST', `/tenants/${h.tenantId}/churn`, {
      groupsChanged: 2,
      membershipChanges: 6,
      seed: 5,
    });
    const changes = await deltaRound(initial.deltaLink);
    const changedIds = new Set([
      ...churn.groupsChanged,
      ...churn.membershipChanges.map((c: { groupId: string }) => c.groupId),
    ]);
    assert.deepEqual(new Set(changes.items.map((g) => g.id)), changedIds);
    for (const c of churn.membershipChanges as { groupId: string; added?: string; removed?: string }[]) {
      const entries = changes.items.filter((g) => g.id === c.groupId).flatMap((g) => g['members@delta'] ?? []);
      const last = entries.filter((m: { id: string }) => m.id === (c.added ?? c.removed)).at(-1);
      assert.ok(last, 'the member change is reported');
      if (c.removed) assert.deepEqual(last['@removed'], { reason: 'deleted' });
    }
    const selectedNoMembers = await deltaRound('/groups/delta?$select=displayName');
    assert.ok(selectedNoMembers.items.every((g) => !('members@delta' in g)));
  });

  test('$deltatoken=latest starts from now; an expired token gives 400 syncStateNotFound (or 410 with a Location)', async () => {
    const latest = await h.graph(reader, '/users/delta?$deltatoken=latest');
    assert.deepEqual(latest.body.value, []);
    const link = latest.body['@odata.deltaLink'];
    assert.ok(link);
    assert.equal((await deltaRound(link)).items.length, 0);
    await h.control('POST', '/clock', { advanceSeconds: 8 * 86_400 });
    try {
      // A token issued now, on the sandbox clock, so only the delta token is stale.
      const fresh = (await h.appToken(['User.Read.All'])).token;
      const expired = await h.graph(fresh, link);
      assert.equal(expired.status, 400);
      assert.equal(expired.body.error.code, 'syncStateNotFound');
      await h.control('PATCH', '/settings', { expiredDeltaStatus: 410 });
      const gone = await h.graph(fresh, link);
      assert.equal(gone.status, 410);
      assert.equal(gone.headers.get('location'), `${h.sandbox.graph}/users/delta`);
    } finally {
      await h.control('DELETE', '/clock');
      await h.control('PATCH', '/settings', { expiredDeltaStatus: 400 });
    }
    const forged = await h.graph(reader, '/users/delta?$deltatoken=abc.def');
    assert.equal(forged.status, 400);
  });
});
