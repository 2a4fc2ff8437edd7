import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { expectAadError, type Harness, startHarness, type TestApp } from '../src/testing/index.js';

const GRAPH_DEFAULT = 'https://graph.microsoft.com/.default';

interface TokenError {
  status: number;
  error: string;
  suberror?: string;
  error_codes: number[];
  error_description: string;
  correlation_id: string;
  trace_id: string;
  timestamp: string;
  error_uri: string;
}

describe('identity platform errors (AADSTS), provoked through control-API scenarios', () => {
  let h: Harness;
  let user: { userPrincipalName: string; password: string };
  let ropcApp: TestApp;

  /** POSTs a raw token request (as any OAuth client would) and returns the error answer. */
  async function tokenError(form: Record<string, string>, tenant?: string): Promise<TokenError> {
    const res = await h.fetch(`${h.authority(tenant)}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'client-request-id': 'corr-1234' },
      body: new URLSearchParams(form).toString(),
    });
    assert.ok(res.status >= 400, `expected an error, got ${res.status}`);
    return { status: res.status, ...((await res.json()) as Omit<TokenError, 'status'>) };
  }

  function assertAadsts(err: TokenError, code: number, status: number, error: string, suberror?: string) {
    assert.deepEqual(err.error_codes, [code], err.error_description);
    assert.equal(err.status, status);
    assert.equal(err.error, error);
    assert.equal(err.suberror, suberror);
    assert.match(err.error_description, new RegExp(`^AADSTS${code}: `));
    assert.match(
      err.error_description,
      /\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: corr-1234\r\nTimestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/,
    );
    assert.equal(err.correlation_id, 'corr-1234');
    assert.match(err.timestamp, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
    assert.equal(err.error_uri, `${h.sandbox.authority}/error?code=${code}`);
  }

  const clientCredentials = (app: TestApp, extra: Record<string, string> = {}) => ({
    grant_type: 'client_credentials',
    client_id: app.appId,
    client_secret: app.secret!.value,
    scope: GRAPH_DEFAULT,
    ...extra,
  });

  const ropc = (username: string, password: string, scope = 'User.Read openid profile offline_access') => ({
    grant_type: 'password',
    client_id: ropcApp.appId,
    username,
    password,
    scope,
  });

  before(async () => {
    h = await startHarness();
    const tenant = await h.control('GET', `/tenants/${h.tenantId}`);
    user = tenant.users.find((u: { isAdmin: boolean; accountEnabled: boolean }) => !u.isAdmin && u.accountEnabled);
    ropcApp = await h.createApp({
      displayName: 'Legacy Client',
      allowPublicClient: true,
      requiredPermissions: { delegated: ['User.Read', 'openid', 'profile', 'offline_access'] },
      grantAdminConsent: true,
    });
  });
  after(() => h.close());

  test('7000215: a wrong secret, and the secret ID sent instead of its value', async () => {
    const app = await h.createApp({ displayName: 'Secret ID Mixup', secret: {} });
    const wrong = await tokenError(clientCredentials(app, { client_secret: 'not-the-secret' }));
    assertAadsts(wrong, 7000215, 401, 'invalid_client');
    const secretId = await tokenError(clientCredentials(app, { client_secret: app.secret!.keyId }));
    assertAadsts(secretId, 7000215, 401, 'invalid_client');
    assert.match(secretId.error_description, /not the client secret ID/);

    const viaMsal = await expectAadError(
      h.confidentialClient(app.appId, { clientSecret: app.secret!.keyId }).acquireTokenByClientCredential({
        scopes: [GRAPH_DEFAULT],
      }),
    );
    assert.equal(viaMsal.errorNo, '7000215');
    assert.equal(viaMsal.status, 401);
    assert.equal(viaMsal.errorCode, 'invalid_client');
  });

  test('7000222: an expired secret', async () => {
    const app = await h.createApp({ displayName: 'Expired Secret', secret: { expiresInDays: -1 } });
    assertAadsts(await tokenError(clientCredentials(app)), 7000222, 401, 'invalid_client');
    const viaMsal = await expectAadError(
      h.confidentialClient(app.appId, { clientSecret: app.secret!.value }).acquireTokenByClientCredential({
        scopes: [GRAPH_DEFAULT],
      }),
    );
    assert.equal(viaMsal.errorNo, '7000222');
  });

  test('700016: an application that is not in the directory', async () => {
    const missing = {
      appId: randomUUID(),
      objectId: '',
      servicePrincipalId: '',
      secret: { keyId: '', value: 'x', endDateTime: '' },
    };
    const err = await tokenError(clientCredentials(missing));
    assertAadsts(err, 700016, 400, 'unauthorized_client');
    assert.match(
      err.error_description,
      new RegExp(`'${missing.appId}' was not found in the directory '${h.tenantId}'`),
    );
  });

  test('90002 and 900023: unknown and malformed tenant identifiers', async () => {
    const app = await h.createApp({ displayName: 'Tenant Typos', secret: {} });
    assertAadsts(await tokenError(clientCredentials(app), randomUUID()), 90002, 400, 'invalid_tenant');
    assertAadsts(
      await tokenError(clientCredentials(app), 'nosuchtenant.onmicrosoft.com'),
      90002,
      400,
      'invalid_tenant',
    );
    assertAadsts(await tokenError(clientCredentials(app), 'undefined'), 900023, 400, 'invalid_request');
    const discovery = await h.fetch(`${h.authority('not-a-tenant')}/v2.0/.well-known/openid-configuration`);
    assert.equal(discovery.status, 400);
  });

  test('1002012, 70011 and 500011: scopes a client-credentials request cannot use', async () => {
    const app = await h.createApp({ displayName: 'Scope Mistakes', secret: {} });
    const noDefault = await tokenError(clientCredentials(app, { scope: 'https://graph.microsoft.com/User.Read.All' }));
    assertAadsts(noDefault, 1002012, 400, 'invalid_scope');
    assert.match(noDefault.error_description, /must have a scope value with \/\.default suffixed/);
    assertAadsts(
      await tokenError(clientCredentials(app, { scope: `${GRAPH_DEFAULT} openid` })),
      70011,
      400,
      'invalid_scope',
    );
    assertAadsts(
      await tokenError(clientCredentials(app, { scope: 'https://unknown.example.test/.default' })),
      500011,
      400,
      'invalid_resource',
    );
    const viaMsal = await expectAadError(
      h.confidentialClient(app.appId, { clientSecret: app.secret!.value }).acquireTokenByClientCredential({
        scopes: ['https://graph.microsoft.com/User.Read.All'],
      }),
    );
    assert.equal(viaMsal.errorNo, '1002012');
  });

  test('7000112: a disabled application', async () => {
    const app = await h.createApp({ displayName: 'Switched Off', secret: {} });
    await h.control('PATCH', `/tenants/${h.tenantId}/applications/${app.appId}`, { accountEnabled: false });
    const err = await tokenError(clientCredentials(app));
    assertAadsts(err, 7000112, 400, 'unauthorized_client');
    assert.match(err.error_description, /\(Switched Off\) is disabled\./);
  });

  test('65001: a delegated token for a permission nobody consented to', async () => {
    assertAadsts(
      await tokenError(ropc(user.userPrincipalName, user.password, 'Mail.Read openid')),
      65001,
      400,
      'invalid_grant',
      'consent_required',
    );
    const viaMsal = await expectAadError(
      h.publicClient(ropcApp.appId).acquireTokenByUsernamePassword({
        scopes: ['Mail.Read'],
        username: user.userPrincipalName,
        password: user.password,
      }),
    );
    assert.equal(viaMsal.errorNo, '65001');
    assert.equal(viaMsal.subError, 'consent_required');
  });

  test('50126, 50076 and 53003: bad password, MFA required, Conditional Access block', async () => {
    assertAadsts(await tokenError(ropc(user.userPrincipalName, 'wrong-password')), 50126, 400, 'invalid_grant');
    const mfa = await h.control(
      'POST',
      `/tenants/${h.tenantId}/users`,
      { displayName: 'Needs Mfa', mfaRequired: true },
      201,
    );
    assertAadsts(
      await tokenError(ropc(mfa.userPrincipalName, mfa.password)),
      50076,
      400,
      'invalid_grant',
      'basic_action',
    );
    const blocked = await h.control(
      'POST',
      `/tenants/${h.tenantId}/users`,
      { displayName: 'Blocked Person', conditionalAccessBlocked: true },
      201,
    );
    assertAadsts(
      await tokenError(ropc(blocked.userPrincipalName, blocked.password)),
      53003,
      400,
      'interaction_required',
      'message_only',
    );
    const viaMsal = await expectAadError(
      h.publicClient(ropcApp.appId).acquireTokenByUsernamePassword({
        scopes: ['User.Read'],
        username: user.userPrincipalName,
        password: 'wrong-password',
      }),
    );
    assert.equal(viaMsal.errorNo, '50126');
  });

  test('700082 and 50173: refresh tokens expired by inactivity or revoked with the user’s sessions', async () => {
    const person = await h.control('POST', `/tenants/${h.tenantId}/users`, { displayName: 'Refresh Person' }, 201);
    const pca = h.publicClient(ropcApp.appId);
    const first = await pca.acquireTokenByUsernamePassword({
      scopes: ['User.Read'],
      username: person.userPrincipalName,
      password: person.password,
    });
    const cache = JSON.parse(pca.getTokenCache().serialize()) as { RefreshToken: Record<string, { secret: string }> };
    const refreshToken = Object.values(cache.RefreshToken)[0]!.secret;
    const refresh = {
      grant_type: 'refresh_token',
      client_id: ropcApp.appId,
      refresh_token: refreshToken,
      scope: 'User.Read offline_access',
    };

    await h.control('POST', '/clock', { advanceSeconds: 91 * 86_400 });
    try {
      const inactive = await tokenError(refresh);
      assertAadsts(inactive, 700082, 400, 'invalid_grant', 'bad_token');
      assert.match(inactive.error_description, /was inactive for 90\.00:00:00\./);
      const viaMsal = await expectAadError(
        pca.acquireTokenSilent({ account: first!.account!, scopes: ['User.Read'], forceRefresh: true }),
      );
      assert.equal(viaMsal.errorNo, '700082');
    } finally {
      await h.control('DELETE', '/clock');
    }

    await h.control('POST', `/tenants/${h.tenantId}/users/${person.id}/revokeSignInSessions`);
    assertAadsts(await tokenError(refresh), 50173, 400, 'invalid_grant');
  });

  test('a refresh token stops working once the user is blocked or must do MFA', async () => {
    const person = await h.control('POST', `/tenants/${h.tenantId}/users`, { displayName: 'Later Blocked' }, 201);
    const pca = h.publicClient(ropcApp.appId);
    const first = await pca.acquireTokenByUsernamePassword({
      scopes: ['User.Read'],
      username: person.userPrincipalName,
      password: person.password,
    });
    await h.control('PATCH', `/tenants/${h.tenantId}/users/${person.id}`, { mfaRequired: true });
    const mfa = await expectAadError(
      pca.acquireTokenSilent({ account: first!.account!, scopes: ['User.Read'], forceRefresh: true }),
    );
    assert.equal(mfa.errorNo, '50076');
    await h.control('PATCH', `/tenants/${h.tenantId}/users/${person.id}`, {
      mfaRequired: false,
      accountEnabled: false,
    });
    const disabled = await expectAadError(
      pca.acquireTokenSilent({ account: first!.account!, scopes: ['User.Read'], forceRefresh: true }),
    );
    assert.equal(disabled.errorNo, '50057');
  });

  test('9001023, 900144 and 70003: grant on /common, missing parameters, unknown grant types', async () => {
    const app = await h.createApp({ displayName: 'Request Shape', secret: {} });
    assertAadsts(await tokenError(clientCredentials(app), 'common'), 9001023, 400, 'invalid_request');
    assertAadsts(await tokenError({ client_id: app.appId }), 900144, 400, 'invalid_request');
    assertAadsts(await tokenError({ grant_type: 'magic', client_id: app.appId }), 70003, 400, 'unsupported_grant_type');
    const getToken = await h.fetch(`${h.authority()}/oauth2/v2.0/token`);
    assert.equal(getToken.status, 400);
    assert.deepEqual(((await getToken.json()) as TokenError).error_codes, [900561]);
  });

  test('7000216 and 7000218: confidential clients must prove themselves', async () => {
    const app = await h.createApp({ displayName: 'No Credential', secret: {} });
    assertAadsts(
      await tokenError({ grant_type: 'client_credentials', client_id: app.appId, scope: GRAPH_DEFAULT }),
      7000216,
      401,
      'invalid_client',
    );
    // Device code on an app without "Allow public client flows": the poll needs a credential.
    const start = await h.fetch(`${h.authority()}/oauth2/v2.0/devicecode`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: app.appId, scope: 'User.Read' }).toString(),
    });
    const { device_code } = (await start.json()) as { device_code: string };
    assertAadsts(
      await tokenError({
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        client_id: app.appId,
        device_code,
      }),
      7000218,
      401,
      'invalid_client',
    );
  });

  test('client assertions: unknown certificate (700027), wrong subject (50048), stale (700024)', async () => {
    const app = await h.createApp({ displayName: 'Assertion Checks' });
    const other = await h.createApp({ displayName: 'Other Cert Holder' });
    const foreign = await h.control(
      'POST',
      `/tenants/${h.tenantId}/applications/${other.appId}/certificates`,
      { generate: true },
      201,
    );
    const unknownKey = await expectAadError(
      h
        .confidentialClient(app.appId, {
          clientCertificate: { thumbprintSha256: foreign.thumbprintSha256, privateKey: foreign.privateKeyPem },
        })
        .acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT] }),
    );
    assert.equal(unknownKey.errorNo, '700027');
    assert.match(unknownKey.errorMessage, /The key was not found/);

    const { SignJWT, importPKCS8 } = await import('jose');
    const own = await h.control(
      'POST',
      `/tenants/${h.tenantId}/applications/${app.appId}/certificates`,
      { generate: true },
      201,
    );
    const key = await importPKCS8(own.privateKeyPem, 'PS256');
    const x5tS256 = Buffer.from(own.thumbprintSha256, 'hex').toString('base64url');
    const assertion = (claims: Record<string, unknown>, iat: number) =>
      new SignJWT({ jti: randomUUID(), ...claims })
        .setProtectedHeader({ alg: 'PS256', typ: 'JWT', 'x5t#S256': x5tS256 })
        .setIssuedAt(iat)
        .setNotBefore(iat)
        .setExpirationTime(iat + 600)
        .sign(key);
    const aud = `${h.authority()}/oauth2/v2.0/token`;
    const now = Math.floor(Date.now() / 1000);
    const form = (clientAssertion: string) => ({
      grant_type: 'client_credentials',
      client_id: app.appId,
      scope: GRAPH_DEFAULT,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: clientAssertion,
    });
    const subject = await tokenError(form(await assertion({ iss: app.appId, sub: 'someone-else', aud }, now)));
    assertAadsts(subject, 50048, 401, 'invalid_client');
    const stale = await tokenError(form(await assertion({ iss: app.appId, sub: app.appId, aud }, now - 7200)));
    assertAadsts(stale, 700024, 400, 'invalid_client');
    assert.match(stale.error_description, /Client assertion is not within its valid time range/);
  });
});
