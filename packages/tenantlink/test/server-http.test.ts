import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fetch } from 'undici';
import { createApiKey } from '../src/server/auth/api-keys.js';
import { type RunningServer, startServer } from '../src/server/start.js';
import { apiKeysRepository } from '../src/store/api-keys-repository.js';

describe('tenantlink serve over real HTTP, in demo mode', () => {
  let server: RunningServer;
  let key: string;
  const dataDir = mkdtempSync(join(tmpdir(), 'tl-serve-'));

  before(async () => {
    server = await startServer({ dataDir, port: 0, adminPassword: 'a long admin password', consoleDir: null, env: {} });
    key = (await createApiKey(apiKeysRepository(server.store), 'http')).key;
  });
  after(() => server.close());

  test('with no connection configured, a sandbox tenant starts with a demo connection that passes its test', async () => {
    const headers = { authorization: `Bearer ${key}` };
    const info = (await (await fetch(`${server.url}/api/v1/server`, { headers })).json()) as Record<string, unknown>;
    assert.deepEqual(info, { version: '0.1.0', demo: true, demoConnection: 'demo' });
    const res = await fetch(`${server.url}/api/v1/connections/demo/test`, { method: 'POST', headers });
    assert.equal(res.status, 200);
    const { test: run } = (await res.json()) as { test: { ok: boolean; checks: { status: string }[] } };
    assert.equal(run.ok, true);
    assert.ok(run.checks.filter((c) => c.status === 'pass').length >= 6);
  });

  test('a session cookie over HTTP: set on sign-in, sent back, refused for unsafe requests without CSRF', async () => {
    const signIn = await fetch(`${server.url}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ password: 'a long admin password' }),
    });
    assert.equal(signIn.status, 200);
    const { csrfToken } = (await signIn.json()) as { csrfToken: string };
    const cookie = signIn.headers.getSetCookie()[0]!.split(';')[0]!;
    const list = await fetch(`${server.url}/api/v1/connections`, { headers: { cookie } });
    assert.equal(list.status, 200);
    const body = {
      name: 'via-cookie',
      tenantId: 'contoso.onmicrosoft.com',
      clientId: '00000000-0000-0000-0000-000000000001',
    };
    const refused = await fetch(`${server.url}/api/v1/connections`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ ...body, authMode: 'secret', clientSecret: 'x~secret-value' }),
    });
    assert.equal(refused.status, 403);
    const accepted = await fetch(`${server.url}/api/v1/connections`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json', 'x-csrf-token': csrfToken },
      body: JSON.stringify({ ...body, authMode: 'secret', clientSecret: 'x~secret-value', features: ['directory'] }),
    });
    assert.equal(accepted.status, 201, await accepted.text());
  });

  test('a restart with a real connection configured starts no demo tenant', async () => {
    await server.close();
    server = await startServer({ dataDir, port: 0, consoleDir: null, env: {} });
    assert.equal(server.demo, null);
    const res = await server.app.inject({
      url: '/api/v1/server',
      headers: { authorization: `Bearer ${key}` },
    });
    assert.equal(res.json().demo, false);
    const names = (await server.service.list()).map((c) => c.name);
    assert.deepEqual(names, ['via-cookie'], 'the stale demo connection was removed');
  });
});
