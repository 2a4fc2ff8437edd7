import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CryptoProvider } from '@azure/msal-node';
import {
  asPage,
  asRedirect,
  Browser,
  completeSignIn,
  expectAadError,
  type Harness,
  startHarness,
} from '../src/testing/index.js';

const REDIRECT = 'https://app.example.test/auth/callback';

describe('delegated flows with msal-node', () => {
  let h: Harness;
  let user: { userPrincipalName: string; password: string; id: string };
  let admin: { userPrincipalName: string; password: string };

  before(async () => {
    h = await startHarness();
    const tenant = await h.control('GET', `/tenants/${h.tenantId}`);
    user = tenant.users.find((u: { isAdmin: boolean; accountEnabled: boolean }) => !u.isAdmin && u.accountEnabled);
    admin = tenant.admin;
  });
  after(() => h.close());

  async function authCode(appId: string, secret: string, scopes: string[], extra: Record<string, string> = {}) {
    const cca = h.confidentialClient(appId, { clientSecret: secret });
    const pkce = await new CryptoProvider().generatePkceCodes();
    const url = await cca.getAuthCodeUrl({
      scopes,
      redirectUri: REDIRECT,
      codeChallenge: pkce.challenge,
      codeChallengeMethod: 'S256',
      state: 'state-123',
      ...extra,
    });
    return { cca, pkce, url };
  }

  test('auth code with PKCE: sign-in page, user consent, code, tokens, then refresh', async () => {
    const app = await h.createApp({
      displayName: 'Calendar Connector',
      redirectUris: { web: [REDIRECT] },
      requiredPermissions: { delegated: ['User.Read', 'Calendars.Read'] },
      secret: {},
    });
    const scopes = ['User.Read', 'Calendars.Read', 'offline_access'];
    const { cca, pkce, url } = await authCode(app.appId, app.secret!.value, scopes);
    const browser = new Browser(h);
    const signin = asPage(await browser.open(url), 'signin');
    const consent = asPage(await completeSignIn(browser, signin, { ...user }), 'consent');
    assert.match(consent.html, /data-permission="Calendars.Read"/);
    const callback = asRedirect(await browser.submit(consent, { decision: 'accept' }));
    assert.equal(callback.origin + callback.pathname, REDIRECT);
    assert.equal(callback.searchParams.get('state'), 'state-123');
    const code = callback.searchParams.get('code')!;
    assert.ok(code);

    const result = await cca.acquireTokenByCode({ code, scopes, redirectUri: REDIRECT, codeVerifier: pkce.verifier });
    const claims = await h.verify(
      result.accessToken,
      '00000003-0000-0000-c000-000000000000',
      `https://sts.windows.net/${h.tenantId}/`,
    );
    assert.equal(claims.oid, user.id);
    assert.equal(claims.upn, user.userPrincipalName);
    assert.equal(claims.idtyp, 'user');
    assert.deepEqual(String(claims.scp).split(' ').sort(), ['Calendars.Read', 'User.Read', 'openid', 'profile'].sort());
    assert.equal(result.account?.username, user.userPrincipalName);
    assert.equal(result.account?.homeAccountId, `${user.id}.${h.tenantId}`, 'client_info gives MSAL the home account');
    const idClaims = await h.verify(result.idToken, app.appId, `${h.sandbox.authority}/${h.tenantId}/v2.0`);
    assert.equal(idClaims.preferred_username, user.userPrincipalName);

    // A second sign-in in the same browser skips the password (session cookie) and consent (already granted).
    const second = await authCode(app.appId, app.secret!.value, scopes);
    const again = asRedirect(await browser.open(second.url));
    assert.ok(again.searchParams.get('code'));

    // Reusing a code fails.
    const reuse = await expectAadError(
      cca.acquireTokenByCode({ code, scopes, redirectUri: REDIRECT, codeVerifier: pkce.verifier }),
    );
    assert.equal(reuse.errorNo, '54005');

    // Refresh through MSAL's cache: a new access token and a new (rotated) refresh token.
    const refreshed = await cca.acquireTokenSilent({
      account: result.account!,
      scopes: ['User.Read'],
      forceRefresh: true,
    });
    assert.notEqual(refreshed.accessToken, result.accessToken);
    const cache = JSON.parse(cca.getTokenCache().serialize()) as { RefreshToken: Record<string, { secret: string }> };
    const refreshTokens = Object.values(cache.RefreshToken).map((r) => r.secret);
    assert.equal(refreshTokens.length, 1);
    const rotated = refreshTokens[0]!;
    const byRefresh = await cca.acquireTokenByRefreshToken({ refreshToken: rotated, scopes: ['Calendars.Read'] });
    assert.ok(byRefresh?.accessToken);
  });

  test('a wrong PKCE verifier is refused with AADSTS501481', async () => {
    const app = await h.createApp({ displayName: 'PKCE', redirectUris: { web: [REDIRECT] }, secret: {} });
    const { cca, url } = await authCode(app.appId, app.secret!.value, ['User.Read']);
    const browser = new Browser(h);
    const callback = asRedirect(await completeSignIn(browser, await browser.open(url), { ...user, consent: 'accept' }));
    const err = await expectAadError(
      cca.acquireTokenByCode({
        code: callback.searchParams.get('code')!,
        scopes: ['User.Read'],
        redirectUri: REDIRECT,
        codeVerifier: 'a'.repeat(43),
      }),
    );
    assert.equal(err.errorNo, '501481');
    assert.equal(err.errorCode, 'invalid_grant');
  });

  test('declining consent redirects with access_denied and AADSTS65004', async () => {
    const app = await h.createApp({ displayName: 'Declined', redirectUris: { web: [REDIRECT] }, secret: {} });
    const { url } = await authCode(app.appId, app.secret!.value, ['Mail.Read']);
    const browser = new Browser(h);
    const callback = asRedirect(await completeSignIn(browser, await browser.open(url), { ...user, consent: 'cancel' }));
    assert.equal(callback.searchParams.get('error'), 'access_denied');
    assert.match(callback.searchParams.get('error_description')!, /^AADSTS65004: User declined to consent/);
    assert.equal(callback.searchParams.get('state'), 'state-123');
  });

  test('admin-only scopes show "Need admin approval" to users; an admin can consent for the organisation', async () => {
    const app = await h.createApp({ displayName: 'Needs Admin', redirectUris: { web: [REDIRECT] }, secret: {} });
    const scopes = ['User.Read.All'];
    const { url } = await authCode(app.appId, app.secret!.value, scopes);
    const userBrowser = new Browser(h);
    const approval = asPage(
      await completeSignIn(userBrowser, await userBrowser.open(url), { ...user }),
      'admin-approval',
    );
    assert.equal(approval.errorCode, 90094);
    const back = asRedirect(await userBrowser.submit(approval));
    assert.equal(back.searchParams.get('error'), 'access_denied');
    assert.equal(back.searchParams.get('error_subcode'), 'cancel');

    const adminBrowser = new Browser(h);
    const second = await authCode(app.appId, app.secret!.value, scopes);
    const code = asRedirect(
      await completeSignIn(adminBrowser, await adminBrowser.open(second.url), {
        ...admin,
        consent: 'accept-for-organization',
      }),
    );
    assert.ok(code.searchParams.get('code'));
    // Now the user needs no consent at all.
    const third = await authCode(app.appId, app.secret!.value, scopes);
    const fresh = new Browser(h);
    assert.ok(
      asRedirect(await completeSignIn(fresh, await fresh.open(third.url), { ...user })).searchParams.get('code'),
    );
  });

  test('prompt=none without a session redirects with login_required', async () => {
    const app = await h.createApp({ displayName: 'Silent', redirectUris: { web: [REDIRECT] }, secret: {} });
    const { url } = await authCode(app.appId, app.secret!.value, ['User.Read'], { prompt: 'none' });
    const callback = asRedirect(await new Browser(h).open(url));
    assert.equal(callback.searchParams.get('error'), 'login_required');
    assert.match(callback.searchParams.get('error_description')!, /^AADSTS50058:/);
  });

  test('an unregistered redirect URI shows AADSTS50011 and never redirects', async () => {
    const app = await h.createApp({ displayName: 'Redirects', redirectUris: { web: [REDIRECT] }, secret: {} });
    const cca = h.confidentialClient(app.appId, { clientSecret: app.secret!.value });
    const url = await cca.getAuthCodeUrl({ scopes: ['User.Read'], redirectUri: `${REDIRECT}/other` });
    const page = asPage(await new Browser(h).open(url), 'error');
    assert.equal(page.errorCode, 50011);
    assert.equal(page.status, 400);
  });

  test('MFA-required users approve a second factor and their tokens say so', async () => {
    const mfaUser = await h.control(
      'POST',
      `/tenants/${h.tenantId}/users`,
      { displayName: 'Mfa Person', mfaRequired: true },
      201,
    );
    const app = await h.createApp({
      displayName: 'MFA App',
      redirectUris: { web: [REDIRECT] },
      requiredPermissions: { delegated: ['User.Read', 'openid', 'profile', 'offline_access'] },
      grantAdminConsent: true,
      secret: {},
    });
    const { cca, pkce, url } = await authCode(app.appId, app.secret!.value, ['User.Read']);
    const browser = new Browser(h);
    const mfa = asPage(
      await browser.submit(asPage(await browser.open(url), 'signin'), {
        login: mfaUser.userPrincipalName,
        passwd: mfaUser.password,
      }),
      'mfa',
    );
    const callback = asRedirect(await browser.submit(mfa, { decision: 'approve' }));
    const result = await cca.acquireTokenByCode({
      code: callback.searchParams.get('code')!,
      scopes: ['User.Read'],
      redirectUri: REDIRECT,
      codeVerifier: pkce.verifier,
    });
    const claims = await h.verify(
      result.accessToken,
      '00000003-0000-0000-c000-000000000000',
      `https://sts.windows.net/${h.tenantId}/`,
    );
    assert.deepEqual(claims.amr, ['pwd', 'mfa']);
  });

  test('device code with a public client: the user enters the code, signs in and consents', async () => {
    const app = await h.createApp({
      displayName: 'Headless Setup',
      allowPublicClient: true,
      redirectUris: { publicClient: ['https://login.microsoftonline.com/common/oauth2/nativeclient'] },
    });
    const pca = h.publicClient(app.appId);
    let browsing: Promise<unknown> | undefined;
    const result = await pca.acquireTokenByDeviceCode({
      scopes: ['User.Read', 'Presence.Read'],
      deviceCodeCallback: (response) => {
        assert.equal(response.verificationUri, `${h.sandbox.authority}/devicelogin`);
        assert.match(response.userCode, /^[A-Z0-9]{9}$/);
        assert.match(response.message, new RegExp(`enter the code ${response.userCode} to authenticate`));
        browsing = (async () => {
          // Let MSAL poll at least once while authorization is pending.
          await new Promise((r) => setTimeout(r, 1200));
          const browser = new Browser(h);
          const entry = asPage(await browser.open(response.verificationUri), 'device-code');
          const done = await completeSignIn(
            browser,
            await browser.post(entry.form!.action, { otc: response.userCode }),
            {
              ...user,
              consent: 'accept',
            },
          );
          assert.equal(asPage(done).step, 'device-done');
        })();
      },
    });
    await browsing;
    assert.equal(result?.account?.username, user.userPrincipalName);
    const claims = await h.verify(
      result!.accessToken,
      '00000003-0000-0000-c000-000000000000',
      `https://sts.windows.net/${h.tenantId}/`,
    );
    assert.equal(claims.appidacr, '0');
    assert.match(String(claims.scp), /Presence\.Read/);
  });

  test('device code: a declined sign-in ends polling with authorization_declined; an old code with expired_token', async () => {
    const app = await h.createApp({ displayName: 'Declining Device', allowPublicClient: true });
    const pca = h.publicClient(app.appId);
    const declined = await expectAadError(
      pca.acquireTokenByDeviceCode({
        scopes: ['User.Read'],
        deviceCodeCallback: (response) => {
          void (async () => {
            const browser = new Browser(h);
            const confirm = asPage(
              await browser.post(`${h.sandbox.authority}/common/oauth2/deviceauth`, { otc: response.userCode }),
              'device-confirm',
            );
            asPage(await browser.submit(confirm, { decision: 'cancel' }), 'device-declined');
          })();
        },
      }),
    );
    // msal-node stops polling on any error but authorization_pending and reports the server's error in its message.
    assert.equal(declined.errorCode, 'post_request_failed');
    assert.match(declined.errorMessage, /authorization_declined/);

    // Raw polling: pending first, then expired once the sandbox clock passes expires_in.
    const start = await h.fetch(`${h.authority()}/oauth2/v2.0/devicecode`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: app.appId, scope: 'User.Read' }).toString(),
    });
    const device = (await start.json()) as { device_code: string; expires_in: number; interval: number };
    assert.equal(device.expires_in, 900);
    const poll = async () => {
      const res = await h.fetch(`${h.authority()}/oauth2/v2.0/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
          client_id: app.appId,
          device_code: device.device_code,
        }).toString(),
      });
      return { status: res.status, body: (await res.json()) as { error: string; error_codes: number[] } };
    };
    const pending = await poll();
    assert.equal(pending.status, 400);
    assert.equal(pending.body.error, 'authorization_pending');
    assert.deepEqual(pending.body.error_codes, [70016]);
    assert.equal((await poll()).body.error, 'slow_down', 'polling again at once is too fast');
    await h.control('POST', '/clock', { advanceSeconds: 901 });
    try {
      const expired = await poll();
      assert.equal(expired.body.error, 'expired_token');
      assert.deepEqual(expired.body.error_codes, [70020]);
    } finally {
      await h.control('DELETE', '/clock');
    }
  });
});
