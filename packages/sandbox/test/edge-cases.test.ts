import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CryptoProvider } from '@azure/msal-node';
import { asPage, asRedirect, Browser, completeSignIn, type Harness, startHarness } from '../src/testing/index.js';

const REDIRECT = 'https://app.example.test/cb';
const SPA = 'https://spa.example.test/';

describe('edge cases: redirects, consent integrity, SPA rules, revocation', () => {
  let h: Harness;
  let user: { id: string; userPrincipalName: string; password: string };
  let admin: { userPrincipalName: string; password: string };

  before(async () => {
    h = await startHarness();
    const tenant = await h.control('GET', `/tenants/${h.tenantId}`);
    user = tenant.users.find((u: { isAdmin: boolean; accountEnabled: boolean }) => !u.isAdmin && u.accountEnabled);
    admin = tenant.admin;
  });
  after(() => h.close());

  async function post(path: string, form: Record<string, string>, headers: Record<string, string> = {}) {
    const res = await h.fetch(`${h.sandbox.authority}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString(),
    });
    return {
      status: res.status,
      body: (await res.json()) as {
        error: string;
        error_codes: number[];
        access_token?: string;
        refresh_token?: string;
      },
    };
  }

  /** Signs a user in through /authorize and returns the code (PKCE S256). */
  async function codeFor(
    appId: string,
    redirectUri: string,
    person: { userPrincipalName: string; password: string },
    scope = 'User.Read openid offline_access',
  ) {
    const pkce = await new CryptoProvider().generatePkceCodes();
    const url = `${h.authority()}/oauth2/v2.0/authorize?${new URLSearchParams({
      client_id: appId,
      response_type: 'code',
      redirect_uri: redirectUri,
      scope,
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
    })}`;
    const browser = new Browser(h);
    const callback = asRedirect(
      await completeSignIn(browser, await browser.open(url), { ...person, consent: 'accept' }),
    );
    return { code: callback.searchParams.get('code')!, verifier: pkce.verifier };
  }

  test('sign-out redirects only to a registered URI', async () => {
    await h.createApp({ displayName: 'Logout App', redirectUris: { web: [REDIRECT] } });
    const evil = await h.fetch(
      `${h.authority()}/oauth2/v2.0/logout?post_logout_redirect_uri=${encodeURIComponent('https://evil.example.test/')}`,
      {
        redirect: 'manual',
      },
    );
    assert.equal(evil.status, 200, 'an unregistered URI gets the signed-out page, not a redirect');
    await evil.text();
    const good = await h.fetch(
      `${h.authority()}/oauth2/v2.0/logout?post_logout_redirect_uri=${encodeURIComponent(REDIRECT)}`,
      {
        redirect: 'manual',
      },
    );
    assert.equal(good.status, 302);
    assert.equal(good.headers.get('location'), REDIRECT);
  });

  test('after an error page, posting "accept" to the consent endpoint grants nothing', async () => {
    const app = await h.createApp({
      displayName: 'Disabled Then Poked',
      redirectUris: { web: [REDIRECT] },
      secret: {},
    });
    await h.control('PATCH', `/tenants/${h.tenantId}/applications/${app.appId}`, { accountEnabled: false });
    const url = `${h.authority()}/oauth2/v2.0/authorize?client_id=${app.appId}&response_type=code&redirect_uri=${encodeURIComponent(REDIRECT)}&scope=User.Read`;
    const browser = new Browser(h);
    const signin = asPage(await browser.open(url), 'signin');
    const txn = signin.form!.fields.txn!;
    const error = asPage(
      await browser.submit(signin, { login: user.userPrincipalName, passwd: user.password }),
      'error',
    );
    assert.equal(error.errorCode, 7000112);
    const poke = asPage(await browser.post(`${h.authority()}/consent`, { txn, decision: 'accept' }), 'error');
    assert.equal(poke.status, 400);
    const view = await h.control('GET', `/tenants/${h.tenantId}`);
    const sp = view.servicePrincipals.find((s: { appId: string }) => s.appId === app.appId);
    assert.deepEqual(sp.delegatedGrants, []);
  });

  test('a single-tenant app cannot be admin-consented from /organizations (50194)', async () => {
    const single = await h.createApp({ displayName: 'Home Only', redirectUris: { web: [REDIRECT] } });
    const page = asPage(
      await new Browser(h).open(
        `${h.sandbox.authority}/organizations/v2.0/adminconsent?client_id=${single.appId}&redirect_uri=${encodeURIComponent(REDIRECT)}&scope=${encodeURIComponent('https://graph.microsoft.com/.default')}`,
      ),
      'error',
    );
    assert.equal(page.errorCode, 50194);
  });

  test('admin consent with an unknown scope shows 650053 before sign-in, not a server error', async () => {
    const app = await h.createApp({
      displayName: 'Scope Typo',
      signInAudience: 'AzureADMultipleOrgs',
      redirectUris: { web: [REDIRECT] },
    });
    const page = asPage(
      await new Browser(h).open(
        `${h.authority()}/v2.0/adminconsent?client_id=${app.appId}&redirect_uri=${encodeURIComponent(REDIRECT)}&scope=User.Raed`,
      ),
      'error',
    );
    assert.equal(page.errorCode, 650053);
  });

  test('admin consent naming only delegated scopes grants no application permissions', async () => {
    const app = await h.createApp({
      displayName: 'Delegated Only Consent',
      signInAudience: 'AzureADMultipleOrgs',
      redirectUris: { web: [REDIRECT] },
      requiredPermissions: { application: ['Mail.Send'], delegated: ['Calendars.Read'] },
    });
    const customer = await h.control('POST', '/tenants', { users: 3 }, 201);
    const browser = new Browser(h);
    const url = `${h.authority(customer.id)}/v2.0/adminconsent?client_id=${app.appId}&redirect_uri=${encodeURIComponent(REDIRECT)}&scope=Calendars.Read&state=x`;
    const done = asRedirect(
      await completeSignIn(browser, await browser.open(url), { ...customer.admin, consent: 'accept' }),
    );
    assert.equal(done.searchParams.get('admin_consent'), 'True');
    const view = await h.control('GET', `/tenants/${customer.id}`);
    const sp = view.servicePrincipals.find((s: { appId: string }) => s.appId === app.appId);
    assert.deepEqual(sp.grantedApplicationPermissions, []);
    assert.deepEqual(sp.delegatedGrants, [
      { consentType: 'AllPrincipals', principalId: null, scope: 'Calendars.Read' },
    ]);
  });

  test('prompt=none with consent missing redirects with error=consent_required', async () => {
    const app = await h.createApp({ displayName: 'Silent Consent', redirectUris: { web: [REDIRECT] } });
    const browser = new Browser(h);
    // Establish a session first (consenting to User.Read only).
    await codeFor(app.appId, REDIRECT, user, 'User.Read');
    await completeSignIn(
      browser,
      await browser.open(
        `${h.authority()}/oauth2/v2.0/authorize?client_id=${app.appId}&response_type=code&redirect_uri=${encodeURIComponent(REDIRECT)}&scope=User.Read`,
      ),
      { ...user, consent: 'accept' },
    );
    const silent = asRedirect(
      await browser.open(
        `${h.authority()}/oauth2/v2.0/authorize?client_id=${app.appId}&response_type=code&redirect_uri=${encodeURIComponent(REDIRECT)}&scope=Mail.Read&prompt=none&state=q`,
      ),
    );
    assert.equal(silent.searchParams.get('error'), 'consent_required');
    assert.match(silent.searchParams.get('error_description')!, /^AADSTS65001:/);
    assert.equal(silent.searchParams.get('state'), 'q');
  });

  test('a user may consent to the ordinary scopes beside an admin-only one the admin already granted', async () => {
    const app = await h.createApp({ displayName: 'Mixed Consent', redirectUris: { web: [REDIRECT] }, secret: {} });
    await h.control('POST', `/tenants/${h.tenantId}/consent`, { appId: app.appId, delegated: ['User.Read.All'] });
    const { code } = await codeFor(app.appId, REDIRECT, user, 'User.Read.All Calendars.Read');
    assert.ok(code, 'the user consented to Calendars.Read and got a code');
  });

  test('SPA codes must be redeemed cross-origin with PKCE; other codes must not come from a browser', async () => {
    const app = await h.createApp({
      displayName: 'Single Page',
      redirectUris: { spa: [SPA], web: [REDIRECT] },
      secret: {},
    });
    const spa = await codeFor(app.appId, SPA, user);
    const redeem = (code: string, redirectUri: string, verifier: string, headers: Record<string, string> = {}) =>
      post(
        `/${h.tenantId}/oauth2/v2.0/token`,
        {
          grant_type: 'authorization_code',
          client_id: app.appId,
          code,
          redirect_uri: redirectUri,
          code_verifier: verifier,
        },
        headers,
      );
    const serverSide = await redeem(spa.code, SPA, spa.verifier);
    assert.deepEqual(serverSide.body.error_codes, [9002327]);
    const fromBrowser = await redeem(spa.code, SPA, spa.verifier, { origin: 'https://spa.example.test' });
    assert.equal(fromBrowser.status, 200, 'the SPA redeems its code from the browser without a secret');

    await h.control('POST', '/clock', { advanceSeconds: 86_401 });
    try {
      const refreshed = await post(
        `/${h.tenantId}/oauth2/v2.0/token`,
        { grant_type: 'refresh_token', client_id: app.appId, refresh_token: fromBrowser.body.refresh_token! },
        { origin: 'https://spa.example.test' },
      );
      assert.deepEqual(refreshed.body.error_codes, [700084], 'SPA refresh tokens live 24 hours');
    } finally {
      await h.control('DELETE', '/clock');
    }

    const web = await codeFor(app.appId, REDIRECT, user);
    const webFromBrowser = await redeem(web.code, REDIRECT, web.verifier, { origin: 'https://spa.example.test' });
    assert.deepEqual(webFromBrowser.body.error_codes, [9002326]);
  });

  test('revoking sign-in sessions also voids codes issued before it', async () => {
    const app = await h.createApp({ displayName: 'Revoked Code', redirectUris: { web: [REDIRECT] }, secret: {} });
    const person = await h.control('POST', `/tenants/${h.tenantId}/users`, { displayName: 'Code Revoked' }, 201);
    const { code, verifier } = await codeFor(app.appId, REDIRECT, person);
    await new Promise((r) => setTimeout(r, 5));
    await h.control('POST', `/tenants/${h.tenantId}/users/${person.id}/revokeSignInSessions`);
    const cca = h.confidentialClient(app.appId, { clientSecret: app.secret!.value });
    await assert.rejects(
      cca.acquireTokenByCode({ code, scopes: ['User.Read'], redirectUri: REDIRECT, codeVerifier: verifier }),
      (err: { errorNo: unknown }) => String(err.errorNo) === '50173',
    );
  });

  test('a password change revokes a public client’s refresh tokens, not a confidential client’s', async () => {
    const person = await h.control('POST', `/tenants/${h.tenantId}/users`, { displayName: 'Password Changer' }, 201);
    const publicApp = await h.createApp({
      displayName: 'Public RT',
      allowPublicClient: true,
      requiredPermissions: { delegated: ['User.Read', 'openid', 'profile', 'offline_access'] },
      grantAdminConsent: true,
    });
    const confidential = await h.createApp({
      displayName: 'Confidential RT',
      redirectUris: { web: [REDIRECT] },
      secret: {},
    });
    const pca = h.publicClient(publicApp.appId);
    const fromPublic = await pca.acquireTokenByUsernamePassword({
      scopes: ['User.Read'],
      username: person.userPrincipalName,
      password: person.password,
    });
    const { code, verifier } = await codeFor(confidential.appId, REDIRECT, person);
    const cca = h.confidentialClient(confidential.appId, { clientSecret: confidential.secret!.value });
    const fromConfidential = await cca.acquireTokenByCode({
      code,
      scopes: ['User.Read'],
      redirectUri: REDIRECT,
      codeVerifier: verifier,
    });

    await new Promise((r) => setTimeout(r, 5));
    await h.control('PATCH', `/tenants/${h.tenantId}/users/${person.id}`, { password: 'A-new-password-1!' });
    await assert.rejects(
      pca.acquireTokenSilent({ account: fromPublic!.account!, scopes: ['User.Read'], forceRefresh: true }),
      (err: { errorNo: unknown }) => String(err.errorNo) === '50173',
    );
    const stillWorks = await cca.acquireTokenSilent({
      account: fromConfidential.account!,
      scopes: ['User.Read'],
      forceRefresh: true,
    });
    assert.ok(stillWorks.accessToken);
  });

  test('a device code must be polled on the tenant it was requested on', async () => {
    const app = await h.createApp({ displayName: 'Device Tenant', allowPublicClient: true });
    const start = await post(`/${h.tenantId}/oauth2/v2.0/devicecode`, { client_id: app.appId, scope: 'User.Read' });
    const deviceCode = (start.body as unknown as { device_code: string }).device_code;
    const other = await h.control('POST', '/tenants', { users: 2 }, 201);
    const elsewhere = await post(`/${other.id}/oauth2/v2.0/token`, {
      grant_type: 'device_code',
      client_id: app.appId,
      device_code: deviceCode,
    });
    assert.equal(elsewhere.body.error, 'bad_verification_code');
  });

  test('a malformed Basic header is a client error, not a server error', async () => {
    const res = await post(
      `/${h.tenantId}/oauth2/v2.0/token`,
      { grant_type: 'client_credentials', scope: 'https://graph.microsoft.com/.default' },
      {
        authorization: `Basic ${Buffer.from('%E0%A4%A:%zz').toString('base64')}`,
      },
    );
    assert.equal(res.status, 400);
    assert.deepEqual(res.body.error_codes, [900144]);
  });

  test('an admin still sees the consent page for prompt=consent and can consent for everyone', async () => {
    const app = await h.createApp({ displayName: 'Org Consent', redirectUris: { web: [REDIRECT] } });
    const url = `${h.authority()}/oauth2/v2.0/authorize?client_id=${app.appId}&response_type=code&redirect_uri=${encodeURIComponent(REDIRECT)}&scope=Files.Read.All&prompt=consent`;
    const browser = new Browser(h);
    const consent = asPage(await completeSignIn(browser, await browser.open(url), { ...admin }), 'consent');
    assert.match(consent.html, /Consent on behalf of your organization/);
    asRedirect(await browser.submit(consent, { decision: 'accept', consentForOrganization: 'true' }));
    const view = await h.control('GET', `/tenants/${h.tenantId}`);
    const sp = view.servicePrincipals.find((s: { appId: string }) => s.appId === app.appId);
    assert.ok(
      sp.delegatedGrants.some(
        (g: { consentType: string; scope: string }) =>
          g.consentType === 'AllPrincipals' && g.scope.includes('Files.Read.All'),
      ),
    );
  });
});
