import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Harness, type Json, startHarness, TEST_DATA_DIR } from '../src/testing/index.js';

describe('workload boundaries: delegated reach, subscriptions, webhook redirects, bad input', () => {
  let h: Harness;
  let alice: Json;
  let bob: Json;
  let app: Json;

  /** A delegated token for a user with exactly these delegated permissions (admin-consented, ROPC). */
  async function delegated(user: Json, scopes: string[]): Promise<string> {
    const client = await h.createApp({
      displayName: `Delegated ${scopes.join(' ')}`,
      allowPublicClient: true,
      requiredPermissions: { delegated: [...scopes, 'openid', 'profile', 'offline_access'] },
      grantAdminConsent: true,
    });
    const result = await h.publicClient(client.appId).acquireTokenByUsernamePassword({
      scopes: scopes.map((s) => `https://graph.microsoft.com/${s}`),
      username: user.userPrincipalName,
      password: user.password,
    });
    return result!.accessToken;
  }

  before(async () => {
    h = await startHarness({ users: 20 });
    const tenant = await h.control('GET', `/tenants/${h.tenantId}`);
    [alice, bob] = tenant.users.filter(
      (u: Json) => !u.isAdmin && u.accountEnabled && u.mailboxEnabled && u.oneDriveProvisioned,
    );
    app = await h.appToken(['Files.ReadWrite.All', 'Mail.ReadWrite']);
  });
  after(() => h.close());

  test('a delegated Files.ReadWrite user cannot copy into another user’s OneDrive', async () => {
    const token = await delegated(alice, ['Files.ReadWrite']);
    const bobDrive = (await h.graph(app.token, `/users/${bob.id}/drive`)).body.id;
    const mine = await h.graph(token, '/me/drive/root:/note.txt:/content', { method: 'PUT', body: 'hello' as never });
    assert.ok([200, 201].includes(mine.status), JSON.stringify(mine.body));
    const copy = await h.graph(token, `/me/drive/items/${mine.body.id}/copy`, {
      method: 'POST',
      body: { parentReference: { driveId: bobDrive } },
    });
    assert.equal(copy.status, 403);
    assert.equal(copy.body.error.code, 'accessDenied');
  });

  test('subscriptions follow the same mailbox and drive checks as reading', async () => {
    const receiverUrl = 'https://localhost:9/never-called';
    const mailOnly = await delegated(alice, ['Mail.Read']);
    const other = await h.graph(mailOnly, '/subscriptions', {
      method: 'POST',
      body: {
        changeType: 'created',
        notificationUrl: receiverUrl,
        resource: `users/${bob.id}/messages`,
        expirationDateTime: new Date(Date.now() + 3_600_000).toISOString(),
      },
    });
    assert.equal(other.status, 403);
    assert.equal(other.body.error.code, 'ExtensionError');
    const filesOnly = await delegated(alice, ['Files.Read']);
    const drive = await h.graph(filesOnly, '/subscriptions', {
      method: 'POST',
      body: {
        changeType: 'updated',
        notificationUrl: receiverUrl,
        resource: `users/${bob.id}/drive/root`,
        expirationDateTime: new Date(Date.now() + 3_600_000).toISOString(),
      },
    });
    assert.equal(drive.status, 403);
    const group = await h.control(
      'POST',
      `/tenants/${h.tenantId}/mailEnabledSecurityGroups`,
      { displayName: 'Only Alice', mailNickname: 'onlyalice', members: [alice.id] },
      201,
    );
    const restricted = await h.appToken(['Mail.Read']);
    await h.control(
      'POST',
      `/tenants/${h.tenantId}/applicationAccessPolicies`,
      { appId: restricted.app.appId, scopeGroupId: group.id, accessRight: 'RestrictAccess' },
      201,
    );
    const policy = await h.graph(restricted.token, '/subscriptions', {
      method: 'POST',
      body: {
        changeType: 'created',
        notificationUrl: receiverUrl,
        resource: `users/${bob.id}/messages`,
        expirationDateTime: new Date(Date.now() + 3_600_000).toISOString(),
      },
    });
    assert.equal(policy.status, 403, 'an access policy keeps the app out of the mailbox for subscriptions too');
    assert.match(policy.body.error.message, /Access to OData is disabled/);
  });

  test('webhook validation never follows a redirect', async () => {
    const server: Server = createServer(
      { key: readFileSync(join(TEST_DATA_DIR, 'tls-key.pem')), cert: readFileSync(join(TEST_DATA_DIR, 'tls.pem')) },
      (_req, res) => res.writeHead(307, { location: 'https://127.0.0.2:4443/elsewhere' }).end(),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as { port: number }).port;
      const users = await h.appToken(['User.Read.All']);
      const res = await h.graph(users.token, '/subscriptions', {
        method: 'POST',
        body: {
          changeType: 'updated',
          notificationUrl: `https://localhost:${port}/hook`,
          resource: 'users',
          expirationDateTime: new Date(Date.now() + 3_600_000).toISOString(),
        },
      });
      assert.equal(res.status, 400);
      assert.match(res.body.error.message, /HTTP status code is '307'/);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  test('sending as someone else from /me needs Mail.Send.Shared besides the Send As right', async () => {
    await h.control('POST', `/tenants/${h.tenantId}/mailboxPermissions`, {
      mailbox: bob.id,
      user: alice.id,
      rights: ['SendAs'],
    });
    const sendOnly = await delegated(alice, ['Mail.Send']);
    const message = {
      subject: 'As Bob',
      body: { contentType: 'Text', content: 'x' },
      from: { emailAddress: { address: bob.mail } },
      toRecipients: [{ emailAddress: { address: alice.mail } }],
    };
    const denied = await h.graph(sendOnly, '/me/sendMail', { method: 'POST', body: { message } });
    assert.equal(denied.status, 403);
    assert.equal(denied.body.error.code, 'ErrorSendAsDenied');
    const shared = await delegated(alice, ['Mail.Send', 'Mail.Send.Shared']);
    assert.equal((await h.graph(shared, '/me/sendMail', { method: 'POST', body: { message } })).status, 202);
  });

  test('bad input is a 400, never a 500', async () => {
    const t = app.token;
    const root = await h.graph(t, `/users/${alice.id}/drive/root/children`);
    const item = root.body.value[0];
    const cases: [string, string, unknown][] = [
      ['PATCH', `/users/${alice.id}/drive/items/${item.id}`, { parentReference: { path: 5 } }],
      ['PATCH', `/users/${alice.id}/drive/items/${item.id}`, { parentReference: { path: '/drive/root:/%E0%A4%A' } }],
      ['POST', `/users/${alice.id}/drive/items/${item.id}/copy`, { parentReference: { driveId: 5 } }],
      ['POST', `/users/${alice.id}/drive/items/${item.id}/invite`, { recipients: [null], roles: ['read'] }],
      ['GET', `/users/${alice.id}/drive/root/delta(token='%25E0')`, undefined],
    ];
    for (const [method, path, body] of cases) {
      const res = await h.graph(t, path, { method, ...(body === undefined ? {} : { body }) });
      assert.ok(res.status >= 400 && res.status < 500, `${method} ${path} answered ${res.status}`);
    }
    const users = await h.appToken(['User.Read.All']);
    const sub = await h.graph(users.token, '/subscriptions', {
      method: 'POST',
      body: {
        changeType: 'created',
        notificationUrl: 'https://localhost:9/x',
        resource: 'users/%E0%A4%A/messages',
        expirationDateTime: new Date(Date.now() + 3_600_000).toISOString(),
      },
    });
    assert.equal(sub.status, 400);
    const badUrl = await h.fetch(`${h.sandbox.graph}/users/%E0%A4%A`, {
      headers: { authorization: `Bearer ${users.token}` },
    });
    assert.equal(badUrl.status, 400);
    assert.equal(((await badUrl.json()) as Json).error.code, 'BadRequest');
    const calendar = await delegated(alice, ['Calendars.Read']);
    const meeting = await h.graph(calendar, '/me/findMeetingTimes', {
      method: 'POST',
      body: { locationConstraint: { locations: 'x' }, timeConstraint: { timeSlots: [] } },
    });
    assert.ok(meeting.status < 500, `findMeetingTimes answered ${meeting.status}`);
  });
});
