import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Feature } from '../src/connections/model.js';
import { type Finding, runDoctor } from '../src/doctor/doctor.js';
import { type AuthSandbox, type Json, startAuthSandbox } from './helpers/auth-sandbox.js';

describe('doctor: live probes per feature against the sandbox', () => {
  let s: AuthSandbox;
  let app: Json;
  let person: Json;
  const doctor = (features: Feature[], testUser?: string, a: Json = app) =>
    runDoctor({
      cloud: s.cloud,
      tenant: s.tenantId,
      clientId: a.appId,
      credential: { clientSecret: a.secret.value },
      features,
      ...(testUser ? { testUser } : {}),
    });
  /** Errors and warnings: this app holds more permissions than any one test enables, which is only info. */
  const serious = (findings: Finding[]) => findings.filter((f) => f.severity !== 'info');
  const codes = (findings: Finding[]) => serious(findings).map((f) => `${f.code}:${f.feature}:${f.severity}`);

  before(async () => {
    s = await startAuthSandbox();
    app = await s.createApp({
      displayName: 'Doctor Probes',
      requiredPermissions: {
        application: ['User.Read.All', 'GroupMember.Read.All', 'Mail.Read', 'Calendars.Read', 'AuditLog.Read.All'],
      },
      grantAdminConsent: true,
      secret: {},
    });
    person = await s.control('POST', `/tenants/${s.tenantId}/users`, {
      displayName: 'Probe Person',
      mailboxEnabled: true,
    });
  });
  after(() => s.close());

  test('a good test user: the directory, mailbox and free/busy probes pass', async () => {
    const report = await doctor(['directory', 'mail', 'calendar'], person.userPrincipalName);
    assert.deepEqual(codes(report.findings), [], JSON.stringify(serious(report.findings)));
    const passed = report.checks.filter((c) => c.status === 'pass').map((c) => c.name);
    for (const name of [
      'Read one user',
      'Find the test user',
      "Read the test user's mailbox",
      "Read the test user's free/busy",
    ])
      assert.ok(passed.includes(name), `${name} passed`);
  });

  test('without a test user, mail and calendar are skipped with one warning each', async () => {
    const report = await doctor(['directory', 'mail', 'calendar']);
    // Probes run in the feature registry's order: calendar comes before mail, as in the catalogue and the guide.
    assert.deepEqual(codes(report.findings), ['TEST_USER_MISSING:calendar:warning', 'TEST_USER_MISSING:mail:warning']);
    assert.equal(report.ok, true, 'warnings are not errors');
  });

  test('USER_NOT_FOUND for a test user that does not exist', async () => {
    const report = await doctor(['directory'], `nobody@${s.sandbox.tenants[0]!.defaultDomain}`);
    assert.deepEqual(codes(report.findings), ['USER_NOT_FOUND:directory:error']);
    assert.match(serious(report.findings)[0]!.fix, /Users > All users/);
  });

  test('MAILBOX_NOT_FOUND for a test user without a mailbox', async () => {
    const noMailbox = await s.control('POST', `/tenants/${s.tenantId}/users`, { displayName: 'No Mailbox' });
    await s.control('PATCH', `/tenants/${s.tenantId}/users/${noMailbox.id}`, { mailboxEnabled: false });
    const report = await doctor(['mail'], noMailbox.userPrincipalName);
    const [finding] = serious(report.findings);
    assert.equal(finding?.code, 'MAILBOX_NOT_FOUND');
    assert.equal(finding?.feature, 'mail');
    assert.match(finding!.message, /MailboxNotEnabledForRESTAPI/);
  });

  test('MAILBOX_ACCESS_DENIED_BY_POLICY when an application access policy leaves the test user out', async () => {
    const policyApp = await s.createApp({
      displayName: 'Doctor Policy',
      requiredPermissions: { application: ['Mail.Read'] },
      grantAdminConsent: true,
      secret: {},
    });
    const insider = await s.control('POST', `/tenants/${s.tenantId}/users`, {
      displayName: 'Inside',
      mailboxEnabled: true,
    });
    const group = await s.control('POST', `/tenants/${s.tenantId}/mailEnabledSecurityGroups`, {
      displayName: 'doctor mailboxes',
      mailNickname: `doctor${Date.now()}`,
      members: [insider.id],
    });
    await s.control('POST', `/tenants/${s.tenantId}/applicationAccessPolicies`, {
      appId: policyApp.appId,
      scopeGroupId: group.id,
      accessRight: 'RestrictAccess',
    });
    assert.deepEqual((await doctor(['mail'], insider.userPrincipalName, policyApp)).findings, []);
    const report = await doctor(['mail'], person.userPrincipalName, policyApp);
    assert.deepEqual(codes(report.findings), ['MAILBOX_ACCESS_DENIED_BY_POLICY:mail:error']);
    assert.match(report.findings[0]!.fix, /ApplicationAccessPolicy/);
  });

  test('PREMIUM_LICENSE_REQUIRED when the tenant has no Entra ID P1 for sign-in logs', async () => {
    const scanner = await s.createApp({
      displayName: 'Doctor Scan',
      requiredPermissions: {
        application: [
          'Directory.Read.All',
          'AuditLog.Read.All',
          'Reports.Read.All',
          'Policy.Read.All',
          'SharePointTenantSettings.Read.All',
        ],
      },
      grantAdminConsent: true,
      secret: {},
    });
    assert.deepEqual(codes((await doctor(['scan'], undefined, scanner)).findings), []);
    await s.control('PATCH', `/tenants/${s.tenantId}/settings`, { premiumLicense: false });
    try {
      const report = await doctor(['scan'], undefined, scanner);
      const premium = report.findings.find((f) => f.code === 'PREMIUM_LICENSE_REQUIRED');
      assert.ok(premium, report.findings.map((f) => f.code).join(', '));
      assert.equal(premium.feature, 'scan');
    } finally {
      await s.control('PATCH', `/tenants/${s.tenantId}/settings`, { premiumLicense: true });
    }
  });
});
