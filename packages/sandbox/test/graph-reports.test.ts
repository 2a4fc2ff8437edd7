import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Client, PageIterator } from '@microsoft/microsoft-graph-client';
import { signInActivityOf } from '../src/graph/reports/index.js';
import type { Tenant, User } from '../src/tenant/model.js';
import { type Harness, type Json, startHarness } from '../src/testing/index.js';
import { clientCredentialTokens, graphSdkClient } from './helpers/graph-sdk.js';

const ACTIVE_USER_HEADER =
  'Report Refresh Date,User Principal Name,Display Name,Is Deleted,Deleted Date,Has Exchange License,Has OneDrive License,Has SharePoint License,Has Skype For Business License,Has Yammer License,Has Teams License,Exchange Last Activity Date,OneDrive Last Activity Date,SharePoint Last Activity Date,Skype For Business Last Activity Date,Yammer Last Activity Date,Teams Last Activity Date,Exchange License Assign Date,OneDrive License Assign Date,SharePoint License Assign Date,Skype For Business License Assign Date,Yammer License Assign Date,Teams License Assign Date,Assigned Products';
const MAILBOX_HEADER =
  'Report Refresh Date,User Principal Name,Display Name,Is Deleted,Deleted Date,Created Date,Last Activity Date,Item Count,Storage Used (Byte),Issue Warning Quota (Byte),Prohibit Send Quota (Byte),Prohibit Send/Receive Quota (Byte),Deleted Item Count,Deleted Item Size (Byte),Deleted Item Quota (Byte),Has Archive,Report Period';

const DAY = 86_400_000;
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** CSV lines without the byte-order mark and the final line break (fetch's text() would drop the mark unseen). */
async function csvLines(body: { arrayBuffer(): Promise<ArrayBuffer> }): Promise<string[]> {
  const bytes = Buffer.from(await body.arrayBuffer());
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'the download starts with a UTF-8 byte-order mark');
  return bytes.subarray(3).toString('utf8').replace(/\r\n$/, '').split('\r\n');
}

describe('Graph usage reports and audit logs', () => {
  let h: Harness;
  let reports: string;
  let audit: string;
  let directoryOnly: string;
  let users: Json[];
  let client: Client;

  before(async () => {
    h = await startHarness({ users: 30 });
    reports = (await h.appToken(['Reports.Read.All'])).token;
    audit = (await h.appToken(['AuditLog.Read.All'])).token;
    directoryOnly = (await h.appToken(['Directory.Read.All'])).token;
    users = (await h.graph(directoryOnly, '/users?$top=999&$select=id,userPrincipalName')).body.value;
    const app = await h.createApp({
      displayName: 'Reports SDK',
      requiredPermissions: { application: ['Reports.Read.All', 'AuditLog.Read.All'] },
      grantAdminConsent: true,
      secret: {},
    });
    const cca = h.confidentialClient(app.appId, { clientSecret: app.secret!.value });
    client = graphSdkClient(h, clientCredentialTokens(cca));
  });
  after(() => h.close());

  /** The 302 of a report function, without following it. */
  async function reportRedirect(fn: string, token = reports) {
    const res = await h.fetch(`${h.sandbox.graph}/reports/${fn}`, {
      headers: { authorization: `Bearer ${token}` },
      redirect: 'manual',
    });
    return { status: res.status, location: res.headers.get('location'), body: await res.text() };
  }

  test("getOffice365ActiveUserDetail(period='D7'): 302 to a download URL that needs no token, then the CSV", async () => {
    const redirect = await reportRedirect("getOffice365ActiveUserDetail(period='D7')");
    assert.equal(redirect.status, 302);
    assert.match(redirect.location!, /^https:\/\/localhost:\d+\/data\/download\/[\w.-]+$/);
    const download = await h.fetch(redirect.location!);
    assert.equal(download.status, 200);
    assert.equal(download.headers.get('content-type'), 'application/octet-stream');
    const lines = await csvLines(download);
    assert.equal(lines[0], ACTIVE_USER_HEADER);
    assert.equal(lines.length - 1, users.length, 'one row per user');
    const yesterday = isoDate(Date.now() - DAY);
    const upns = new Set(users.map((u) => u.userPrincipalName));
    for (const line of lines.slice(1)) {
      const cells = line.split(',');
      assert.equal(cells.length, 24);
      assert.equal(cells[0], yesterday, 'Report Refresh Date is yesterday');
      assert.ok(upns.has(cells[1]!));
      for (const date of cells.slice(11, 17)) assert.ok(date === '' || date <= yesterday, date);
    }
    assert.ok(
      lines.slice(1).some((l) => l.split(',')[11] !== ''),
      'someone used Exchange',
    );
    const again = await h.fetch((await reportRedirect("getOffice365ActiveUserDetail(period='D7')")).location!);
    assert.deepEqual(await csvLines(again), lines, 'deterministic');

    const percentEncoded = await reportRedirect('getOffice365ActiveUserDetail(period=%27D30%27)');
    assert.equal(percentEncoded.status, 302);
  });

  test('the Graph SDK follows the redirect and returns the CSV as a stream', async () => {
    const body = await client.api("/reports/getOffice365ActiveUserDetail(period='D7')").get();
    assert.ok(body instanceof ReadableStream, 'application/octet-stream comes back as the raw body stream');
    const lines = await csvLines(new Response(body));
    assert.equal(lines[0], ACTIVE_USER_HEADER);
    assert.equal(lines.length - 1, users.length);
  });

  test("getMailboxUsageDetail(period='D30'): mailbox users only, with quotas and the report period", async () => {
    const redirect = await reportRedirect("getMailboxUsageDetail(period='D30')");
    assert.equal(redirect.status, 302);
    const lines = await csvLines(await h.fetch(redirect.location!));
    assert.equal(lines[0], MAILBOX_HEADER);
    assert.ok(lines.length > 1);
    assert.ok(lines.length - 1 <= users.length);
    const cells = lines[1]!.split(',');
    assert.equal(cells.length, 17);
    assert.equal(cells[9], '105226698752');
    assert.equal(cells[16], '30');
  });

  test('(date=…): the past 28 days only; dated rows are the users active that day', async () => {
    const yesterday = isoDate(Date.now() - DAY);
    const ok = await reportRedirect(`getOffice365ActiveUserDetail(date=${yesterday})`);
    assert.equal(ok.status, 302);
    const lines = await csvLines(await h.fetch(ok.location!));
    assert.ok(lines.length - 1 <= users.length);
    assert.equal(
      (await reportRedirect(`getOffice365ActiveUserDetail(date=${isoDate(Date.now() - 27 * DAY)})`)).status,
      302,
    );

    const tooOld = isoDate(Date.now() - 28 * DAY);
    const old = await h.graph(reports, `/reports/getOffice365ActiveUserDetail(date=${tooOld})`);
    assert.equal(old.status, 400);
    assert.equal(old.body.error.code, 'InvalidArgument');
    assert.equal(
      old.body.error.message,
      `Invalid date value specified: ${tooOld}. Only support data for the past 28 days.`,
    );
    const today = await h.graph(reports, `/reports/getOffice365ActiveUserDetail(date=${isoDate(Date.now())})`);
    assert.equal(today.status, 400);
  });

  test('errors: invalid period, unknown report, unsupported parameter', async () => {
    const period = await h.graph(reports, "/reports/getOffice365ActiveUserDetail(period='D8')");
    assert.equal(period.status, 400);
    assert.equal(period.body.error.code, 'InvalidArgument');
    assert.match(period.body.error.message, /D8/);
    const unknown = await h.graph(reports, "/reports/getNothingDetail(period='D7')");
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error.message, "Resource not found for the segment 'getNothingDetail'.");
    const dated = await h.graph(reports, `/reports/getMailboxUsageDetail(date=${isoDate(Date.now() - DAY)})`);
    assert.equal(dated.status, 400);
    assert.equal(dated.body.error.code, 'BadRequest');
  });

  test('a download link expires after a few minutes of sandbox time', async () => {
    const redirect = await reportRedirect("getMailboxUsageDetail(period='D7')");
    try {
      await h.control('POST', '/clock', { advanceSeconds: 6 * 60 });
      assert.equal((await h.fetch(redirect.location!)).status, 403);
    } finally {
      await h.control('DELETE', '/clock');
    }
    assert.equal((await h.fetch(`${h.sandbox.authority}/data/download/forged.token`)).status, 403);
  });

  test('usage reports quota: 14 per 10 minutes per app, tenant and report (scaled down to 1)', async () => {
    await h.control('PUT', '/throttling', { scale: 0.01 });
    try {
      const token = (await h.appToken(['Reports.Read.All'])).token;
      assert.equal((await reportRedirect("getOffice365ActiveUserDetail(period='D7')", token)).status, 302);
      const throttled = await h.graph(token, "/reports/getOffice365ActiveUserDetail(period='D30')");
      assert.equal(throttled.status, 429);
      assert.equal(throttled.body.error.code, 'TooManyRequests');
      assert.ok(Number(throttled.headers.get('retry-after')) > 1);
      assert.equal((await reportRedirect("getMailboxUsageDetail(period='D7')", token)).status, 302, 'per report API');
    } finally {
      await h.control('PUT', '/throttling', { scale: 1 });
    }
  });

  test('signIns: newest first, $top paging with nextLink, filters on user, app and time', async () => {
    const all = await h.graph(audit, '/auditLogs/signIns');
    assert.equal(all.status, 200, JSON.stringify(all.body));
    const entries: Json[] = all.body.value;
    assert.ok(entries.length > 10 && entries.length <= 1000);
    assert.equal(all.body['@odata.nextLink'], undefined);
    const times = entries.map((e) => Date.parse(e.createdDateTime));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => b - a),
      'newest first',
    );
    assert.ok(times.every((t) => t > Date.now() - 31 * DAY && t <= Date.now()));
    const first = entries[0];
    for (const key of ['id', 'userPrincipalName', 'userId', 'appId', 'appDisplayName', 'ipAddress', 'clientAppUsed']) {
      assert.equal(typeof first[key], 'string', key);
    }
    assert.equal(typeof first.isInteractive, 'boolean');
    assert.equal(typeof first.status.errorCode, 'number');
    assert.ok(['success', 'failure', 'notApplied'].includes(first.conditionalAccessStatus));
    assert.equal(typeof first.location.city, 'string');

    const paged: string[] = [];
    let next: string | undefined = '/auditLogs/signIns?$top=7';
    while (next) {
      const page = await h.graph(audit, next);
      assert.equal(page.status, 200);
      assert.ok(page.body.value.length <= 7);
      paged.push(...page.body.value.map((e: Json) => e.id));
      next = page.body['@odata.nextLink'];
    }
    assert.deepEqual(
      paged,
      entries.map((e) => e.id),
      'paging walks the same list',
    );

    const upn = first.userPrincipalName;
    const byUser = await h.graph(audit, `/auditLogs/signIns?$filter=userPrincipalName eq '${upn}'`);
    assert.ok(byUser.body.value.length >= 1);
    assert.ok(byUser.body.value.every((e: Json) => e.userPrincipalName === upn));
    assert.equal(byUser.body.value.length, entries.filter((e) => e.userPrincipalName === upn).length);
    const byApp = await h.graph(audit, `/auditLogs/signIns?$filter=appId eq '${first.appId}'`);
    assert.ok(byApp.body.value.every((e: Json) => e.appId === first.appId));
    const since = new Date(Date.now() - 7 * DAY).toISOString();
    const recent = await h.graph(audit, `/auditLogs/signIns?$filter=createdDateTime ge ${since}`);
    assert.equal(recent.status, 200);
    assert.equal(recent.body.value.length, entries.filter((e) => e.createdDateTime >= since).length);
    const window = await h.graph(
      audit,
      `/auditLogs/signIns?$filter=createdDateTime ge ${since} and createdDateTime le ${new Date().toISOString()}`,
    );
    assert.equal(window.body.value.length, recent.body.value.length);

    assert.equal((await h.graph(audit, '/auditLogs/signIns?$top=1001')).status, 400);
    assert.equal((await h.graph(audit, "/auditLogs/signIns?$filter=riskState eq 'none'")).status, 400);
  });

  test('signIns through the Graph SDK PageIterator', async () => {
    const first = await client.api('/auditLogs/signIns').top(5).get();
    const ids: string[] = [];
    await new PageIterator(client, first, (entry: { id: string }) => {
      ids.push(entry.id);
      return true;
    }).iterate();
    const all = (await h.graph(audit, '/auditLogs/signIns')).body.value;
    assert.equal(ids.length, all.length);
  });

  test('directoryAudits: audit entries, filters and paging', async () => {
    const res = await h.graph(audit, '/auditLogs/directoryAudits');
    assert.equal(res.status, 200);
    const entries: Json[] = res.body.value;
    assert.ok(entries.length > 0);
    const entry = entries[0];
    assert.match(entry.id, /^Directory_[A-Z0-9]{5}_\d{8}$/);
    assert.equal(entry.loggedByService, 'Core Directory');
    assert.equal(entry.result, 'success');
    assert.ok(Array.isArray(entry.targetResources) && entry.targetResources.length >= 1);
    assert.ok(entry.initiatedBy.user || entry.initiatedBy.app);
    const times = entries.map((e) => e.activityDateTime);
    assert.deepEqual(times, [...times].sort().reverse());

    const category = await h.graph(audit, "/auditLogs/directoryAudits?$filter=category eq 'GroupManagement'");
    assert.ok(category.body.value.every((e: Json) => e.category === 'GroupManagement'));
    const target = entry.targetResources[0].id;
    const byTarget = await h.graph(
      audit,
      `/auditLogs/directoryAudits?$filter=targetResources/any(t: t/id eq '${target}')`,
    );
    assert.equal(byTarget.status, 200, JSON.stringify(byTarget.body));
    assert.ok(byTarget.body.value.some((e: Json) => e.id === entry.id));
    const page = await h.graph(audit, '/auditLogs/directoryAudits?$top=2');
    assert.equal(page.body.value.length, Math.min(2, entries.length));
  });

  test('a tenant without Entra ID P1/P2: signIns is 403, directory audits keep 7 days', async () => {
    const week = Date.now() - 7 * DAY;
    const allAudits: Json[] = (await h.graph(audit, '/auditLogs/directoryAudits')).body.value;
    await h.control('PATCH', `/tenants/${h.tenantId}/settings`, { premiumLicense: false });
    try {
      const res = await h.graph(audit, '/auditLogs/signIns');
      assert.equal(res.status, 403);
      assert.equal(res.body.error.code, 'Authentication_RequestFromNonPremiumTenantOrB2CTenant');
      assert.equal(res.body.error.message, "Neither tenant is B2C or tenant doesn't have premium license");
      const audits = await h.graph(audit, '/auditLogs/directoryAudits');
      assert.equal(audits.status, 200);
      assert.equal(audits.body.value.length, allAudits.filter((e) => Date.parse(e.activityDateTime) >= week).length);
    } finally {
      await h.control('PATCH', `/tenants/${h.tenantId}/settings`, { premiumLicense: true });
    }
    assert.equal((await h.graph(audit, '/auditLogs/signIns')).status, 200);
  });

  test('permissions: AuditLog.Read.All is required (Directory.Read.All alone is refused), Reports.Read.All for reports', async () => {
    for (const path of ['/auditLogs/signIns', '/auditLogs/directoryAudits']) {
      const res = await h.graph(directoryOnly, path);
      assert.equal(res.status, 403, path);
      assert.equal(res.body.error.code, 'Authentication_MSGraphPermissionMissing');
      assert.equal(
        res.body.error.message,
        'Calling principal does not have required MSGraph permissions AuditLog.Read.All',
      );
    }
    assert.equal((await h.graph(reports, '/auditLogs/signIns')).status, 403);
    const report = await h.graph(audit, "/reports/getOffice365ActiveUserDetail(period='D7')");
    assert.equal(report.status, 403);
  });

  test('delegated: administrators read logs and reports; other users are refused', async () => {
    const app = await h.createApp({
      displayName: 'Reports Delegated',
      allowPublicClient: true,
      requiredPermissions: {
        delegated: ['Reports.Read.All', 'AuditLog.Read.All', 'openid', 'profile', 'offline_access'],
      },
      grantAdminConsent: true,
    });
    const tokenFor = async (isAdmin: boolean) => {
      const person = await h.control(
        'POST',
        `/tenants/${h.tenantId}/users`,
        { displayName: `Reports ${isAdmin ? 'Admin' : 'Reader'}`, isAdmin },
        201,
      );
      const result = await h.publicClient(app.appId).acquireTokenByUsernamePassword({
        scopes: ['Reports.Read.All', 'AuditLog.Read.All'],
        username: person.userPrincipalName,
        password: person.password,
      });
      return result!.accessToken;
    };
    const admin = await tokenFor(true);
    const plain = await tokenFor(false);
    assert.equal((await h.graph(admin, '/auditLogs/signIns?$top=1')).status, 200);
    assert.equal((await reportRedirect("getMailboxUsageDetail(period='D90')", admin)).status, 302);
    const logs = await h.graph(plain, '/auditLogs/signIns?$top=1');
    assert.equal(logs.status, 403);
    assert.equal(logs.body.error.code, 'Authentication_RequestFromUnsupportedUserRole');
    const usage = await h.graph(plain, "/reports/getMailboxUsageDetail(period='D90')");
    assert.equal(usage.status, 403);
    assert.equal(usage.body.error.code, 'S2SUnauthorized');
  });

  test('signInActivityOf: deterministic, from the seeded sign-ins, null for users who never signed in', () => {
    const now = Date.now();
    const makeUser = (i: number, createdDateTime: string): User =>
      ({
        id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        userPrincipalName: `user${i}@contoso.example`,
        displayName: `User ${i}`,
        accountEnabled: true,
        city: null,
        createdDateTime,
      }) as User;
    const makeTenant = (): Tenant => {
      const users = new Map<string, User>();
      for (let i = 0; i < 40; i++)
        users.set(makeUser(i, '2020-01-01T00:00:00Z').id, makeUser(i, '2020-01-01T00:00:00Z'));
      const fresh = makeUser(99, new Date(now + DAY).toISOString());
      users.set(fresh.id, fresh);
      return { id: 'b1c8a5e2-0000-4000-8000-000000000001', users } as unknown as Tenant;
    };
    const one = makeTenant();
    const two = makeTenant();
    const activities = [...one.users.keys()].map((id) => signInActivityOf(one, id, now));
    assert.deepEqual(
      [...two.users.keys()].map((id) => signInActivityOf(two, id, now)),
      activities,
      'same tenant and users, same activity',
    );
    const active = activities.filter((a) => a !== null);
    assert.ok(active.length > 10);
    for (const a of active) {
      const last = [a.lastSignInDateTime, a.lastNonInteractiveSignInDateTime].filter((d): d is string => d !== null);
      assert.ok(last.length > 0);
      for (const d of last) assert.ok(Date.parse(d) <= now && Date.parse(d) > now - 30 * DAY - 1000);
      if (a.lastSuccessfulSignInDateTime) {
        const latest = Math.max(...last.map((d) => Date.parse(d)));
        assert.ok(Date.parse(a.lastSuccessfulSignInDateTime) <= latest, 'no success after the last sign-in');
      }
      if (a.lastSignInRequestId) assert.match(a.lastSignInRequestId, /^[0-9a-f-]{36}$/);
    }
    assert.equal(signInActivityOf(one, makeUser(99, '').id, now), null, 'created after the logs end');
    assert.equal(signInActivityOf(one, 'ffffffff-0000-4000-8000-000000000000', now), null);
  });
});
