import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { type CloudEndpoints, chooseCloud, cloudEndpoints, customCloudsFromEnv } from '../src/auth/clouds.js';
import { checkedExpiresIn, MAX_DEVICE_CODE_SECONDS, MAX_WAITING_PER_APP } from '../src/connect/device-code.js';
import { loadKeyring } from '../src/connections/keyring.js';
import { ConnectionService } from '../src/connections/service.js';
import { Vault } from '../src/connections/vault.js';
import { createApiKey } from '../src/server/auth/api-keys.js';
import { buildServer } from '../src/server/server.js';
import { apiKeysRepository } from '../src/store/api-keys-repository.js';
import { type ApiAnswer, apiCaller } from './helpers/api-calls.js';
import { type AuthSandbox, type Json, startAuthSandbox } from './helpers/auth-sandbox.js';
import { storeTargets, type TestStore } from './helpers/store-databases.js';

const code = (answer: ApiAnswer) => [answer.status, answer.body?.error?.code];

describe('custom clouds come from the operator', () => {
  const sovereign: CloudEndpoints = {
    ...cloudEndpoints({ authorityHost: 'https://login.sovereign.test', graphEndpoint: 'https://graph.sovereign.test' }),
    name: 'sovereign',
  };

  test('API callers choose a national cloud, or a configured one by name or endpoints; nothing else', () => {
    assert.equal(chooseCloud('usgov', [sovereign]), 'usgov');
    const endpoints = { authorityHost: 'https://login.sovereign.test', graphEndpoint: 'https://graph.sovereign.test' };
    assert.deepEqual(chooseCloud('sovereign', [sovereign]), endpoints);
    assert.deepEqual(
      chooseCloud(
        { authorityHost: 'https://login.sovereign.test/', graphEndpoint: 'https://graph.sovereign.test/v1.0' },
        [sovereign],
      ),
      endpoints,
    );
    for (const choice of [
      'mars',
      'custom',
      'toString',
      { authorityHost: 'https://169.254.169.254', graphEndpoint: 'https://graph.sovereign.test' },
      { authorityHost: 'https://login.sovereign.test', graphEndpoint: 'https://graph.attacker.test' },
    ])
      assert.throws(() => chooseCloud(choice, [sovereign]), { code: 'INVALID_CLOUD' }, JSON.stringify(choice));
  });

  test('TENANTLINK_CUSTOM_CLOUDS: a JSON list, checked, with each CA read from its file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tl-clouds-'));
    writeFileSync(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    assert.deepEqual(customCloudsFromEnv(undefined), []);
    assert.deepEqual(customCloudsFromEnv(' '), []);
    const [cloud] = customCloudsFromEnv(
      JSON.stringify([
        {
          name: 'sovereign',
          authorityHost: 'https://login.sovereign.test/',
          graphEndpoint: 'https://graph.sovereign.test/v1.0',
          caFile: join(dir, 'ca.pem'),
          graphResource: 'https://graph.microsoft.com',
        },
      ]),
    );
    assert.equal(cloud?.name, 'sovereign');
    assert.equal(cloud?.authorityHost, 'https://login.sovereign.test');
    assert.equal(cloud?.graphEndpoint, 'https://graph.sovereign.test');
    assert.match(cloud?.caCertPem ?? '', /BEGIN CERTIFICATE/);
    assert.equal(cloud?.graphResource, 'https://graph.microsoft.com');
    const one = { name: 'a', authorityHost: 'https://l.test', graphEndpoint: 'https://g.test' };
    for (const [value, why] of [
      ['{', /not JSON/],
      [JSON.stringify({ name: 'a' }), /expected array/],
      [JSON.stringify([{ ...one, name: 'global' }]), /not a national cloud name/],
      [JSON.stringify([{ ...one, authorityHost: 'http://l.test' }]), /authorityHost: an https URL/],
      [JSON.stringify([one, one]), /the name 'a' is used twice/],
      [JSON.stringify([{ ...one, caFile: join(dir, 'missing.pem') }]), /CA file of 'a' cannot be read \(ENOENT\)/],
      [JSON.stringify([{ ...one, extra: 1 }]), /Unrecognized key/],
    ] as const)
      assert.throws(() => customCloudsFromEnv(value), { code: 'INVALID_CLOUD', message: why }, value);
  });

  test("a device code's lifetime is the authority's, within bounds", () => {
    assert.equal(checkedExpiresIn(900), 900);
    assert.equal(checkedExpiresIn(10 ** 9), MAX_DEVICE_CODE_SECONDS);
    for (const bad of [0, -5, Number.NaN, Number.POSITIVE_INFINITY, '900', undefined])
      assert.throws(() => checkedExpiresIn(bad), { code: 'TOKEN_REQUEST_FAILED' }, String(bad));
  });
});

for (const target of storeTargets()) {
  describe(`clouds, upstream failures and limits through the API on ${target.name}`, () => {
    let s: AuthSandbox;
    let store: TestStore;
    let service: ConnectionService;
    let app: FastifyInstance;
    let key: string;
    let publicApp: Json;
    const call = (method: string, url: string, payload?: unknown) => apiCaller(app, () => key)(method, url, payload);
    // A configured cloud whose authority does not answer: the closed port 9 of this machine.
    const unreachable: CloudEndpoints = {
      ...cloudEndpoints({ authorityHost: 'https://127.0.0.1:9', graphEndpoint: 'https://127.0.0.1:9' }),
      name: 'unreachable',
    };

    before(async () => {
      s = await startAuthSandbox();
      store = await target.open();
      const vault = new Vault(await loadKeyring({ dataDir: mkdtempSync(join(tmpdir(), 'tl-limits-')), env: {} }));
      service = new ConnectionService({
        store,
        vault,
        customClouds: [s.cloud, unreachable],
        configuredCloudsOnly: true,
      });
      app = await buildServer({ store, service, consoleDir: null });
      key = (await createApiKey(apiKeysRepository(store), 'limits')).key;
      publicApp = await s.createApp({
        displayName: `Public Client ${target.name}`,
        allowPublicClient: true,
        requiredPermissions: { delegated: ['User.Read', 'Calendars.Read', 'openid', 'profile', 'offline_access'] },
        grantAdminConsent: true,
      });
      // A connection stored with a cloud the server was never configured for (an API before this release took any).
      const lax = new ConnectionService({ store, vault });
      await lax.add({
        name: 'elsewhere',
        tenant: s.tenantId,
        clientId: publicApp.appId,
        cloud: { authorityHost: 'https://login.attacker.test', graphEndpoint: 'https://graph.attacker.test' },
        features: ['directory'],
        credential: { clientSecret: 'abc~not-sent-anywhere' },
      });
      await lax.close();
    });
    after(async () => {
      await app.close();
      await service.close();
      await store.close();
      await target.cleanUp();
      await s.close();
    });

    test('a cloud the operator did not configure is refused when chosen and when used', async () => {
      const body = { tenantId: s.tenantId, clientId: publicApp.appId, features: ['calendar'] };
      assert.deepEqual(code(await call('POST', '/api/v1/connect/device-code', { ...body, name: 'a', cloud: 'mars' })), [
        400,
        'INVALID_CLOUD',
      ]);
      const evil = { authorityHost: 'https://login.attacker.test', graphEndpoint: 'https://graph.attacker.test' };
      assert.deepEqual(code(await call('POST', '/api/v1/connect/device-code', { ...body, name: 'b', cloud: evil })), [
        400,
        'INVALID_CLOUD',
      ]);
      assert.deepEqual(
        code(
          await call('POST', '/api/v1/integrations', {
            name: 'evil',
            clientId: publicApp.appId,
            clientSecret: 'abc~def',
            features: ['directory'],
            returnUrl: 'https://vendor.example/back',
            cloud: evil,
          }),
        ),
        [400, 'INVALID_CLOUD'],
      );
      const tested = await call('POST', '/api/v1/connections/elsewhere/test');
      assert.deepEqual(code(tested), [409, 'CLOUD_NOT_CONFIGURED']);
      assert.match(tested.body.error.fix, /TENANTLINK_CUSTOM_CLOUDS/);
      // The configured sandbox is chosen by its name.
      const named = await call('POST', '/api/v1/connections', {
        name: 'by-name',
        tenantId: s.tenantId,
        clientId: publicApp.appId,
        authMode: 'secret',
        clientSecret: 'abc~def',
        cloud: 'sandbox',
      });
      assert.equal(named.status, 201, named.text);
      assert.deepEqual(named.body.connection.cloud, {
        authorityHost: s.cloud.authorityHost,
        graphEndpoint: s.cloud.graphEndpoint,
      });
    });

    test('an authority that cannot be reached is a 502, not a 500', async () => {
      const answer = await call('POST', '/api/v1/connect/device-code', {
        name: 'unreachable',
        tenantId: s.tenantId,
        clientId: publicApp.appId,
        features: ['calendar'],
        cloud: 'unreachable',
      });
      assert.deepEqual(code(answer), [502, 'AUTHORITY_UNREACHABLE']);
    });

    test('device-code sign-ins: a few waiting per app, a bounded expiry, and a rate limit on starts', async () => {
      const start = () =>
        call('POST', '/api/v1/connect/device-code', {
          name: 'waiting',
          tenantId: s.tenantId,
          clientId: publicApp.appId,
          features: ['calendar'],
          cloud: 'sandbox',
        });
      const answers: ApiAnswer[] = [];
      // The earlier tests of this file made two starts within the same minute.
      for (let i = 0; i < MAX_WAITING_PER_APP + 2; i++) answers.push(await start());
      const started = answers.filter((a) => a.status === 201);
      assert.equal(started.length, MAX_WAITING_PER_APP, answers.map((a) => a.text).join('\n'));
      for (const a of started) assert.ok(Date.parse(a.body.expiresAt) <= Date.now() + MAX_DEVICE_CODE_SECONDS * 1000);
      assert.deepEqual(code(answers.at(-1)!), [429, 'DEVICE_CODE_LIMIT']);
      const limited = await start();
      assert.deepEqual(code(limited), [429, 'RATE_LIMITED']);
    });

    test('Run test and webhook pings are rate-limited per key', async () => {
      const tests: number[] = [];
      for (let i = 0; i < 21; i++) tests.push((await call('POST', '/api/v1/connections/elsewhere/test')).status);
      assert.deepEqual([tests[0], tests.at(-1)], [409, 429]);
      const pings: number[] = [];
      for (let i = 0; i < 11; i++) pings.push((await call('POST', '/api/v1/webhooks/none/ping')).status);
      assert.deepEqual([pings[0], pings.at(-1)], [404, 429]);
      // Another key has its own allowance.
      const other = (await createApiKey(apiKeysRepository(store), 'other')).key;
      const fresh = await apiCaller(app, () => other)('POST', '/api/v1/webhooks/none/ping');
      assert.equal(fresh.status, 404);
    });
  });
}
