import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { describeAccessToken } from '../src/auth/claims.js';
import { loadKeyring } from '../src/connections/keyring.js';
import { ConnectionService } from '../src/connections/service.js';
import { secretContext, Vault } from '../src/connections/vault.js';
import type { TenantlinkError } from '../src/errors.js';
import { createLogger } from '../src/logging/index.js';
import { secretsRepository } from '../src/store/secrets-repository.js';
import { type AuthSandbox, type Json, refreshTokenByPassword, startAuthSandbox } from './helpers/auth-sandbox.js';
import { storeTargets, type TestStore } from './helpers/store-databases.js';

/** Every line the services in this file logged (at trace level), and every secret and token the tests handled. */
const logged: string[] = [];
const logger = createLogger({ level: 'trace', destination: { write: (line: string) => void logged.push(line) } });
const handled: string[] = [];

let s: AuthSandbox;
let secretApp: Json;
let certApp: Json;
let cert: Json;
let publicApp: Json;
let admin: { userPrincipalName: string; password: string };
let vendorApp: Json;

before(async () => {
  s = await startAuthSandbox();
  secretApp = await s.createApp({
    displayName: 'Service Secret App',
    requiredPermissions: { application: ['User.Read.All'] },
    grantAdminConsent: true,
    secret: {},
  });
  certApp = await s.createApp({
    displayName: 'Service Certificate App',
    requiredPermissions: { application: ['User.Read.All', 'Group.Read.All'] },
    grantAdminConsent: true,
  });
  cert = await s.control('POST', `/tenants/${s.tenantId}/applications/${certApp.appId}/certificates`, {
    generate: true,
  });
  publicApp = await s.createApp({
    displayName: 'Service Delegated App',
    allowPublicClient: true,
    requiredPermissions: { delegated: ['User.Read', 'openid', 'profile', 'offline_access'] },
    grantAdminConsent: true,
  });
  vendorApp = await s.createApp({
    displayName: 'Vendor Multi-tenant App',
    signInAudience: 'AzureADMultipleOrgs',
    requiredPermissions: { application: ['User.Read.All'] },
    grantAdminConsent: true,
    secret: {},
  });
  admin = await s.control('POST', `/tenants/${s.tenantId}/users`, { displayName: 'Service Person' });
});
after(() => s.close());

for (const target of storeTargets()) {
  describe(`ConnectionService on ${target.name}`, () => {
    let store: TestStore;
    let dataDir: string;
    let service: ConnectionService;
    const open = async () =>
      new ConnectionService({
        store,
        vault: new Vault(await loadKeyring({ dataDir, env: {} })),
        customClouds: [s.cloud],
        logger,
        graph: { logger },
      });
    const base = () => ({
      tenant: s.tenantId,
      cloud: { authorityHost: s.cloud.authorityHost, graphEndpoint: s.cloud.graphEndpoint },
    });

    before(async () => {
      store = await target.open();
      dataDir = mkdtempSync(join(tmpdir(), 'tenantlink-service-'));
      service = await open();
    });
    after(async () => {
      await service.close();
      await store.close();
      await target.cleanUp();
    });

    test('a secret connection gets a token and calls Graph; the secret is stored encrypted only', async () => {
      const added = await service.add({
        ...base(),
        name: 'secret-conn',
        clientId: secretApp.appId,
        features: ['directory'],
        credential: { clientSecret: secretApp.secret.value },
      });
      assert.equal(added.authMode, 'secret');
      const token = await (await service.tokenProvider('secret-conn')).getToken();
      handled.push(secretApp.secret.value, token.token);
      assert.deepEqual(describeAccessToken(token.token).permissions, ['User.Read.All']);
      const graph = await service.graphClient('secret-conn');
      const page = await graph.get<{ value: Json[] }>('/users', { select: ['id', 'displayName'], query: { $top: 3 } });
      assert.equal(page.value.length, 3);

      const rows = await secretsRepository(store).listForConnection(added.id);
      assert.deepEqual(rows.map((r) => r.kind).sort(), ['client_secret', 'token_cache']);
      for (const row of rows) {
        assert.match(row.ciphertext, /^v1\./);
        assert.ok(!row.ciphertext.includes(secretApp.secret.value));
      }
      const shown = await service.show(added.id);
      assert.ok(!JSON.stringify(shown).includes(secretApp.secret.value));
      assert.ok(!JSON.stringify(shown).includes(token.token));
    });

    test('a certificate connection shows its thumbprint, gets a certificate token and calls Graph', async () => {
      const added = await service.add({
        ...base(),
        name: 'cert-conn',
        clientId: certApp.appId,
        credential: { certificate: { certificatePem: cert.certificatePem, privateKeyPem: cert.privateKeyPem } },
      });
      assert.equal(added.authMode, 'certificate');
      assert.equal(added.certificateThumbprint, String(cert.thumbprint).toUpperCase());
      const token = await (await service.tokenProvider('cert-conn')).getToken();
      handled.push(String(cert.privateKeyPem).split('\n')[1]!, token.token);
      assert.equal(describeAccessToken(token.token).claims['appidacr'], '2');
      const groups = await (await service.graphClient(added.id)).get<{ value: Json[] }>('/groups', {
        select: ['id'],
        query: { $top: 2 },
      });
      assert.ok(Array.isArray(groups.value));
    });

    test('a delegated connection refreshes and stores each rotated refresh token encrypted', async () => {
      const refreshToken = await refreshTokenByPassword(s, publicApp.appId, admin);
      handled.push(refreshToken);
      const added = await service.add({
        ...base(),
        name: 'delegated-conn',
        clientId: publicApp.appId,
        credential: { refreshToken },
      });
      assert.equal(added.authMode, 'delegated');
      const secrets = secretsRepository(store);
      const vault = new Vault(await loadKeyring({ dataDir, env: {} }));
      const stored = async () => {
        const row = await secrets.get(added.id, 'refresh_token');
        return vault.decrypt(row!.ciphertext, secretContext(added.id, 'refresh_token'));
      };
      const provider = await service.tokenProvider('delegated-conn');
      const seen = new Set([refreshToken]);
      for (let i = 0; i < 2; i++) {
        const token = await provider.getToken({ forceRefresh: true });
        assert.equal(describeAccessToken(token.token).kind, 'delegated');
        const now = await stored();
        handled.push(now, token.token);
        assert.ok(!seen.has(now), 'each refresh stores a new refresh token');
        seen.add(now);
      }
      // A new process (a new service over the same store and key) continues from the rotated token.
      const other = await open();
      const token = await (await other.tokenProvider('delegated-conn')).getToken({ forceRefresh: true });
      assert.equal(describeAccessToken(token.token).claims['upn'], admin.userPrincipalName);
      await other.close();
    });

    test("a multi-tenant connection gets tokens for the customer's tenant once consent is granted there", async () => {
      // A fresh customer tenant, where the vendor's app has no service principal yet.
      const customerTenant = await s.control('POST', '/tenants', { displayName: `Customer ${target.name}`, users: 5 });
      const added = await service.add({
        ...base(),
        tenant: customerTenant.id,
        name: 'customer-two',
        clientId: vendorApp.appId,
        multiTenant: true,
        credential: { clientSecret: vendorApp.secret.value },
      });
      assert.equal(added.authMode, 'multi-tenant');
      const provider = await service.tokenProvider('customer-two');
      await assert.rejects(provider.getToken(), (err: TenantlinkError) => /CONSENT|APP_NOT_FOUND/.test(err.code));
      await s.control('POST', `/tenants/${customerTenant.id}/consent`, {
        appId: vendorApp.appId,
        application: ['User.Read.All'],
      });
      const token = await provider.getToken({ forceRefresh: true });
      handled.push(vendorApp.secret.value, token.token);
      const described = describeAccessToken(token.token);
      assert.equal(described.tenantId, customerTenant.id);
      assert.deepEqual(described.permissions, ['User.Read.All']);
      const users = await (await service.graphClient('customer-two')).get<{ value: Json[] }>('/users', {
        select: ['id'],
      });
      assert.equal(users.value.length, 5);
    });

    test('a pasted Secret ID, a key of another certificate and a taken name are refused and leave nothing', async () => {
      const before = (await service.list()).length;
      await assert.rejects(
        service.add({
          ...base(),
          name: 'secret-id',
          clientId: secretApp.appId,
          credential: { clientSecret: secretApp.secret.keyId },
        }),
        (err: TenantlinkError) => err.code === 'SECRET_IS_SECRET_ID' && /Value column/.test(err.diagnosis!.fix),
      );
      const other = await s.control('POST', `/tenants/${s.tenantId}/applications/${secretApp.appId}/certificates`, {
        generate: true,
      });
      await assert.rejects(
        service.add({
          ...base(),
          name: 'mismatch',
          clientId: certApp.appId,
          credential: { certificate: { certificatePem: cert.certificatePem, privateKeyPem: other.privateKeyPem } },
        }),
        (err: TenantlinkError) => err.code === 'CERTIFICATE_KEY_MISMATCH',
      );
      await assert.rejects(
        service.add({
          ...base(),
          name: 'secret-conn',
          clientId: secretApp.appId,
          credential: { clientSecret: 'x'.repeat(40) },
        }),
        (err: TenantlinkError) => err.code === 'CONNECTION_EXISTS' && err.status === 409,
      );
      await assert.rejects(
        service.add({
          ...base(),
          name: '',
          tenant: 'not a tenant',
          clientId: 'nope',
          credential: { clientSecret: 'x'.repeat(40) },
        }),
        (err: TenantlinkError) =>
          err.code === 'INVALID_INPUT' &&
          /name/.test(err.message) &&
          /tenant/.test(err.message) &&
          /client ID/.test(err.message),
      );
      assert.equal((await service.list()).length, before);
    });

    test('vault rotation re-encrypts every secret and connections keep working', async () => {
      const secrets = secretsRepository(store);
      const keyBefore = (await secrets.get((await service.show('secret-conn')).id, 'client_secret'))!.keyId;
      const report = await service.rotateVault();
      assert.equal(report.previousPrimaryKeyId, keyBefore);
      assert.notEqual(report.primaryKeyId, keyBefore);
      assert.equal(report.failed.length, 0);
      assert.ok(report.reencrypted >= 5, `re-encrypted ${report.reencrypted}`);
      let count = 0;
      await secrets.forEachSecret((row) => {
        count++;
        assert.equal(row.keyId, report.primaryKeyId);
      });
      assert.equal(count, report.visited);
      const fresh = await open();
      for (const name of ['secret-conn', 'cert-conn', 'delegated-conn']) {
        const token = await (await fresh.tokenProvider(name)).getToken({ forceRefresh: true });
        assert.ok(token.token.length > 20, name);
      }
      await fresh.close();
    });

    test('remove deletes the connection and its secrets; unknown names are CONNECTION_NOT_FOUND', async () => {
      const { id } = await service.show('cert-conn');
      await service.remove('cert-conn');
      assert.equal((await secretsRepository(store).listForConnection(id)).length, 0);
      await assert.rejects(service.show('cert-conn'), (err: TenantlinkError) => err.code === 'CONNECTION_NOT_FOUND');
      await assert.rejects(service.tokenProvider(id), (err: TenantlinkError) => err.status === 404);
    });
  });
}

test('nothing the services logged holds a secret or token the tests used', () => {
  const everything = logged.join('');
  assert.ok(logged.length >= 6, `the services logged ${logged.length} lines`);
  assert.match(everything, /connection added/);
  assert.match(everything, /"method":"GET","url":"\/users/, 'Graph requests were logged');
  assert.ok(handled.length >= 8, `${handled.length} secrets and tokens to look for`);
  for (const secret of handled) {
    assert.ok(!everything.includes(secret), `a secret or token leaked into the log: ${secret.slice(0, 6)}…`);
  }
});
