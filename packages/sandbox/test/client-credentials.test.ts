import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeProtectedHeader } from 'jose';
import { type Harness, startHarness } from '../src/testing/index.js';

const GRAPH_DEFAULT = ['https://graph.microsoft.com/.default'];

describe('client credentials with msal-node', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  test('a client secret gets a v1.0 Graph token whose roles are the consented application permissions', async () => {
    const app = await h.createApp({
      displayName: 'Directory Sync',
      requiredPermissions: { application: ['User.Read.All', 'GroupMember.Read.All'] },
      grantAdminConsent: true,
      secret: { expiresInDays: 30 },
    });
    const cca = h.confidentialClient(app.appId, { clientSecret: app.secret!.value });
    const result = await cca.acquireTokenByClientCredential({ scopes: GRAPH_DEFAULT });
    assert.ok(result?.accessToken);
    const issuer = `https://sts.windows.net/${h.tenantId}/`;
    const claims = await h.verify(result.accessToken, 'https://graph.microsoft.com', issuer);
    assert.equal(claims.tid, h.tenantId);
    assert.equal(claims.appid, app.appId);
    assert.equal(claims.idtyp, 'app');
    assert.equal(claims.appidacr, '1');
    assert.equal(claims.ver, '1.0');
    assert.equal(claims.oid, app.servicePrincipalId);
    assert.equal(claims.app_displayname, 'Directory Sync');
    assert.deepEqual(claims.roles, ['GroupMember.Read.All', 'User.Read.All']);
    const lifetime = claims.exp! - Math.floor(Date.now() / 1000);
    assert.ok(lifetime > 3500 && lifetime <= 5400, `lifetime ${lifetime}s is 60-90 minutes`);
    const header = decodeProtectedHeader(result.accessToken);
    assert.equal(header.alg, 'RS256');
    assert.equal(header.kid, header.x5t);

    const again = await cca.acquireTokenByClientCredential({ scopes: GRAPH_DEFAULT });
    assert.equal(again?.fromCache, true, 'the second call is served from MSAL’s cache');
  });

  test('an app without admin consent still gets a token, without a roles claim', async () => {
    const app = await h.createApp({
      displayName: 'Not Consented',
      requiredPermissions: { application: ['Mail.Send'] },
      secret: {},
    });
    const cca = h.confidentialClient(app.appId, { clientSecret: app.secret!.value });
    const result = await cca.acquireTokenByClientCredential({ scopes: GRAPH_DEFAULT });
    const claims = await h.verify(
      result!.accessToken,
      'https://graph.microsoft.com',
      `https://sts.windows.net/${h.tenantId}/`,
    );
    assert.equal(claims.roles, undefined);
  });

  test('the tenant can be named by its domain, and HTTP Basic client authentication works', async () => {
    const app = await h.createApp({ displayName: 'Basic Auth', secret: {} });
    const domain = h.sandbox.tenants[0]!.defaultDomain;
    const res = await h.fetch(`${h.authority(domain)}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${app.appId}:${encodeURIComponent(app.secret!.value)}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: GRAPH_DEFAULT[0]! }).toString(),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store, no-cache');
    const body = (await res.json()) as { token_type: string; expires_in: number; ext_expires_in: number };
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.expires_in, body.ext_expires_in);
  });

  for (const variant of ['x5t#S256 (PS256)', 'x5t (RS256)'] as const) {
    test(`a certificate client assertion with ${variant} is verified against the uploaded certificate`, async () => {
      const app = await h.createApp({
        displayName: `Cert ${variant}`,
        requiredPermissions: { application: ['Calendars.Read'] },
        grantAdminConsent: true,
      });
      const cert = await h.control(
        'POST',
        `/tenants/${h.tenantId}/applications/${app.appId}/certificates`,
        { generate: true },
        201,
      );
      assert.match(cert.thumbprint, /^[0-9A-F]{40}$/);
      const credential =
        variant === 'x5t (RS256)'
          ? { clientCertificate: { thumbprint: cert.thumbprint, privateKey: cert.privateKeyPem } }
          : { clientCertificate: { thumbprintSha256: cert.thumbprintSha256, privateKey: cert.privateKeyPem } };
      const cca = h.confidentialClient(app.appId, credential);
      const result = await cca.acquireTokenByClientCredential({ scopes: GRAPH_DEFAULT });
      const claims = await h.verify(
        result!.accessToken,
        'https://graph.microsoft.com',
        `https://sts.windows.net/${h.tenantId}/`,
      );
      assert.equal(claims.appidacr, '2', 'appidacr 2 marks certificate authentication');
      assert.deepEqual(claims.roles, ['Calendars.Read']);
    });
  }

  test('discovery names the tenant’s endpoints and the keys verify tokens', async () => {
    const res = await h.fetch(`${h.authority()}/v2.0/.well-known/openid-configuration`);
    const doc = (await res.json()) as Record<string, string>;
    assert.equal(doc.issuer, `${h.sandbox.authority}/${h.tenantId}/v2.0`);
    assert.equal(doc.token_endpoint, `${h.sandbox.authority}/${h.tenantId}/oauth2/v2.0/token`);
    assert.equal(doc.jwks_uri, `${h.sandbox.authority}/${h.tenantId}/discovery/v2.0/keys`);
    const common = (await (
      await h.fetch(`${h.authority('common')}/v2.0/.well-known/openid-configuration`)
    ).json()) as Record<string, string>;
    assert.equal(common.issuer, `${h.sandbox.authority}/{tenantid}/v2.0`);
    const keys = (await (await h.fetch(doc.jwks_uri!)).json()) as {
      keys: { kid: string; x5t: string; x5c: string[]; use: string }[];
    };
    assert.equal(keys.keys[0]!.kid, keys.keys[0]!.x5t);
    assert.equal(keys.keys[0]!.use, 'sig');
    assert.equal(keys.keys[0]!.x5c.length, 1);
  });

  test('instance discovery answers for the sandbox host and refuses others', async () => {
    const ok = await h.fetch(
      `${h.sandbox.authority}/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(`${h.authority()}/oauth2/v2.0/authorize`)}`,
    );
    assert.equal(ok.status, 200);
    const body = (await ok.json()) as { tenant_discovery_endpoint: string; metadata: { aliases: string[] }[] };
    assert.equal(body.tenant_discovery_endpoint, `${h.authority()}/v2.0/.well-known/openid-configuration`);
    assert.deepEqual(body.metadata[0]!.aliases, [new URL(h.sandbox.authority).host]);
    const bad = await h.fetch(
      `${h.sandbox.authority}/common/discovery/instance?api-version=1.1&authorization_endpoint=https://login.example.test/x/oauth2/v2.0/authorize`,
    );
    assert.equal(bad.status, 400);
    const err = (await bad.json()) as { error: string; error_codes: number[] };
    assert.equal(err.error, 'invalid_instance');
    assert.deepEqual(err.error_codes, [50049]);
  });
});
