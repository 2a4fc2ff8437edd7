import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Feature } from '../src/connections/model.js';
import { type DoctorInput, type Finding, runDoctor } from '../src/doctor/doctor.js';
import { type AuthSandbox, type Json, startAuthSandbox } from './helpers/auth-sandbox.js';

describe('doctor: permission types and credential expiry against the sandbox', () => {
  let s: AuthSandbox;
  const serious = (findings: Finding[]) => findings.filter((f) => f.severity !== 'info');
  const codes = (findings: Finding[]) => serious(findings).map((f) => `${f.code}:${f.feature}:${f.severity}`);
  const doctor = (app: Json, features: Feature[], extra: Partial<DoctorInput> = {}) =>
    runDoctor({
      cloud: s.cloud,
      tenant: s.tenantId,
      clientId: app.appId,
      credential: { clientSecret: app.secret.value },
      features,
      ...extra,
    });

  before(async () => {
    s = await startAuthSandbox();
  });
  after(() => s.close());

  test('WRONG_PERMISSION_TYPE: Mail.Read consented as delegated on an application connection', async () => {
    const app = await s.createApp({
      displayName: 'Doctor Wrong Type',
      requiredPermissions: { application: ['Directory.Read.All'], delegated: ['Mail.Read', 'User.Read'] },
      grantAdminConsent: true,
      secret: {},
    });
    const report = await doctor(app, ['mail']);
    assert.deepEqual(codes(report.findings), ['WRONG_PERMISSION_TYPE:mail:error']);
    const [finding] = serious(report.findings);
    assert.match(finding!.message, /Mail\.Read is granted as a delegated permission/);
    assert.match(finding!.fix, /Microsoft Graph > Application permissions > Mail\.Read/);
    assert.equal(
      report.checks.find((c) => c.name === "Read the test user's mailbox")?.status,
      'skipped',
      'a feature whose permission is of the wrong type is not probed',
    );
  });

  test('without a way to read its grants, the same mistake is PERMISSION_MISSING naming Application permissions', async () => {
    const app = await s.createApp({
      displayName: 'Doctor Wrong Type Blind',
      requiredPermissions: { application: ['User.Read.All'], delegated: ['Mail.Read'] },
      grantAdminConsent: true,
      secret: {},
    });
    const report = await doctor(app, ['mail']);
    assert.deepEqual(codes(report.findings), ['PERMISSION_MISSING:mail:error']);
    assert.match(serious(report.findings)[0]!.fix, /Application permissions > Mail\.Read/);
  });

  test('SECRET_EXPIRES_SOON (warning) from the registration when the app may read it', async () => {
    const app = await s.createApp({
      displayName: 'Doctor Expiring Secret',
      requiredPermissions: { application: ['Directory.Read.All'] },
      grantAdminConsent: true,
      secret: { expiresInDays: 10 },
    });
    const report = await doctor(app, ['directory']);
    assert.deepEqual(codes(report.findings), ['SECRET_EXPIRES_SOON:null:warning']);
    const [finding] = serious(report.findings);
    assert.match(
      finding!.message,
      /client secret expires on \d{4}-\d\d-\d\d \(in (9|10) days\), as the app's registration says/,
    );
    assert.match(finding!.fix, /Certificates & secrets, select New client secret/);
    assert.equal(report.ok, true);

    const later = await s.createApp({
      displayName: 'Doctor Lasting Secret',
      requiredPermissions: { application: ['Directory.Read.All'] },
      grantAdminConsent: true,
      secret: { expiresInDays: 200 },
    });
    const fine = await doctor(later, ['directory']);
    assert.deepEqual(codes(fine.findings), []);
    assert.equal(fine.checks.find((c) => c.name.startsWith('The credential does not expire'))?.status, 'pass');
  });

  test('SECRET_EXPIRES_SOON from the expiry recorded with the connection', async () => {
    const app = await s.createApp({
      displayName: 'Doctor Recorded Expiry',
      requiredPermissions: { application: ['User.Read.All', 'GroupMember.Read.All'] },
      grantAdminConsent: true,
      secret: {},
    });
    const soon = new Date(Date.now() + 5 * 86_400_000).toISOString();
    const report = await doctor(app, ['directory'], { secretExpiresAt: soon });
    assert.deepEqual(codes(report.findings), ['SECRET_EXPIRES_SOON:null:warning']);
    assert.match(serious(report.findings)[0]!.message, /as recorded when it was added/);
    const unknown = await doctor(app, ['directory']);
    assert.equal(unknown.checks.find((c) => c.name.startsWith('The credential does not expire'))?.status, 'skipped');
  });

  test('SECRET_EXPIRES_SOON for a certificate, read from the certificate itself', async () => {
    const app = await s.createApp({
      displayName: 'Doctor Expiring Certificate',
      requiredPermissions: { application: ['User.Read.All', 'GroupMember.Read.All'] },
      grantAdminConsent: true,
    });
    const cert = await s.control('POST', `/tenants/${s.tenantId}/applications/${app.appId}/certificates`, {
      generate: true,
      expiresInDays: 7,
    });
    const report = await runDoctor({
      cloud: s.cloud,
      tenant: s.tenantId,
      clientId: app.appId,
      credential: { certificate: { certificatePem: cert.certificatePem, privateKeyPem: cert.privateKeyPem } },
      features: ['directory'],
    });
    assert.deepEqual(codes(report.findings), ['SECRET_EXPIRES_SOON:null:warning']);
    assert.match(serious(report.findings)[0]!.message, /certificate expires on .* as the certificate says/);
    assert.match(serious(report.findings)[0]!.fix, /upload a new certificate/);
  });
});
