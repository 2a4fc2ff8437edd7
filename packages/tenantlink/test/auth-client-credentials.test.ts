import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { decodeAccessTokenClaims, describeAccessToken } from '../src/auth/claims.js';
import {
  ClientCredentialProvider,
  type ClientCredentialProviderOptions,
} from '../src/auth/client-credential-provider.js';
import { memoryTokenCacheStore } from '../src/auth/token-cache-plugin.js';
import { TenantlinkError } from '../src/errors.js';
import { type AuthSandbox, startAuthSandbox, tokenRequestCounter } from './helpers/auth-sandbox.js';

describe('ClientCredentialProvider against the sandbox', () => {
  let s: AuthSandbox;
  let app: { appId: string; secret: { keyId: string; value: string } };

  const provider = (overrides: Partial<ClientCredentialProviderOptions> = {}) =>
    new ClientCredentialProvider({
      cloud: s.cloud,
      tenant: s.tenantId,
      clientId: app.appId,
      credential: { clientSecret: app.secret.value },
      ...overrides,
    });

  /** Runs a token request that must fail and returns the TenantlinkError. */
  async function failure(p: ClientCredentialProvider): Promise<TenantlinkError> {
    try {
      await p.getToken();
    } catch (err) {
      assert.ok(err instanceof TenantlinkError, `expected a TenantlinkError, got ${err}`);
      return err;
    }
    throw new Error('expected the token request to fail');
  }

  before(async () => {
    s = await startAuthSandbox();
    app = await s.createApp({
      displayName: 'Auth Secret App',
      requiredPermissions: { application: ['User.Read.All', 'Group.Read.All'] },
      grantAdminConsent: true,
      secret: {},
    });
  });
  after(() => s.close());

  test('a secret gets an app-only Graph token carrying the granted roles', async () => {
    const { token, expiresOn } = await provider().getToken();
    const claims = decodeAccessTokenClaims(token);
    assert.equal(claims.aud, 'https://graph.microsoft.com');
    assert.equal(claims.tid, s.tenantId);
    assert.equal(claims.appid, app.appId);
    assert.equal(claims['appidacr'], '1');
    assert.deepEqual(describeAccessToken(token).permissions, ['Group.Read.All', 'User.Read.All']);
    assert.equal(describeAccessToken(token).kind, 'app-only');
    assert.ok(expiresOn.getTime() > Date.now() + 30 * 60_000);
  });

  test('a certificate (PEM key + certificate) gets a token; both thumbprints match the portal', async () => {
    const certApp = await s.createApp({
      displayName: 'Auth Cert App',
      requiredPermissions: { application: ['User.Read.All'] },
      grantAdminConsent: true,
    });
    const cert = await s.control('POST', `/tenants/${s.tenantId}/applications/${certApp.appId}/certificates`, {
      generate: true,
    });
    const p = new ClientCredentialProvider({
      cloud: s.cloud,
      tenant: s.tenantId,
      clientId: certApp.appId,
      credential: { certificate: { certificatePem: cert.certificatePem, privateKeyPem: cert.privateKeyPem } },
    });
    assert.equal(p.certificateThumbprint, String(cert.thumbprint).toUpperCase());
    const claims = decodeAccessTokenClaims((await p.getToken()).token);
    assert.equal(claims['appidacr'], '2', 'a certificate-authenticated token');
    assert.deepEqual(claims.roles, ['User.Read.All']);

    // One PEM holding key and certificate (what many tools export) works too.
    const combined = new ClientCredentialProvider({
      cloud: s.cloud,
      tenant: s.tenantId,
      clientId: certApp.appId,
      credential: { certificate: { certificatePem: `${cert.privateKeyPem}\n${cert.certificatePem}` } },
    });
    assert.equal(decodeAccessTokenClaims((await combined.getToken()).token).appid, certApp.appId);
  });

  test('the second call is served from cache; forceRefresh goes to the network', async () => {
    const counter = tokenRequestCounter();
    const p = provider({ onExchange: counter.onExchange });
    const first = await p.getToken();
    const second = await p.getToken();
    assert.equal(second.token, first.token);
    assert.equal(counter.tokenRequests, 1);
    const forced = await p.getToken({ forceRefresh: true });
    assert.notEqual(forced.token, first.token);
    assert.equal(counter.tokenRequests, 2);
  });

  test('10 concurrent getToken calls share one token request', async () => {
    const counter = tokenRequestCounter();
    const p = provider({ onExchange: counter.onExchange });
    const tokens = await Promise.all(Array.from({ length: 10 }, () => p.getToken()));
    assert.equal(new Set(tokens.map((t) => t.token)).size, 1);
    assert.equal(counter.tokenRequests, 1);
    // Concurrent forced refreshes also coalesce.
    await Promise.all(Array.from({ length: 10 }, () => p.getToken({ forceRefresh: true })));
    assert.equal(counter.tokenRequests, 2);
  });

  test('a token within the refresh window is replaced before it is handed out', async () => {
    await s.control('PATCH', '/settings', { accessTokenLifetimeSeconds: 900 });
    try {
      const counter = tokenRequestCounter();
      let now = Date.now();
      const p = provider({ onExchange: counter.onExchange, now: () => now, refreshWindowMs: 5 * 60_000 });
      const first = await p.getToken();
      const lifetime = first.expiresOn.getTime() - now;
      assert.ok(lifetime > 800_000 && lifetime <= 901_000, `lifetime ${lifetime} ms follows the sandbox setting`);

      now += 9 * 60_000; // 6 minutes left: outside the window
      assert.equal((await p.getToken()).token, first.token);
      assert.equal(counter.tokenRequests, 1);

      now += 2 * 60_000; // 4 minutes left: inside the window, still valid
      const refreshed = await p.getToken();
      assert.notEqual(refreshed.token, first.token, 'refreshed although MSAL still had it cached');
      assert.equal(counter.tokenRequests, 2);
    } finally {
      await s.control('PATCH', '/settings', { accessTokenLifetimeSeconds: 3600 });
    }
  });

  test('a token issued with less life than the window is refreshed at once (window configurable)', async () => {
    await s.control('PATCH', '/settings', { accessTokenLifetimeSeconds: 300 });
    try {
      const counter = tokenRequestCounter();
      const p = provider({ onExchange: counter.onExchange, refreshWindowMs: 60_000 });
      const first = await p.getToken();
      assert.ok(first.expiresOn.getTime() - Date.now() <= 301_000);
      assert.equal((await p.getToken()).token, first.token, '5 minutes left is outside a 1-minute window');
      assert.equal(counter.tokenRequests, 1);
      const eager = provider({ onExchange: counter.onExchange, refreshWindowMs: 10 * 60_000 });
      await eager.getToken();
      await eager.getToken();
      // Each call finds a token with less than 10 minutes left and fetches a new one (the sandbox only issues 5).
      assert.equal(counter.tokenRequests, 3);
    } finally {
      await s.control('PATCH', '/settings', { accessTokenLifetimeSeconds: 3600 });
    }
  });

  test('the token cache persists through the store: a second provider needs no token request', async () => {
    const store = memoryTokenCacheStore();
    const counter = tokenRequestCounter();
    const first = await provider({ cacheStore: store, onExchange: counter.onExchange }).getToken();
    assert.equal(counter.tokenRequests, 1);
    assert.ok(store.value?.includes('AccessToken'));
    const again = await provider({ cacheStore: store, onExchange: counter.onExchange }).getToken();
    assert.equal(again.token, first.token);
    assert.equal(counter.tokenRequests, 1, 'served from the persisted cache');
    // A different store knows nothing of it.
    await provider({ cacheStore: memoryTokenCacheStore(), onExchange: counter.onExchange }).getToken();
    assert.equal(counter.tokenRequests, 2);
  });

  test('a wrong secret: SECRET_INVALID with AADSTS7000215, the trace ID and no secret', async () => {
    const err = await failure(provider({ credential: { clientSecret: 'Wr0ng~secret-value-of-some-length' } }));
    assert.equal(err.code, 'SECRET_INVALID');
    assert.equal(err.microsoftCode, 'AADSTS7000215');
    assert.equal(err.status, 401);
    assert.match(err.requestId ?? '', /^[0-9a-f-]{36}$/);
    assert.match(err.microsoftMessage ?? '', /^AADSTS7000215: Invalid client secret provided/);
    assert.match(err.diagnosis?.fix ?? '', /Certificates & secrets/);
    assert.doesNotMatch(JSON.stringify(err.toJSON()), /Wr0ng~secret/);
  });

  test('the Secret ID pasted instead of the Value: SECRET_IS_SECRET_ID', async () => {
    const err = await failure(provider({ credential: { clientSecret: app.secret.keyId } }));
    assert.equal(err.code, 'SECRET_IS_SECRET_ID');
    assert.equal(err.microsoftCode, 'AADSTS7000215');
    assert.match(err.diagnosis?.fix ?? '', /You pasted the Secret ID; copy the Value from Certificates & secrets/);
    assert.doesNotMatch(JSON.stringify(err.toJSON()), new RegExp(app.secret.keyId));
  });

  test('an expired secret: SECRET_EXPIRED', async () => {
    const expired = await s.createApp({ displayName: 'Auth Expired', secret: { expiresInDays: -1 } });
    const err = await failure(
      provider({ clientId: expired.appId, credential: { clientSecret: expired.secret.value } }),
    );
    assert.equal(err.code, 'SECRET_EXPIRED');
    assert.equal(err.microsoftCode, 'AADSTS7000222');
  });

  test('an unknown application: APP_NOT_FOUND', async () => {
    const err = await failure(provider({ clientId: randomUUID() }));
    assert.equal(err.code, 'APP_NOT_FOUND');
    assert.equal(err.microsoftCode, 'AADSTS700016');
    assert.equal(err.status, 400);
  });

  test('unknown and malformed tenants: TENANT_NOT_FOUND, although MSAL only says endpoints_resolution_error', async () => {
    const unknown = await failure(provider({ tenant: randomUUID() }));
    assert.equal(unknown.code, 'TENANT_NOT_FOUND');
    assert.equal(unknown.microsoftCode, 'AADSTS90002');
    assert.match(unknown.requestId ?? '', /^[0-9a-f-]{36}$/);
    const malformed = await failure(provider({ tenant: 'undefined' }));
    assert.equal(malformed.code, 'TENANT_NOT_FOUND');
    assert.equal(malformed.microsoftCode, 'AADSTS900023');
  });

  test('a disabled application: APP_DISABLED', async () => {
    const off = await s.createApp({ displayName: 'Auth Switched Off', secret: {} });
    await s.control('PATCH', `/tenants/${s.tenantId}/applications/${off.appId}`, { accountEnabled: false });
    const err = await failure(provider({ clientId: off.appId, credential: { clientSecret: off.secret.value } }));
    assert.equal(err.code, 'APP_DISABLED');
    assert.equal(err.microsoftCode, 'AADSTS7000112');
  });

  test('a certificate the app does not know: CERTIFICATE_INVALID', async () => {
    const other = await s.createApp({ displayName: 'Auth Other Cert' });
    const foreign = await s.control('POST', `/tenants/${s.tenantId}/applications/${other.appId}/certificates`, {
      generate: true,
    });
    const err = await failure(
      provider({
        credential: { certificate: { certificatePem: foreign.certificatePem, privateKeyPem: foreign.privateKeyPem } },
      }),
    );
    assert.equal(err.code, 'CERTIFICATE_INVALID');
    assert.equal(err.microsoftCode, 'AADSTS700027');
  });

  test('an untrusted authority certificate and a closed port: AUTHORITY_UNREACHABLE', async () => {
    const { caCertPem: _ca, ...untrusted } = s.cloud;
    const tls = await failure(provider({ cloud: untrusted }));
    assert.equal(tls.code, 'AUTHORITY_UNREACHABLE');
    assert.match(tls.message, /not trusted/);
    const closed = await failure(provider({ cloud: { ...s.cloud, authorityHost: 'https://127.0.0.1:9' } }));
    assert.equal(closed.code, 'AUTHORITY_UNREACHABLE');
  });
});
