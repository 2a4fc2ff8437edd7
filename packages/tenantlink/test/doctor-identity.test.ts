import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Feature } from '../src/connections/model.js';
import { type DoctorInput, type Finding, runDoctor } from '../src/doctor/doctor.js';
import { type AuthSandbox, type Json, startAuthSandbox } from './helpers/auth-sandbox.js';

describe('doctor: credential, token and permission findings against the sandbox', () => {
  let s: AuthSandbox;
  const input = (app: Json, features: Feature[], overrides: Partial<DoctorInput> = {}): DoctorInput => ({
    cloud: s.cloud,
    tenant: s.tenantId,
    clientId: app.appId,
    credential: { clientSecret: app.secret.value },
    features,
    ...overrides,
  });
  const only = (findings: Finding[], code: string) => {
    const found = findings.filter((f) => f.code === code);
    assert.ok(found.length > 0, `expected ${code}, got ${findings.map((f) => f.code).join(', ') || 'nothing'}`);
    return found;
  };

  before(async () => {
    s = await startAuthSandbox();
  });
  after(() => s.close());

  test('a correct setup: every check passes and nothing is found', async () => {
    const app = await s.createApp({
      displayName: 'Doctor Good',
      requiredPermissions: { application: ['User.Read.All', 'GroupMember.Read.All', 'Mail.Send'] },
      grantAdminConsent: true,
      secret: {},
    });
    const report = await runDoctor(input(app, ['directory', 'mail.send']));
    assert.deepEqual(report.findings, []);
    assert.equal(report.ok, true);
    assert.ok(report.checks.every((c) => c.status !== 'fail'));
    assert.deepEqual(
      report.checks.filter((c) => c.status === 'pass').map((c) => c.name),
      [
        'The credential has the shape of a secret Value or a certificate',
        'The app gets a token from the tenant',
        'The token grants what the features need',
        'Read one user',
      ],
    );
  });

  test('PERMISSION_MISSING once per missing permission and feature; PERMISSION_EXCESSIVE as info', async () => {
    const app = await s.createApp({
      displayName: 'Doctor Partial',
      requiredPermissions: { application: ['User.Read.All', 'Files.ReadWrite.All'] },
      grantAdminConsent: true,
      secret: {},
    });
    const report = await runDoctor(input(app, ['directory', 'calendar']));
    assert.equal(report.ok, false);
    const missing = only(report.findings, 'PERMISSION_MISSING');
    assert.deepEqual(
      missing.map((f) => [f.feature, f.severity]),
      [
        ['directory', 'error'],
        ['calendar', 'error'],
      ],
    );
    assert.match(missing[0]!.message, /^GroupMember\.Read\.All \(application\)/);
    assert.match(missing[0]!.fix, /Application permissions > GroupMember\.Read\.All, then Grant admin consent/);
    assert.match(missing[1]!.fix, /Calendars\.Read/);
    const excessive = only(report.findings, 'PERMISSION_EXCESSIVE');
    assert.equal(excessive.length, 1);
    assert.equal(excessive[0]!.severity, 'info');
    assert.match(excessive[0]!.message, /Files\.ReadWrite\.All/);
  });

  test('a higher permission satisfies a need: Directory.Read.All covers the directory feature', async () => {
    const app = await s.createApp({
      displayName: 'Doctor Higher',
      requiredPermissions: { application: ['Directory.Read.All'] },
      grantAdminConsent: true,
      secret: {},
    });
    const report = await runDoctor(input(app, ['directory']));
    assert.deepEqual(report.findings, []);
  });

  test('CONSENT_MISSING when the permissions were added but admin consent was not granted', async () => {
    const app = await s.createApp({
      displayName: 'Doctor Unconsented',
      requiredPermissions: { application: ['User.Read.All'] },
      secret: {},
    });
    const report = await runDoctor(input(app, ['directory']));
    const [finding] = only(report.findings, 'CONSENT_MISSING');
    assert.equal(finding!.severity, 'error');
    assert.match(finding!.fix, /Grant admin consent/);
  });

  test('SECRET_IS_SECRET_ID: found by shape before the call, confirmed by the call, reported once', async () => {
    const app = await s.createApp({ displayName: 'Doctor Secret ID', secret: {} });
    const report = await runDoctor(input(app, ['directory'], { credential: { clientSecret: app.secret.keyId } }));
    assert.deepEqual(
      report.findings.map((f) => f.code),
      ['SECRET_IS_SECRET_ID'],
    );
    assert.match(report.findings[0]!.fix, /Value column/);
    assert.deepEqual(
      report.checks.map((c) => c.status),
      ['fail', 'fail', 'skipped'],
    );
  });

  test('token failures become findings with the portal fix: wrong, expired secret; unknown app, tenant; disabled app', async () => {
    const app = await s.createApp({ displayName: 'Doctor Token', secret: {} });
    const wrong = await runDoctor(
      input(app, ['directory'], { credential: { clientSecret: `${'x'.repeat(20)}~${'y'.repeat(19)}` } }),
    );
    assert.match(only(wrong.findings, 'SECRET_INVALID')[0]!.message, /AADSTS7000215/);

    const expired = await s.createApp({ displayName: 'Doctor Expired', secret: { expiresInDays: -1 } });
    only((await runDoctor(input(expired, ['directory']))).findings, 'SECRET_EXPIRED');

    only((await runDoctor(input(app, ['directory'], { clientId: randomUUID() }))).findings, 'APP_NOT_FOUND');
    const tenant = only(
      (await runDoctor(input(app, ['directory'], { tenant: randomUUID() }))).findings,
      'TENANT_NOT_FOUND',
    );
    assert.match(tenant[0]!.message, /AADSTS90002/);

    const off = await s.createApp({ displayName: 'Doctor Off', secret: {} });
    await s.control('PATCH', `/tenants/${s.tenantId}/applications/${off.appId}`, { accountEnabled: false });
    only((await runDoctor(input(off, ['directory']))).findings, 'APP_DISABLED');
  });

  test('CERTIFICATE_INVALID for a certificate the app does not know; NETWORK_UNREACHABLE for a closed port', async () => {
    const app = await s.createApp({ displayName: 'Doctor Cert', secret: {} });
    const foreign = await s.control('POST', `/tenants/${s.tenantId}/applications/${app.appId}/certificates`, {
      generate: true,
    });
    const other = await s.createApp({ displayName: 'Doctor Other', secret: {} });
    const cert = await runDoctor(
      input(other, ['directory'], {
        credential: { certificate: { certificatePem: foreign.certificatePem, privateKeyPem: foreign.privateKeyPem } },
      }),
    );
    only(cert.findings, 'CERTIFICATE_INVALID');
    const closed = await runDoctor(
      input(app, ['directory'], { cloud: { ...s.cloud, authorityHost: 'https://127.0.0.1:9' } }),
    );
    const [unreachable] = only(closed.findings, 'NETWORK_UNREACHABLE');
    assert.equal(unreachable!.severity, 'error');
    assert.equal(closed.ok, false);
  });
});
