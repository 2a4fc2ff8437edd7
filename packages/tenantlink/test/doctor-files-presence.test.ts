import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Agent } from 'undici';
import { ClientCredentialProvider } from '../src/auth/client-credential-provider.js';
import type { Feature } from '../src/connections/model.js';
import { type Finding, runDoctor } from '../src/doctor/doctor.js';
import { GraphClient } from '../src/graph/client.js';
import { type AuthSandbox, type Json, startAuthSandbox } from './helpers/auth-sandbox.js';

describe('doctor: presence and files probes against the sandbox', () => {
  let s: AuthSandbox;
  let filesApp: Json;
  let presenceApp: Json;
  let account: Json;
  const serious = (findings: Finding[]) => findings.filter((f) => f.severity !== 'info');
  const codes = (findings: Finding[]) => serious(findings).map((f) => `${f.code}:${f.feature}:${f.severity}`);
  const doctor = (app: Json, features: Feature[], extra: { testUser?: string; serviceAccount?: string } = {}) =>
    runDoctor({
      cloud: s.cloud,
      tenant: s.tenantId,
      clientId: app.appId,
      credential: { clientSecret: app.secret.value },
      features,
      ...extra,
    });

  /** The names in the root of a user's OneDrive, read with the files app's own token. */
  async function rootNames(upn: string): Promise<string[]> {
    const dispatcher = new Agent({ connect: { ca: s.sandbox.caCertPem } });
    const provider = new ClientCredentialProvider({
      cloud: s.cloud,
      tenant: s.tenantId,
      clientId: filesApp.appId,
      credential: { clientSecret: filesApp.secret.value },
    });
    const graph = new GraphClient({
      graphEndpoint: s.cloud.graphEndpoint,
      getToken: async () => (await provider.getToken()).token,
      dispatcher,
    });
    try {
      const page = await graph.get<{ value: { name: string }[] }>(`/users/${upn}/drive/root/children`, {
        select: ['name'],
      });
      return page.value.map((i) => i.name);
    } finally {
      await dispatcher.close();
    }
  }

  before(async () => {
    s = await startAuthSandbox();
    filesApp = await s.createApp({
      displayName: 'Doctor Files',
      requiredPermissions: { application: ['Files.ReadWrite.All'] },
      grantAdminConsent: true,
      secret: {},
    });
    presenceApp = await s.createApp({
      displayName: 'Doctor Presence',
      requiredPermissions: { application: ['Presence.Read.All'] },
      grantAdminConsent: true,
      secret: {},
    });
    account = await s.control('POST', `/tenants/${s.tenantId}/users`, {
      displayName: 'Files Service Account',
      oneDriveProvisioned: true,
    });
    await s.control('PATCH', `/tenants/${s.tenantId}/settings`, { sharingCapability: 'externalUserAndGuestSharing' });
  });
  after(() => s.close());

  test('files: the drive opens, a test file is shared both ways, and the file is gone afterwards', async () => {
    const report = await doctor(filesApp, ['files'], { serviceAccount: account.userPrincipalName });
    assert.deepEqual(codes(report.findings), [], JSON.stringify(report.findings));
    const passed = report.checks.filter((c) => c.status === 'pass').map((c) => c.name);
    assert.ok(passed.includes("Open the service account's OneDrive"));
    assert.ok(passed.includes('Create a test file and sharing links, then delete it'));
    const names = await rootNames(account.userPrincipalName);
    assert.ok(!names.some((n) => n.startsWith('tenantlink-doctor-')), `left behind: ${names.join(', ')}`);
    const stats = await s.control('GET', '/stats');
    const routes = (stats.recent as { route: string; status: number }[]).map((r) => `${r.status} ${r.route}`);
    // Upload, organisation link, "Anyone" link, delete: the only writes the doctor makes.
    const writes = routes.filter((r) => / (PUT|POST|PATCH|DELETE) /.test(r)).slice(-4);
    assert.deepEqual(writes, [
      '201 PUT /v1.0/drives/:driveId/*',
      '201 POST /v1.0/drives/:driveId/*',
      '201 POST /v1.0/drives/:driveId/*',
      '204 DELETE /v1.0/drives/:driveId/*',
    ]);
  });

  test('SERVICE_ACCOUNT_MISSING (warning) when files is checked without --service-account', async () => {
    const report = await doctor(filesApp, ['files']);
    assert.deepEqual(codes(report.findings), ['SERVICE_ACCOUNT_MISSING:files:warning']);
    assert.match(serious(report.findings)[0]!.fix, /--service-account/);
  });

  test('ONEDRIVE_NOT_PROVISIONED for a service account whose OneDrive was never created', async () => {
    const fresh = await s.control('POST', `/tenants/${s.tenantId}/users`, {
      displayName: 'No OneDrive Yet',
      oneDriveProvisioned: false,
    });
    const report = await doctor(filesApp, ['files'], { serviceAccount: fresh.userPrincipalName });
    assert.deepEqual(codes(report.findings), ['ONEDRIVE_NOT_PROVISIONED:files:error']);
    assert.match(serious(report.findings)[0]!.fix, /Request-SPOPersonalSite|open OneDrive once/);
    const skipped = report.checks.find((c) => c.name === 'Create a test file and sharing links, then delete it');
    assert.equal(skipped?.status, 'skipped', 'no file is written when the drive did not open');
  });

  test('USER_NOT_FOUND for a service account that does not exist', async () => {
    const report = await doctor(filesApp, ['files'], {
      serviceAccount: `ghost@${s.sandbox.tenants[0]!.defaultDomain}`,
    });
    const [finding] = serious(report.findings);
    assert.equal(finding?.code, 'USER_NOT_FOUND');
    assert.match(finding!.message, /service account ghost@/);
  });

  test('SHARING_DISABLED (warning) when the tenant turns off "Anyone" links; the test file is still deleted', async () => {
    await s.control('PATCH', `/tenants/${s.tenantId}/settings`, { sharingCapability: 'disabled' });
    try {
      const report = await doctor(filesApp, ['files'], { serviceAccount: account.userPrincipalName });
      assert.deepEqual(codes(report.findings), ['SHARING_DISABLED:files:warning']);
      assert.equal(report.ok, true, 'organisation links still work, so this is not an error');
      assert.match(serious(report.findings)[0]!.fix, /SharePoint admin center.*Policies > Sharing/);
      const names = await rootNames(account.userPrincipalName);
      assert.ok(!names.some((n) => n.startsWith('tenantlink-doctor-')));
    } finally {
      await s.control('PATCH', `/tenants/${s.tenantId}/settings`, { sharingCapability: 'externalUserAndGuestSharing' });
    }
  });

  test("presence: the test user's presence is read by ID", async () => {
    const report = await doctor(presenceApp, ['presence'], { testUser: account.id });
    assert.deepEqual(codes(report.findings), []);
    assert.equal(report.checks.find((c) => c.name === "Read the test user's presence")?.status, 'pass');
    const stats = await s.control('GET', '/stats');
    assert.ok(
      (stats.recent as { route: string; status: number }[]).some(
        (r) => r.status === 200 && r.route.includes('/presence'),
      ),
    );
  });

  test('presence with a UPN: looked up when the directory is readable, TEST_USER_ID_NEEDED (warning) when not', async () => {
    const both = await s.createApp({
      displayName: 'Doctor Presence And Directory',
      requiredPermissions: { application: ['Presence.Read.All', 'User.Read.All', 'GroupMember.Read.All'] },
      grantAdminConsent: true,
      secret: {},
    });
    const resolved = await doctor(both, ['directory', 'presence'], { testUser: account.userPrincipalName });
    assert.deepEqual(codes(resolved.findings), []);

    const report = await doctor(presenceApp, ['presence'], { testUser: account.userPrincipalName });
    assert.deepEqual(codes(report.findings), ['TEST_USER_ID_NEEDED:presence:warning']);
    assert.match(serious(report.findings)[0]!.fix, /Object ID/);
  });

  test('USER_NOT_FOUND for a presence test user ID that does not exist', async () => {
    const report = await doctor(presenceApp, ['presence'], { testUser: '6c1f0a0e-5d1b-4d7e-9b4a-0c7d3c1e2f99' });
    assert.deepEqual(codes(report.findings), ['USER_NOT_FOUND:presence:error']);
  });
});
