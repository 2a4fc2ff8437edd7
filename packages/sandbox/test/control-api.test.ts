import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Harness, startHarness } from '../src/testing/index.js';

describe('the /_sandbox control API', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ users: 30 });
  });
  after(() => h.close());

  test('GET /tenants/{tid} lists users, groups and applications, by GUID or domain', async () => {
    const byId = await h.control('GET', `/tenants/${h.tenantId}`);
    assert.equal(byId.users.length, 30);
    assert.ok(byId.groups.length > 5);
    const first = byId.users[0];
    assert.match(first.id, /^[0-9a-f-]{36}$/);
    assert.ok(first.userPrincipalName.endsWith(`@${byId.defaultDomain}`));
    assert.equal(first.mail, first.userPrincipalName);
    const byDomain = await h.control('GET', `/tenants/${byId.defaultDomain}`);
    assert.equal(byDomain.id, h.tenantId);
    await h.control('GET', '/tenants/00000000-0000-0000-0000-000000000000', undefined, 404);
  });

  test('applications: created with a secret shown once, listed afterwards without it', async () => {
    const app = await h.createApp({
      displayName: 'Listed App',
      redirectUris: { web: ['https://x.example.test/cb'] },
      requiredPermissions: { application: ['Mail.Send'], delegated: ['Mail.Send.Shared'] },
      secret: { expiresInDays: 10 },
    });
    assert.equal(app.secret!.value.length, 40);
    assert.match(app.secret!.value, /^.{3}\dQ~/);
    const view = await h.control('GET', `/tenants/${h.tenantId}/applications/${app.appId}`);
    assert.equal(view.secrets.length, 1);
    assert.equal(view.secrets[0].hint, app.secret!.value.slice(0, 3));
    assert.equal(view.secrets[0].value, undefined, 'the value is never shown again');
    assert.equal(JSON.stringify(view).includes(app.secret!.value), false);
    assert.equal(view.requiredResourceAccess[0].resourceAppId, '00000003-0000-0000-c000-000000000000');
    assert.deepEqual(
      view.requiredResourceAccess[0].resourceAccess,
      [
        { id: 'b633e1c5-b582-4048-a93e-9f11b44c7e96', type: 'Role' },
        { id: 'a367ab51-6b49-43bf-a716-a1fb06d2a174', type: 'Scope' },
      ],
      'Graph publishes Mail.Send (application) and Mail.Send.Shared (delegated) under these IDs',
    );
    const second = await h.control(
      'POST',
      `/tenants/${h.tenantId}/applications/${app.appId}/secrets`,
      { expiresInDays: -5 },
      201,
    );
    assert.ok(Date.parse(second.endDateTime) < Date.now());
    await h.control(
      'DELETE',
      `/tenants/${h.tenantId}/applications/${app.appId}/secrets/${second.keyId}`,
      undefined,
      204,
    );
  });

  test('bad input gets a 400 that says what is wrong', async () => {
    const unknown = await h.control(
      'POST',
      `/tenants/${h.tenantId}/applications`,
      { displayName: 'x', requiredPermissions: { application: ['Mail.Sendd'] } },
      400,
    );
    assert.match(unknown.error.message, /'Mail.Sendd' is not a Microsoft Graph application permission/);
    const missing = await h.control('POST', `/tenants/${h.tenantId}/applications`, {}, 400);
    assert.equal(missing.error.code, 'BadRequest');
    assert.match(missing.error.message, /displayName/);
    const badCert = await h.createApp({ displayName: 'Cert' });
    const cert = await h.control(
      'POST',
      `/tenants/${h.tenantId}/applications/${badCert.appId}/certificates`,
      { pem: 'nope' },
      400,
    );
    assert.match(cert.error.message, /not a PEM-encoded X.509 certificate/);
    await h.control('PATCH', `/tenants/${h.tenantId}/users/nobody@nowhere.test`, { mfaRequired: true }, 404);
    await h.control('POST', '/clock', { advanceSeconds: -1 }, 400);
  });

  test('users can be created, changed and made admins', async () => {
    const user = await h.control('POST', `/tenants/${h.tenantId}/users`, { displayName: 'Ada Control' }, 201);
    assert.match(user.userPrincipalName, /^ada\.control@/);
    const changed = await h.control('PATCH', `/tenants/${h.tenantId}/users/${user.userPrincipalName}`, {
      isAdmin: true,
      accountEnabled: false,
      mailboxEnabled: false,
    });
    assert.equal(changed.isAdmin, true);
    assert.equal(changed.accountEnabled, false);
    assert.equal(changed.mailboxEnabled, false);
    await h.control('POST', `/tenants/${h.tenantId}/users`, { displayName: 'Ada Control' }, 409);
  });

  test('the clock moves forward and resets', async () => {
    const before = await h.control('GET', '/clock');
    const moved = await h.control('POST', '/clock', { advanceSeconds: 3600 });
    assert.equal(moved.offsetSeconds, 3600);
    assert.ok(Date.parse(moved.now) - Date.parse(before.now) >= 3_600_000);
    const reset = await h.control('DELETE', '/clock');
    assert.equal(reset.offsetSeconds, 0);
  });

  test('GET /state describes the running sandbox like the state file', async () => {
    const state = await h.control('GET', '/state');
    assert.equal(state.authority, h.sandbox.authority);
    assert.equal(state.graph, `${h.sandbox.authority}/v1.0`);
    assert.equal(state.control, `${h.sandbox.authority}/_sandbox`);
    assert.ok(state.caCertFile.endsWith('ca.pem'));
    assert.equal(state.tenants[0].id, h.tenantId);
    assert.ok(state.tenants[0].admin.password);
  });
});
