import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RefreshTokenStore } from '../src/auth/delegated-refresh-token-provider.js';
import type { Feature } from '../src/connections/model.js';
import { type Finding, runDoctor } from '../src/doctor/doctor.js';
import { type AuthSandbox, type Json, refreshTokenByPassword, startAuthSandbox } from './helpers/auth-sandbox.js';

function memoryStore(value: string | null): RefreshTokenStore & { value: string | null } {
  const store = {
    value,
    async get() {
      return store.value;
    },
    async set(token: string) {
      store.value = token;
    },
  };
  return store;
}

describe('doctor: delegated connections against the sandbox', () => {
  let s: AuthSandbox;
  let mailApp: Json;
  const serious = (findings: Finding[]) => findings.filter((f) => f.severity !== 'info');
  const codes = (findings: Finding[]) => serious(findings).map((f) => `${f.code}:${f.feature}:${f.severity}`);

  async function signedIn(app: Json, displayName: string, scopes = ['User.Read', 'Mail.Read']) {
    const person = await s.control('POST', `/tenants/${s.tenantId}/users`, { displayName, mailboxEnabled: true });
    const store = memoryStore(await refreshTokenByPassword(s, app.appId, person, scopes));
    return { person, store };
  }
  const doctor = (app: Json, store: RefreshTokenStore, features: Feature[], clientSecret?: string) =>
    runDoctor({
      cloud: s.cloud,
      tenant: s.tenantId,
      clientId: app.appId,
      credential: {
        delegated: { refreshTokenStore: store, ...(clientSecret ? { clientCredential: { clientSecret } } : {}) },
      },
      features,
    });

  before(async () => {
    s = await startAuthSandbox();
    mailApp = await s.createApp({
      displayName: 'Doctor Delegated Mail',
      allowPublicClient: true,
      requiredPermissions: { delegated: ['User.Read', 'Mail.Read', 'openid', 'profile', 'offline_access'] },
      grantAdminConsent: true,
    });
  });
  after(() => s.close());

  test("a good delegated connection: the token's scopes suffice and the signed-in user's mailbox is read", async () => {
    const { store } = await signedIn(mailApp, 'Delegated Reader');
    const before = store.value;
    const report = await doctor(mailApp, store, ['mail']);
    assert.deepEqual(codes(report.findings), [], JSON.stringify(report.findings));
    assert.equal(report.checks.find((c) => c.name === "Read the test user's mailbox")?.status, 'pass');
    assert.notEqual(store.value, before, 'the rotated refresh token was stored');
  });

  test('PERMISSION_MISSING names the delegated permission for a delegated connection', async () => {
    const { store } = await signedIn(mailApp, 'Delegated Calendar Wanted');
    const report = await doctor(mailApp, store, ['mail', 'calendar']);
    assert.deepEqual(codes(report.findings), ['PERMISSION_MISSING:calendar:error']);
    assert.match(serious(report.findings)[0]!.fix, /Delegated permissions > Calendars\.Read/);
  });

  test('WRONG_PERMISSION_TYPE: a confidential delegated app holds Calendars.Read as an application permission', async () => {
    const web = await s.createApp({
      displayName: 'Doctor Delegated Web',
      allowPublicClient: true,
      requiredPermissions: {
        application: ['Calendars.Read'],
        delegated: ['User.Read', 'Mail.Read', 'openid', 'profile', 'offline_access'],
      },
      grantAdminConsent: true,
      secret: {},
    });
    const { store } = await signedIn(web, 'Delegated Web User');
    const report = await doctor(web, store, ['calendar'], web.secret.value);
    assert.deepEqual(codes(report.findings), ['WRONG_PERMISSION_TYPE:calendar:error']);
    assert.match(serious(report.findings)[0]!.fix, /Delegated permissions > Calendars\.Read/);
  });

  test('REFRESH_TOKEN_EXPIRED after 90 days unused; REFRESH_TOKEN_MISSING before anyone signed in', async () => {
    const { store } = await signedIn(mailApp, 'Delegated Idle');
    await s.control('POST', '/clock', { advanceSeconds: 91 * 86_400 });
    try {
      const report = await doctor(mailApp, store, ['mail']);
      assert.deepEqual(codes(report.findings), ['REFRESH_TOKEN_EXPIRED:null:error']);
      assert.match(serious(report.findings)[0]!.message, /AADSTS700082/);
      assert.match(serious(report.findings)[0]!.fix, /Sign in again/);
    } finally {
      await s.control('DELETE', '/clock');
    }
    const empty = await doctor(mailApp, memoryStore(null), ['mail']);
    assert.deepEqual(codes(empty.findings), ['REFRESH_TOKEN_MISSING:null:error']);
  });

  test('REFRESH_TOKEN_REVOKED when the user’s sessions were revoked', async () => {
    const { person, store } = await signedIn(mailApp, 'Delegated Revoked');
    await s.control('POST', `/tenants/${s.tenantId}/users/${person.id}/revokeSignInSessions`);
    const report = await doctor(mailApp, store, ['mail']);
    assert.deepEqual(codes(report.findings), ['REFRESH_TOKEN_REVOKED:null:error']);
  });

  test('INTERACTION_REQUIRED for MFA the user owes and for a Conditional Access block', async () => {
    const mfa = await signedIn(mailApp, 'Delegated MFA');
    await s.control('PATCH', `/tenants/${s.tenantId}/users/${mfa.person.id}`, { mfaRequired: true });
    const mfaReport = await doctor(mailApp, mfa.store, ['mail']);
    assert.deepEqual(codes(mfaReport.findings), ['INTERACTION_REQUIRED:null:error']);
    assert.match(serious(mfaReport.findings)[0]!.message, /AADSTS50076/);
    assert.match(serious(mfaReport.findings)[0]!.fix, /complete MFA/);

    const ca = await signedIn(mailApp, 'Delegated Blocked');
    await s.control('PATCH', `/tenants/${s.tenantId}/users/${ca.person.id}`, { conditionalAccessBlocked: true });
    const caReport = await doctor(mailApp, ca.store, ['mail']);
    assert.deepEqual(codes(caReport.findings), ['INTERACTION_REQUIRED:null:error']);
    assert.match(serious(caReport.findings)[0]!.fix, /Conditional Access/);
  });
});
