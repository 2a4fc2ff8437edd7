import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { loadKeyring } from '../src/connections/keyring.js';
import { ConnectionService } from '../src/connections/service.js';
import { Vault } from '../src/connections/vault.js';
import { createApiKey } from '../src/server/auth/api-keys.js';
import { buildServer } from '../src/server/server.js';
import { apiKeysRepository } from '../src/store/api-keys-repository.js';
import { capturingLogger } from './helpers/api-calls.js';
import { type AuthSandbox, type Json, startAuthSandbox } from './helpers/auth-sandbox.js';
import { storeTargets, type TestStore } from './helpers/store-databases.js';

const PASSWORD = 'a long admin password';

for (const target of storeTargets()) {
  describe(`HTTP API on ${target.name}`, () => {
    let s: AuthSandbox;
    let store: TestStore;
    let service: ConnectionService;
    let app: FastifyInstance;
    let key: string;
    let directoryApp: Json;
    let logLines: string[] = [];
    const secrets: string[] = [];
    const auth = () => ({ authorization: `Bearer ${key}` });
    const call = (method: string, url: string, payload?: unknown, headers: Record<string, string> = auth()) =>
      app.inject({
        method: method as 'GET',
        url,
        headers,
        ...(payload === undefined ? {} : { payload: payload as Json }),
      });
    const newConnection = (overrides: Record<string, unknown> = {}) => ({
      name: 'contoso',
      tenantId: s.tenantId,
      clientId: directoryApp.appId,
      authMode: 'secret',
      clientSecret: directoryApp.secret.value,
      features: ['directory'],
      cloud: { authorityHost: s.cloud.authorityHost, graphEndpoint: s.cloud.graphEndpoint },
      ...overrides,
    });

    before(async () => {
      s = await startAuthSandbox();
      store = await target.open();
      directoryApp = await s.createApp({
        displayName: 'API Directory App',
        requiredPermissions: { application: ['User.Read.All'] },
        grantAdminConsent: true,
        secret: {},
      });
      secrets.push(directoryApp.secret.value);
      const { logger, lines } = capturingLogger();
      logLines = lines;
      service = new ConnectionService({
        store,
        vault: new Vault(await loadKeyring({ dataDir: mkdtempSync(join(tmpdir(), 'tl-api-keys-')), env: {} })),
        customClouds: [s.cloud],
        logger,
      });
      app = await buildServer({ store, service, logger, adminPassword: PASSWORD, consoleDir: null });
      key = (await createApiKey(apiKeysRepository(store), 'tests')).key;
      secrets.push(key);
    });
    after(async () => {
      await app.close();
      await service.close();
      await store.close();
      await target.cleanUp();
      await s.close();
    });

    test('every API route needs authentication; health, readiness and the session state do not', async () => {
      for (const [method, url] of [
        ['GET', '/api/v1/connections'],
        ['POST', '/api/v1/connections'],
        ['GET', '/api/v1/connections/x'],
        ['POST', '/api/v1/connections/x/test'],
        ['GET', '/api/v1/guide?features=directory'],
        ['GET', '/api/v1/catalogue'],
        ['GET', '/api/v1/server'],
        ['GET', '/api/openapi.json'],
        ['GET', '/api/docs'],
        ['GET', '/metrics'],
      ]) {
        const res = await call(method!, url!, method === 'POST' ? {} : undefined, {});
        assert.equal(res.statusCode, 401, `${method} ${url}`);
        assert.equal(res.json().error.code, 'UNAUTHENTICATED');
        assert.match(res.headers['www-authenticate'] as string, /^Bearer/);
      }
      // No route, no answer but 404, whoever asks.
      const unmatched = await call('GET', '/api/v1/nothing-here', undefined, {});
      assert.deepEqual([unmatched.statusCode, unmatched.json().error.code], [404, 'NOT_FOUND']);
      for (const bad of ['Bearer tlk_not-a-real-key', 'Basic dXNlcjpwYXNz', 'Bearer', `Bearer ${key}x`]) {
        const res = await call('GET', '/api/v1/connections', undefined, { authorization: bad });
        assert.equal(res.statusCode, 401, bad);
      }
      const health = await call('GET', '/healthz', undefined, {});
      assert.equal(health.json().status, 'ok');
      assert.match(String(health.headers['content-security-policy']), /default-src 'self'.*frame-ancestors 'none'/);
      assert.equal(health.headers['x-content-type-options'], 'nosniff');
      assert.equal(health.headers['referrer-policy'], 'no-referrer');
      assert.equal((await call('GET', '/readyz', undefined, {})).json().status, 'ready');
      assert.deepEqual((await call('GET', '/api/v1/session', undefined, {})).json(), {
        authenticated: false,
        needsSetup: false,
      });
      assert.equal((await call('GET', '/api/v1/connections')).statusCode, 200);
    });

    test('console sign-in: HttpOnly SameSite=Strict cookie, CSRF on unsafe requests, sign-out ends it', async () => {
      const wrong = await call('POST', '/api/v1/session', { password: 'not it' }, {});
      assert.equal(wrong.statusCode, 401);
      assert.equal(wrong.json().error.code, 'WRONG_PASSWORD');
      const ok = await call('POST', '/api/v1/session', { password: PASSWORD }, {});
      assert.equal(ok.statusCode, 200);
      const { csrfToken } = ok.json();
      const setCookie = String(ok.headers['set-cookie']);
      assert.match(setCookie, /tenantlink_session=[\w-]{40,}/);
      assert.match(setCookie, /HttpOnly/);
      assert.match(setCookie, /SameSite=Strict/);
      const cookie = setCookie.split(';')[0]!;

      const state = await call('GET', '/api/v1/session', undefined, { cookie });
      assert.deepEqual(state.json(), { authenticated: true, needsSetup: false, csrfToken });
      assert.equal((await call('GET', '/api/v1/connections', undefined, { cookie })).statusCode, 200);
      const noCsrf = await call('POST', '/api/v1/connections', newConnection({ name: 'csrf' }), { cookie });
      assert.equal(noCsrf.statusCode, 403);
      assert.equal(noCsrf.json().error.code, 'CSRF_TOKEN_INVALID');
      const wrongCsrf = await call('DELETE', '/api/v1/session', undefined, { cookie, 'x-csrf-token': 'nope' });
      assert.equal(wrongCsrf.statusCode, 403);
      const out = await call('DELETE', '/api/v1/session', undefined, { cookie, 'x-csrf-token': csrfToken });
      assert.equal(out.statusCode, 204);
      assert.equal((await call('GET', '/api/v1/connections', undefined, { cookie })).statusCode, 401);
    });

    test('connections: validation errors are 400 with the field, a taken name 409, unknown 404; never a 500', async () => {
      const cases: [unknown, RegExp, string?][] = [
        [{}, /INVALID_INPUT/, 'name'],
        [newConnection({ tenantId: 'not a tenant' }), /tenant must be the Directory \(tenant\) ID/],
        [newConnection({ clientId: 'abc' }), /client ID must be the Application \(client\) ID/],
        [newConnection({ features: ['directory', 'teleport'] }), /INVALID_INPUT/, 'features.1'],
        [newConnection({ clientSecret: undefined }), /a secret connection needs clientSecret/, 'clientSecret'],
        [newConnection({ cloud: 'mars' }), /INVALID_CLOUD.*The cloud 'mars' is not a cloud this server may use/],
        [
          newConnection({
            cloud: { authorityHost: 'https://login.attacker.test', graphEndpoint: 'https://g.attacker.test' },
          }),
          /INVALID_CLOUD.*A custom cloud at these endpoints/,
        ],
        [newConnection({ cloud: 42 }), /INVALID_INPUT/, 'cloud'],
        [newConnection({ settings: nested(9) }), /settings nest at most 8 levels deep/],
        [newConnection({ settings: { big: 'x'.repeat(70_000) } }), /settings hold at most 64 KB/],
        [newConnection({ settings: { secretExpiresAt: 'soon' } }), /secretExpiresAt must be a date/],
      ];
      for (const [body, pattern, path] of cases) {
        const res = await call('POST', '/api/v1/connections', body);
        assert.equal(res.statusCode, 400, JSON.stringify(body));
        assert.match(res.body, pattern);
        if (path)
          assert.ok(
            res.json().error.details.some((d: Json) => d.path === path),
            res.body,
          );
      }
      const guid = await call(
        'POST',
        '/api/v1/connections',
        newConnection({ clientSecret: directoryApp.secret.keyId }),
      );
      assert.equal(guid.statusCode, 400);
      assert.equal(guid.json().error.code, 'SECRET_IS_SECRET_ID');
      assert.match(guid.json().error.fix, /Value/);
      const garbage = await app.inject({
        method: 'POST',
        url: '/api/v1/connections',
        headers: { ...auth(), 'content-type': 'application/json' },
        payload: '{"name": ',
      });
      assert.equal(garbage.statusCode, 400);
      assert.ok(garbage.json().error.code);
      const missing = await call('GET', '/api/v1/connections/no-such-connection');
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json().error.code, 'CONNECTION_NOT_FOUND');
    });

    test('connections CRUD; the secret is write-only and never in a response or a log line', async () => {
      const created = await call(
        'POST',
        '/api/v1/connections',
        newConnection({ settings: { testUser: 'a@b.example' } }),
      );
      assert.equal(created.statusCode, 201, created.body);
      const connection = created.json().connection;
      assert.equal(connection.tenantId, s.tenantId);
      assert.equal(connection.authMode, 'secret');
      assert.deepEqual(
        connection.secrets.map((x: Json) => x.kind),
        ['client_secret'],
      );
      assert.equal(connection.health.lastTest, null);
      assert.equal((await call('POST', '/api/v1/connections', newConnection())).statusCode, 409);

      const renamed = await call('PATCH', `/api/v1/connections/${connection.id}`, {
        name: 'contoso-eu',
        features: ['directory', 'mail'],
      });
      assert.equal(renamed.statusCode, 200, renamed.body);
      assert.equal(renamed.json().connection.name, 'contoso-eu');
      assert.deepEqual(renamed.json().connection.features, ['directory', 'mail']);

      const fresh = await s.control('POST', `/tenants/${s.tenantId}/applications/${directoryApp.appId}/secrets`, {});
      secrets.push(fresh.value);
      const before = connection.secrets[0].updatedAt;
      const replaced = await call('PATCH', '/api/v1/connections/contoso-eu', {
        clientSecret: fresh.value,
        settings: { testUser: 'a@b.example', secretExpiresAt: '2030-01-31' },
      });
      assert.equal(replaced.statusCode, 200, replaced.body);
      assert.notEqual(replaced.json().connection.secrets[0].updatedAt, before);
      assert.equal(replaced.json().connection.health.secretExpiresAt, '2030-01-31T00:00:00.000Z');

      const listed = await call('GET', '/api/v1/connections');
      const inList = listed.json().connections.find((c: Json) => c.id === connection.id);
      assert.deepEqual(
        inList.secrets.map((x: Json) => x.kind),
        ['client_secret'],
        'the list shows which secrets each connection holds',
      );
      for (const body of [created.body, renamed.body, replaced.body, listed.body, logLines.join('')])
        for (const secret of secrets) assert.ok(!body.includes(secret), 'a secret leaked');

      assert.equal((await call('DELETE', `/api/v1/connections/${connection.id}`)).statusCode, 204);
      assert.equal((await call('GET', `/api/v1/connections/${connection.id}`)).statusCode, 404);
    });

    test('Run test: PERMISSION_MISSING with its fix, then passes once the permission is granted; history kept', async () => {
      const created = await call('POST', '/api/v1/connections', newConnection({ name: 'tested' }));
      const id = created.json().connection.id;
      const first = await call('POST', `/api/v1/connections/${id}/test`);
      assert.equal(first.statusCode, 200, first.body);
      const run = first.json().test;
      assert.equal(run.ok, false);
      const missing = run.findings.find((f: Json) => f.code === 'PERMISSION_MISSING');
      assert.equal(missing.feature, 'directory');
      assert.match(missing.fix, /Application permissions > GroupMember\.Read\.All/);

      await s.control('POST', `/tenants/${s.tenantId}/consent`, {
        appId: directoryApp.appId,
        application: ['GroupMember.Read.All'],
      });
      const second = (await call('POST', `/api/v1/connections/${id}/test`)).json().test;
      assert.equal(second.ok, true, JSON.stringify(second.findings));
      assert.ok(second.checks.some((c: Json) => c.name === 'Read one user' && c.status === 'pass'));

      const history = (await call('GET', `/api/v1/connections/${id}/tests`)).json().tests;
      assert.deepEqual(
        history.map((t: Json) => t.id),
        [second.id, run.id],
        'newest first',
      );
      const listed = (await call('GET', '/api/v1/connections')).json().connections.find((c: Json) => c.id === id);
      assert.equal(listed.health.lastTest.id, second.id);
      assert.equal(listed.health.lastTest.ok, true);
      assert.equal(listed.health.lastTest.token, 'ok');
    });

    test('guide, catalogue and the OpenAPI document', async () => {
      const noRedirect = await call('GET', '/api/v1/guide?features=directory&mode=multi-tenant');
      assert.equal(noRedirect.statusCode, 400);
      assert.match(noRedirect.json().error.message, /needs a redirect URI/);
      const guide = await call(
        'GET',
        `/api/v1/guide?features=directory,mail&mode=multi-tenant&redirectUri=${encodeURIComponent('https://app.example/connect/microsoft/callback')}`,
      );
      assert.equal(guide.statusCode, 200, guide.body);
      assert.equal(guide.json().guide.signInAudience, 'AzureADMultipleOrgs');
      assert.match(guide.json().markdown, /Mail\.Read/);
      assert.equal((await call('GET', '/api/v1/guide?features=teleport')).statusCode, 400);
      assert.equal((await call('GET', '/api/v1/guide')).statusCode, 400);
      assert.equal((await call('GET', '/api/v1/guide?features=mail&mode=sideways')).statusCode, 400);
      const catalogue = (await call('GET', '/api/v1/catalogue')).json();
      assert.deepEqual(catalogue.features.find((f: Json) => f.id === 'mail.shared').application, null);

      const doc = (await call('GET', '/api/openapi.json')).json();
      assert.equal(doc.openapi, '3.1.0');
      assert.ok(doc.components.securitySchemes.apiKey);
      const create = doc.paths['/api/v1/connections'].post;
      const schema = create.requestBody.content['application/json'].schema;
      assert.ok(schema.properties.clientSecret, 'the write-only secret is in the request schema');
      const response = create.responses['201'].content['application/json'].schema;
      assert.ok(!JSON.stringify(response).includes('clientSecret'), 'and never in a response schema');
      assert.ok(doc.paths['/api/v1/connections/{id}/test'].post);
      const docs = await call('GET', '/api/docs/');
      assert.equal(docs.statusCode, 200);
      assert.match(docs.body, /swagger/i);
    });

    test('metrics count requests by route template and test results', async () => {
      const text = (await call('GET', '/metrics')).body;
      assert.match(
        text,
        /tenantlink_http_requests_total\{method="POST",route="\/api\/v1\/connections\/:id\/test",status="200"\} \d+/,
      );
      assert.match(text, /tenantlink_connection_tests_total\{result="errors"\} 1/);
      assert.match(text, /tenantlink_connections \d+/);
      assert.doesNotMatch(text, /tlk_/);
    });

    test('sign-in attempts are rate-limited', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++)
        statuses.push((await call('POST', '/api/v1/session', { password: `guess ${i}` }, {})).statusCode);
      assert.ok(statuses.includes(429), statuses.join(','));
    });
  });
}

describe('first start without an admin password', () => {
  test('setup only from this machine, at its own address, with the setup token, and only once', async () => {
    const target = storeTargets()[0]!;
    const store = await target.open();
    const service = new ConnectionService({
      store,
      vault: new Vault(await loadKeyring({ dataDir: mkdtempSync(join(tmpdir(), 'tl-api-setup-')), env: {} })),
    });
    const setupToken = 'the-one-time-setup-token';
    const app = await buildServer({ store, service, consoleDir: null, setupToken });
    const setup = (body: Json, extra: { remoteAddress?: string; headers?: Record<string, string> } = {}) =>
      app.inject({ method: 'POST', url: '/api/v1/session/setup', payload: body, ...extra });
    const refused = async (answer: Awaited<ReturnType<typeof setup>>, status: number, code: string) => {
      assert.equal(answer.statusCode, status, answer.body);
      assert.equal(answer.json().error.code, code);
    };
    try {
      assert.equal((await app.inject({ url: '/api/v1/session' })).json().needsSetup, true);
      await refused(
        await setup({ password: PASSWORD, setupToken }, { remoteAddress: '10.1.2.3' }),
        403,
        'SETUP_FROM_LOOPBACK_ONLY',
      );
      // DNS rebinding: a page on another site whose name now points at 127.0.0.1.
      await refused(
        await setup({ password: PASSWORD, setupToken }, { headers: { host: 'rebind.attacker.example:3000' } }),
        403,
        'ORIGIN_NOT_ALLOWED',
      );
      await refused(
        await setup({ password: PASSWORD, setupToken }, { headers: { origin: 'https://attacker.example' } }),
        403,
        'ORIGIN_NOT_ALLOWED',
      );
      await refused(await setup({ password: PASSWORD }), 400, 'INVALID_INPUT');
      await refused(await setup({ password: PASSWORD, setupToken: 'guessed' }), 403, 'SETUP_TOKEN_INVALID');
      await refused(await setup({ password: 'short', setupToken }), 400, 'INVALID_INPUT');
      assert.equal((await app.inject({ url: '/api/v1/session' })).json().needsSetup, true, 'nothing was set');
      const ok = await setup({ password: PASSWORD, setupToken }, { headers: { origin: 'http://localhost' } });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.ok(ok.json().csrfToken);
      await refused(await setup({ password: PASSWORD, setupToken }), 409, 'ALREADY_SET_UP');
      const signIn = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { password: PASSWORD } });
      assert.equal(signIn.statusCode, 200);
    } finally {
      await app.close();
      await service.close();
      await store.close();
      await target.cleanUp();
    }
  });

  test('a server started without a setup token cannot be set up through the API', async () => {
    const target = storeTargets()[0]!;
    const store = await target.open();
    const service = new ConnectionService({
      store,
      vault: new Vault(await loadKeyring({ dataDir: mkdtempSync(join(tmpdir(), 'tl-api-setup-')), env: {} })),
    });
    const app = await buildServer({ store, service, consoleDir: null });
    try {
      const answer = await app.inject({
        method: 'POST',
        url: '/api/v1/session/setup',
        payload: { password: PASSWORD, setupToken: 'anything' },
      });
      assert.equal(answer.statusCode, 403);
      assert.equal(answer.json().error.code, 'SETUP_TOKEN_INVALID');
    } finally {
      await app.close();
      await service.close();
      await store.close();
      await target.cleanUp();
    }
  });
});

/** `{a: {a: ...}}`, `depth` objects deep. */
function nested(depth: number): Json {
  let value: Json = 'leaf';
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}
