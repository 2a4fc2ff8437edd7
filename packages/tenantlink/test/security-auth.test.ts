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
import { rawRequest } from './helpers/raw-http.js';
import { storeTargets, type TestStore } from './helpers/store-databases.js';

const PASSWORD = 'a long admin password';

for (const target of storeTargets()) {
  describe(`authentication by matched route on ${target.name}`, () => {
    let store: TestStore;
    let service: ConnectionService;
    let app: FastifyInstance;
    let port: number;
    const keys: Record<'admin' | 'read' | 'metrics', string> = { admin: '', read: '', metrics: '' };
    let logLines: string[] = [];
    const bearer = (scope: keyof typeof keys) => ({ authorization: `Bearer ${keys[scope]}` });

    before(async () => {
      store = await target.open();
      const { logger, lines } = capturingLogger('info');
      logLines = lines;
      service = new ConnectionService({
        store,
        vault: new Vault(await loadKeyring({ dataDir: mkdtempSync(join(tmpdir(), 'tl-sec-')), env: {} })),
        logger,
      });
      app = await buildServer({ store, service, logger, adminPassword: PASSWORD, consoleDir: null });
      await app.listen({ port: 0, host: '127.0.0.1' });
      port = (app.addresses()[0] as { port: number }).port;
      for (const scope of ['admin', 'read', 'metrics'] as const)
        keys[scope] = (await createApiKey(apiKeysRepository(store), `${scope} key`, scope)).key;
    });
    after(async () => {
      await app.close();
      await service.close();
      await store.close();
      await target.cleanUp();
    });

    test('percent-encoded paths and absolute-form request lines get 401 (or 404), never data', async () => {
      const guarded = [
        'GET /%61pi/v1/connections HTTP/1.1',
        'GET /ap%69/v1/connections HTTP/1.1',
        'GET /api/v1/%63onnections HTTP/1.1',
        'GET /%6detrics HTTP/1.1',
        'GET /%61pi/openapi.json HTTP/1.1',
        `GET http://127.0.0.1:${port}/api/v1/connections HTTP/1.1`,
        'GET http://attacker.example/api/v1/connections HTTP/1.1',
        'GET /api/v1/connections/ HTTP/1.1',
      ];
      for (const line of guarded) {
        const answer = await rawRequest(port, line);
        assert.equal(answer.status, 401, line);
        assert.equal(JSON.parse(answer.body).error.code, 'UNAUTHENTICATED', line);
      }
      for (const line of [
        'GET //api/v1/connections HTTP/1.1',
        'GET /API/v1/connections HTTP/1.1',
        'GET /api/v1/./connections HTTP/1.1',
        'GET /api/v1/connections;x HTTP/1.1',
        'GET /api/v1/connections%2f HTTP/1.1',
      ]) {
        const answer = await rawRequest(port, line);
        assert.equal(answer.status, 404, line);
        assert.equal(JSON.parse(answer.body).error.code, 'NOT_FOUND', line);
      }
      // The attack of the report: a global webhook created without credentials.
      const hook = await rawRequest(
        port,
        'POST /%61pi/v1/webhooks HTTP/1.1',
        { 'content-type': 'application/json' },
        JSON.stringify({ url: 'https://attacker.example/hook' }),
      );
      assert.equal(hook.status, 401);
      assert.equal((await app.inject({ url: '/api/v1/webhooks', headers: bearer('admin') })).json().webhooks.length, 0);
    });

    test('API key scopes: read may only read, metrics may only scrape, admin may do all', async () => {
      const as = (scope: keyof typeof keys, method: string, url: string, payload?: object) =>
        app.inject({ method: method as 'GET', url, headers: bearer(scope), ...(payload ? { payload } : {}) });
      const code = (res: Awaited<ReturnType<typeof as>>) => [res.statusCode, res.json().error?.code];

      assert.equal((await as('read', 'GET', '/api/v1/connections')).statusCode, 200);
      assert.equal((await as('read', 'GET', '/api/v1/webhooks')).statusCode, 200);
      assert.deepEqual(code(await as('read', 'POST', '/api/v1/webhooks', { url: 'https://x.example' })), [
        403,
        'SCOPE_INSUFFICIENT',
      ]);
      assert.deepEqual(code(await as('read', 'DELETE', '/api/v1/connections/x')), [403, 'SCOPE_INSUFFICIENT']);
      assert.deepEqual(code(await as('read', 'POST', '/api/v1/connections/x/test')), [403, 'SCOPE_INSUFFICIENT']);
      // Keys are the admin's business even to read.
      assert.deepEqual(code(await as('read', 'GET', '/api/v1/api-keys')), [403, 'SCOPE_INSUFFICIENT']);
      const refusal = (await as('read', 'POST', '/api/v1/api-keys', { name: 'escalate', scope: 'admin' })).json();
      assert.match(refusal.error.message, /'read key' has the read scope/);
      assert.match(refusal.error.fix, /--scope admin/);

      const metrics = await as('metrics', 'GET', '/metrics');
      assert.equal(metrics.statusCode, 200);
      assert.match(metrics.body, /tenantlink_http_requests_total/);
      for (const [method, url] of [
        ['GET', '/api/v1/connections'],
        ['GET', '/api/v1/server'],
        ['GET', '/api/openapi.json'],
        ['POST', '/api/v1/webhooks'],
      ])
        assert.deepEqual(code(await as('metrics', method!, url!, method === 'POST' ? {} : undefined)), [
          403,
          'SCOPE_INSUFFICIENT',
        ]);

      assert.equal((await as('admin', 'GET', '/api/v1/api-keys')).statusCode, 200);
      assert.equal((await as('admin', 'GET', '/metrics')).statusCode, 200);
    });

    test('unsafe requests with the session cookie must come from this server\u2019s own host and origin', async () => {
      const signIn = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { password: PASSWORD } });
      const cookie = (signIn.headers['set-cookie'] as string).split(';')[0]!;
      const csrf = signIn.json().csrfToken as string;
      const body = JSON.stringify({ name: 'via-session', scope: 'read' });
      const post = (headers: Record<string, string>) =>
        rawRequest(
          port,
          'POST /api/v1/api-keys HTTP/1.1',
          { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json', ...headers },
          body,
        );
      const attacks: Record<string, string>[] = [
        { host: `rebind.attacker.example:${port}` },
        { origin: 'https://attacker.example' },
        { origin: 'null' },
        { origin: `http://127.0.0.1:${port + 1}` },
      ];
      for (const headers of attacks) {
        const answer = await post(headers);
        assert.equal(answer.status, 403, JSON.stringify(headers));
        assert.equal(JSON.parse(answer.body).error.code, 'ORIGIN_NOT_ALLOWED');
      }
      // The CSRF check holds whatever the path's spelling.
      const encoded = await rawRequest(
        port,
        'POST /%61pi/v1/api-keys HTTP/1.1',
        { cookie, 'content-type': 'application/json' },
        body,
      );
      assert.equal(JSON.parse(encoded.body).error.code, 'CSRF_TOKEN_INVALID');
      for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`]) {
        const answer = await post({ origin, host: new URL(origin).host });
        assert.ok(answer.status === 201 || answer.status === 409, `${origin}: ${answer.status} ${answer.body}`);
      }
      // A public route's form post acts for nobody: the cookie gives it nothing, so it needs no CSRF token either.
      const form = await rawRequest(
        port,
        'POST /connect/microsoft HTTP/1.1',
        { cookie, origin: 'https://attacker.example', 'content-type': 'application/x-www-form-urlencoded' },
        'integration=acme',
      );
      assert.equal(form.status, 401, form.body);
      assert.match(form.body, /data-error-code="CONNECT_LINK_INVALID"/);
      // Safe requests and API keys are not bound to a host: a script or a proxy may call the API.
      assert.equal(
        (await rawRequest(port, 'GET /api/v1/connections HTTP/1.1', { cookie, host: 'x.example' })).status,
        200,
      );
    });

    test('API answers are never cached; each request is logged with who made it, by key name', async () => {
      const answer = await app.inject({ url: '/api/v1/connections', headers: bearer('read') });
      assert.equal(answer.headers['cache-control'], 'no-store');
      assert.equal((await app.inject({ url: '/api/v1/nope' })).headers['cache-control'], 'no-store');
      assert.equal((await app.inject({ url: '/connect/microsoft/callback' })).headers['cache-control'], 'no-store');
      const line = logLines.map((l) => JSON.parse(l)).find((l) => l.msg === 'request' && l.by === 'apiKey:read key');
      assert.ok(line, 'a request line names the key');
      assert.equal(line.route, '/api/v1/connections');
      assert.ok(!logLines.join('').includes(keys.read), 'never the key itself');
    });

    test('only the intended routes are public, as the OpenAPI document says', async () => {
      const doc = (await app.inject({ url: '/api/openapi.json', headers: bearer('admin') })).json();
      const open = Object.entries(doc.paths as Record<string, Record<string, { security?: unknown[] }>>)
        .flatMap(([path, ops]) =>
          Object.entries(ops)
            .filter(([, op]) => Array.isArray(op.security) && op.security.length === 0)
            .map(([method]) => `${method.toUpperCase()} ${path}`),
        )
        .sort();
      assert.deepEqual(open, [
        'GET /api/v1/session',
        'GET /connect/microsoft',
        'GET /connect/microsoft/callback',
        'GET /healthz',
        'GET /readyz',
        'POST /api/v1/session',
        'POST /api/v1/session/setup',
        'POST /connect/microsoft',
        // Microsoft Graph cannot authenticate: each notification must carry its subscription's client state.
        'POST /notifications/microsoft',
        'POST /notifications/microsoft/lifecycle',
      ]);
    });
  });
}
