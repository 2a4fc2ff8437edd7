import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  asPage,
  asRedirect,
  Browser,
  completeSignIn,
  type Harness,
  startHarness,
  type TestApp,
} from '../src/testing/index.js';

/**
 * The connect flow of a multi-tenant app: admin consent first (`.default` on /organizations), then a silent sign-in
 * (`prompt=none`) in the consented tenant on the session the consent left, and an interactive one only if that fails.
 * Also what `.default` admin consent does for `offline_access`.
 */

const CALLBACK = 'https://vendor.example.test/connect/callback';
const GRAPH_DEFAULT = 'https://graph.microsoft.com/.default';

interface Customer {
  id: string;
  admin: { userPrincipalName: string; password: string };
}

describe('admin consent, then a silent sign-in in the consented tenant', () => {
  let h: Harness;

  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  const vendorApp = (delegated: string[]) =>
    h.createApp({
      displayName: 'Connector',
      signInAudience: 'AzureADMultipleOrgs',
      redirectUris: { web: [CALLBACK] },
      requiredPermissions: { application: ['User.Read.All'], delegated },
      secret: {},
    });
  const newCustomer = (): Promise<Customer> => h.control('POST', '/tenants', { users: 3 }, 201);
  const memberOf = async (tenantId: string) =>
    (await h.control('GET', `/tenants/${tenantId}`)).users.find(
      (u: { isAdmin: boolean; accountEnabled: boolean }) => !u.isAdmin && u.accountEnabled,
    );
  const grantsOf = async (tenantId: string, app: TestApp) =>
    (await h.control('GET', `/tenants/${tenantId}`)).servicePrincipals.find(
      (s: { appId: string }) => s.appId === app.appId,
    )?.delegatedGrants;

  const adminConsentUrl = (app: TestApp, scope = GRAPH_DEFAULT) =>
    `${h.authority('organizations')}/v2.0/adminconsent?${new URLSearchParams({
      client_id: app.appId,
      scope,
      redirect_uri: CALLBACK,
      state: 'consent-state',
    })}`;
  const signInUrl = (app: TestApp, tenantId: string, scope: string, prompt?: 'none') =>
    `${h.authority(tenantId)}/oauth2/v2.0/authorize?${new URLSearchParams({
      client_id: app.appId,
      response_type: 'code',
      redirect_uri: CALLBACK,
      scope,
      state: 'sign-in-state',
      ...(prompt ? { prompt } : {}),
    })}`;

  /** The admin consents in a browser, which keeps the session the consent started. */
  async function consentAsAdmin(
    app: TestApp,
    customer: Customer,
    decision: 'accept' | 'cancel' = 'accept',
    scope = GRAPH_DEFAULT,
  ) {
    const browser = new Browser(h);
    const back = asRedirect(
      await completeSignIn(browser, await browser.open(adminConsentUrl(app, scope)), {
        ...customer.admin,
        consent: decision,
      }),
    );
    return { browser, back };
  }

  test('with openid and profile on the registration, prompt=none answers a code at once and adds no grant', async () => {
    const app = await vendorApp(['openid', 'profile', 'User.Read']);
    const customer = await newCustomer();
    const { browser, back } = await consentAsAdmin(app, customer);
    assert.equal(back.searchParams.get('admin_consent'), 'True');
    const grantsAfterConsent = await grantsOf(customer.id, app);
    assert.deepEqual(grantsAfterConsent, [
      { consentType: 'AllPrincipals', principalId: null, scope: 'User.Read openid profile' },
    ]);

    const silent = asRedirect(await browser.open(signInUrl(app, customer.id, 'openid profile', 'none')));
    assert.equal(silent.searchParams.get('error'), null, silent.searchParams.get('error_description') ?? '');
    assert.equal(silent.searchParams.get('state'), 'sign-in-state');
    const cca = h.confidentialClient(app.appId, { clientSecret: app.secret!.value }, customer.id);
    const result = await cca.acquireTokenByCode({
      code: silent.searchParams.get('code')!,
      scopes: ['openid', 'profile'],
      redirectUri: CALLBACK,
    });
    assert.equal(result.account?.username, customer.admin.userPrincipalName);
    assert.equal(result.tenantId, customer.id);
    assert.deepEqual(await grantsOf(customer.id, app), grantsAfterConsent, 'the sign-in created no per-user grant');
  });

  test('without openid and profile on the registration, prompt=none answers consent_required (65001)', async () => {
    const app = await vendorApp([]);
    const customer = await newCustomer();
    const { browser } = await consentAsAdmin(app, customer);
    const silent = asRedirect(await browser.open(signInUrl(app, customer.id, 'openid profile', 'none')));
    assert.equal(silent.searchParams.get('error'), 'consent_required');
    assert.match(silent.searchParams.get('error_description')!, /^AADSTS65001:/);
    assert.equal(silent.searchParams.get('state'), 'sign-in-state');

    // The interactive sign-in that follows skips the password and asks the admin, who may consent for everyone.
    const consent = asPage(await browser.open(signInUrl(app, customer.id, 'openid profile')), 'consent');
    assert.match(consent.html, /data-permission="openid"/);
    assert.match(consent.html, /Consent on behalf of your organization/);
    asRedirect(await browser.submit(consent, { decision: 'accept' }));
    const grants = await grantsOf(customer.id, app);
    assert.deepEqual(
      grants.map((g: { consentType: string; scope: string }) => [g.consentType, g.scope]),
      [['Principal', 'openid profile']],
      'unticked, the admin consented for themselves only',
    );
  });

  test('openid and profile named beside .default are consented too, so the silent sign-in needs no registration entry', async () => {
    const app = await vendorApp(['User.Read']);
    const customer = await newCustomer();
    const { browser, back } = await consentAsAdmin(app, customer, 'accept', `${GRAPH_DEFAULT} openid profile`);
    assert.equal(back.searchParams.get('scope'), `${GRAPH_DEFAULT} openid profile`);
    assert.deepEqual(await grantsOf(customer.id, app), [
      { consentType: 'AllPrincipals', principalId: null, scope: 'User.Read openid profile' },
    ]);
    const silent = asRedirect(await browser.open(signInUrl(app, customer.id, 'openid profile', 'none')));
    assert.ok(silent.searchParams.get('code'), silent.searchParams.get('error_description') ?? '');
  });

  test('prompt=none without a session answers login_required (50058)', async () => {
    const app = await vendorApp(['openid', 'profile']);
    const customer = await newCustomer();
    await consentAsAdmin(app, customer);
    const silent = asRedirect(await new Browser(h).open(signInUrl(app, customer.id, 'openid profile', 'none')));
    assert.equal(silent.searchParams.get('error'), 'login_required');
    assert.match(silent.searchParams.get('error_description')!, /^AADSTS50058:/);
  });

  test('a declined admin consent leaves no grant, and the silent sign-in then answers consent_required', async () => {
    const app = await vendorApp(['openid', 'profile']);
    const customer = await newCustomer();
    const { browser, back } = await consentAsAdmin(app, customer, 'cancel');
    assert.equal(back.searchParams.get('error'), 'access_denied');
    assert.equal(await grantsOf(customer.id, app), undefined, 'no service principal, no grant');
    const silent = asRedirect(await browser.open(signInUrl(app, customer.id, 'openid profile', 'none')));
    assert.equal(silent.searchParams.get('error'), 'consent_required');
  });

  test('Back after the answer: the consent form posted again shows its step again, and a new answer follows', async () => {
    const app = await vendorApp(['openid', 'profile']);
    const customer = await newCustomer();
    const browser = new Browser(h);
    const signIn = asPage(await browser.open(adminConsentUrl(app)), 'signin');
    const consent = asPage(
      await browser.submit(signIn, { login: customer.admin.userPrincipalName, passwd: customer.admin.password }),
      'consent',
    );
    const first = asRedirect(await browser.submit(consent, { decision: 'accept' }));
    assert.equal(first.searchParams.get('admin_consent'), 'True');
    // The browser re-submits the sign-in form that led to the consent page (Back over a POST).
    const again = asPage(
      await browser.submit(signIn, { login: customer.admin.userPrincipalName, passwd: customer.admin.password }),
      'consent',
    );
    const second = asRedirect(await browser.submit(again, { decision: 'accept' }));
    assert.equal(second.searchParams.get('admin_consent'), 'True');
    assert.equal(second.searchParams.get('state'), 'consent-state');
    assert.equal((await grantsOf(customer.id, app)).length, 1, 'consenting twice leaves one grant');
  });

  /** After `.default` admin consent for an app registering `delegated`, a user signs in asking for offline_access. */
  async function userAsksForOfflineAccess(delegated: string[]) {
    const app = await vendorApp(delegated);
    const customer = await newCustomer();
    await consentAsAdmin(app, customer);
    const browser = new Browser(h);
    const scope = 'openid profile offline_access User.Read';
    const result = await completeSignIn(
      browser,
      await browser.open(signInUrl(app, customer.id, scope)),
      await memberOf(customer.id),
    );
    return { app, customer, result };
  }

  test('offline_access on the registration is covered by .default admin consent: no page, and a refresh token', async () => {
    const { app, customer, result } = await userAsksForOfflineAccess([
      'openid',
      'profile',
      'offline_access',
      'User.Read',
    ]);
    const cca = h.confidentialClient(app.appId, { clientSecret: app.secret!.value }, customer.id);
    await cca.acquireTokenByCode({
      code: asRedirect(result).searchParams.get('code')!,
      scopes: ['User.Read'],
      redirectUri: CALLBACK,
    });
    const cache = JSON.parse(cca.getTokenCache().serialize()) as { RefreshToken: Record<string, unknown> };
    assert.equal(Object.keys(cache.RefreshToken).length, 1);
  });

  test('offline_access not on the registration needs consent like any delegated scope, and is asked for alone', async () => {
    const consent = asPage((await userAsksForOfflineAccess(['openid', 'profile', 'User.Read'])).result, 'consent');
    assert.deepEqual(
      [...consent.html.matchAll(/data-permission="([^"]+)"/g)].map((m) => m[1]),
      ['offline_access'],
    );
    assert.doesNotMatch(consent.html, /Consent on behalf of your organization/, 'users are not offered it');
  });
});
