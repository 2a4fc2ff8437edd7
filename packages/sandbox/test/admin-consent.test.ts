import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  asPage,
  asRedirect,
  Browser,
  completeSignIn,
  expectAadError,
  type Harness,
  startHarness,
  type TestApp,
} from '../src/testing/index.js';

const CALLBACK = 'https://vendor.example.test/connect/microsoft/callback';
const GRAPH_DEFAULT = 'https://graph.microsoft.com/.default';

describe('multi-tenant apps and the admin-consent flow', () => {
  let h: Harness;
  let vendorApp: TestApp;
  let customer: { id: string; defaultDomain: string; admin: { userPrincipalName: string; password: string } };

  before(async () => {
    h = await startHarness();
    vendorApp = await h.createApp({
      displayName: 'Vendor Connector',
      signInAudience: 'AzureADMultipleOrgs',
      redirectUris: { web: [CALLBACK] },
      requiredPermissions: { application: ['User.Read.All', 'Calendars.Read'], delegated: ['User.Read'] },
      secret: {},
    });
    customer = await h.control(
      'POST',
      '/tenants',
      { displayName: 'Customer Ltd', domain: 'customerltd', users: 5 },
      201,
    );
  });
  after(() => h.close());

  const cca = () => h.confidentialClient(vendorApp.appId, { clientSecret: vendorApp.secret!.value }, customer.id);
  const consentUrl = (version: 1 | 2, tenant = 'organizations') =>
    version === 2
      ? `${h.sandbox.authority}/${tenant}/v2.0/adminconsent?client_id=${vendorApp.appId}&scope=${encodeURIComponent(GRAPH_DEFAULT)}&redirect_uri=${encodeURIComponent(CALLBACK)}&state=s-42`
      : `${h.sandbox.authority}/${tenant}/adminconsent?client_id=${vendorApp.appId}&redirect_uri=${encodeURIComponent(CALLBACK)}&state=s-42`;

  test('before consent the customer tenant does not know the app (700016)', async () => {
    const err = await expectAadError(cca().acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT] }));
    assert.equal(err.errorNo, '700016');
    assert.equal(err.errorCode, 'unauthorized_client');
  });

  test('creating the customer tenant gives it its own domain and an administrator', async () => {
    assert.equal(customer.defaultDomain, 'customerltd.onmicrosoft.com');
    const view = await h.control('GET', `/tenants/${customer.id}`);
    assert.equal(view.users.length, 5);
    assert.ok(view.users.some((u: { isAdmin: boolean }) => u.isAdmin));
    await h.control('POST', '/tenants', { domain: 'customerltd' }, 409);
  });

  const memberOf = async (tenantId: string) => {
    const view = await h.control('GET', `/tenants/${tenantId}`);
    return view.users.find((u: { isAdmin: boolean; accountEnabled: boolean }) => !u.isAdmin && u.accountEnabled);
  };
  const servicePrincipalIn = async (tenantId: string) =>
    (await h.control('GET', `/tenants/${tenantId}`)).servicePrincipals.find(
      (s: { appId: string }) => s.appId === vendorApp.appId,
    );

  test('the admin consent page: app, "unverified", application and delegated permissions, Accept, no checkbox', async () => {
    const browser = new Browser(h);
    const consent = asPage(await completeSignIn(browser, await browser.open(consentUrl(2)), customer.admin), 'consent');
    assert.match(consent.html, /<h1>Permissions requested<br><small>Accept for your organization<\/small><\/h1>/);
    assert.match(consent.html, /<strong>Vendor Connector<\/strong>/);
    assert.match(consent.html, /data-publisher-verified="false">unverified</);
    assert.match(consent.html, /data-permission="Calendars.Read" data-type="Application"/);
    assert.match(consent.html, /data-permission="User.Read" data-type="Delegated"/);
    assert.match(consent.html, /value="accept"[^>]*>Accept</);
    assert.match(consent.html, /value="cancel"[^>]*>Cancel</);
    assert.doesNotMatch(consent.html, /consentForOrganization|Consent on behalf of your organization/);
  });

  test('an admin who cancels is sent back with access_denied, AADSTS65004 and admin_consent=True; nothing is granted', async () => {
    const browser = new Browser(h);
    const cancelled = asRedirect(
      await completeSignIn(browser, await browser.open(consentUrl(2)), { ...customer.admin, consent: 'cancel' }),
    );
    assert.equal(cancelled.searchParams.get('error'), 'access_denied');
    assert.match(cancelled.searchParams.get('error_description')!, /^AADSTS65004: User declined to consent/);
    assert.match(cancelled.searchParams.get('error_uri')!, /\/error\?code=65004$/);
    assert.equal(cancelled.searchParams.get('admin_consent'), 'True');
    assert.equal(cancelled.searchParams.get('state'), 's-42');
    assert.equal(cancelled.searchParams.get('tenant'), null);
    assert.equal(cancelled.searchParams.get('error_subcode'), null);
    assert.equal(await servicePrincipalIn(customer.id), undefined, 'no service principal, so no grant either');
  });

  test('a non-admin sees "Need admin approval"; returning sends access_denied with error_subcode=cancel', async () => {
    const browser = new Browser(h);
    const approval = asPage(
      await completeSignIn(browser, await browser.open(consentUrl(2)), await memberOf(customer.id)),
      'admin-approval',
    );
    assert.equal(approval.errorCode, 90094);
    assert.match(approval.html, /Have an admin account\?/);
    const back = asRedirect(await browser.submit(approval));
    assert.equal(back.origin + back.pathname, CALLBACK);
    assert.deepEqual(
      [...back.searchParams.keys()].sort(),
      ['error', 'error_subcode', 'state'],
      'no admin_consent, tenant or description',
    );
    assert.equal(back.searchParams.get('error'), 'access_denied');
    assert.equal(back.searchParams.get('error_subcode'), 'cancel');
    assert.equal(await servicePrincipalIn(customer.id), undefined);
  });

  test('"Have an admin account? Sign in with that account" lets an admin consent in the same request', async () => {
    const other = await h.control('POST', '/tenants', { displayName: 'Switching Ltd', users: 3 }, 201);
    const browser = new Browser(h);
    const approval = asPage(
      await completeSignIn(browser, await browser.open(consentUrl(2)), await memberOf(other.id)),
      'admin-approval',
    );
    const signIn = asPage(
      await browser.post(approval.form!.action, { txn: approval.form!.fields.txn!, decision: 'switch-account' }),
      'signin',
    );
    const done = asRedirect(await completeSignIn(browser, signIn, { ...other.admin, consent: 'accept' }));
    assert.equal(done.searchParams.get('admin_consent'), 'True');
    assert.equal(done.searchParams.get('tenant'), other.id);
    assert.equal(done.searchParams.get('state'), 's-42');
  });

  test('the customer admin consents on /organizations/v2.0/adminconsent; app-only tokens then carry the roles', async () => {
    const browser = new Browser(h);
    const consent = asPage(await completeSignIn(browser, await browser.open(consentUrl(2)), customer.admin), 'consent');
    assert.match(consent.html, /data-permission="User.Read.All" data-type="Application"/);
    assert.match(consent.html, /data-permission="User.Read" data-type="Delegated"/);
    const done = asRedirect(await browser.submit(consent, { decision: 'accept' }));
    assert.equal(done.origin + done.pathname, CALLBACK);
    assert.equal(done.searchParams.get('admin_consent'), 'True');
    assert.equal(done.searchParams.get('tenant'), customer.id);
    assert.equal(done.searchParams.get('state'), 's-42');

    const view = await h.control('GET', `/tenants/${customer.id}`);
    const sp = view.servicePrincipals.find((s: { appId: string }) => s.appId === vendorApp.appId);
    assert.equal(sp.appOwnerOrganizationId, h.tenantId);
    assert.deepEqual(sp.grantedApplicationPermissions.sort(), ['Calendars.Read', 'User.Read.All']);
    assert.deepEqual(sp.delegatedGrants, [{ consentType: 'AllPrincipals', principalId: null, scope: 'User.Read' }]);

    const result = await cca().acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT] });
    const claims = await h.verify(
      result!.accessToken,
      'https://graph.microsoft.com',
      `https://sts.windows.net/${customer.id}/`,
    );
    assert.equal(claims.tid, customer.id);
    assert.equal(claims.oid, sp.id);
    assert.deepEqual(claims.roles, ['Calendars.Read', 'User.Read.All']);
  });

  test('the v1-style /adminconsent endpoint works too, and revoking consent removes the roles', async () => {
    const second = await h.control('POST', '/tenants', { displayName: 'Second Customer', users: 3 }, 201);
    const browser = new Browser(h);
    const done = asRedirect(
      await completeSignIn(browser, await browser.open(consentUrl(1, second.id)), {
        ...second.admin,
        consent: 'accept',
      }),
    );
    assert.equal(done.searchParams.get('admin_consent'), 'True');
    assert.equal(done.searchParams.get('tenant'), second.id);

    await h.control('DELETE', `/tenants/${second.id}/consent`, {
      appId: vendorApp.appId,
      application: ['Calendars.Read'],
    });
    const client = h.confidentialClient(vendorApp.appId, { clientSecret: vendorApp.secret!.value }, second.id);
    const result = await client.acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT] });
    const claims = await h.verify(
      result!.accessToken,
      'https://graph.microsoft.com',
      `https://sts.windows.net/${second.id}/`,
    );
    assert.deepEqual(claims.roles, ['User.Read.All']);
  });

  test('a single-tenant app cannot be used on /organizations (50194) nor consented into another tenant', async () => {
    const single = await h.createApp({ displayName: 'Single Tenant', redirectUris: { web: [CALLBACK] }, secret: {} });
    const page = asPage(
      await new Browser(h).open(
        `${h.sandbox.authority}/organizations/oauth2/v2.0/authorize?client_id=${single.appId}&response_type=code&redirect_uri=${encodeURIComponent(CALLBACK)}&scope=User.Read`,
      ),
      'error',
    );
    assert.equal(page.errorCode, 50194);
    await h.control(
      'POST',
      `/tenants/${customer.id}/consent`,
      { appId: single.appId, application: ['User.Read.All'] },
      400,
    );
  });
});
