import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Agent, fetch } from 'undici';
import { createApiKey } from '../src/server/auth/api-keys.js';
import { type RunningServer, startServer } from '../src/server/start.js';
import { apiKeysRepository } from '../src/store/api-keys-repository.js';
import type { Json } from './helpers/graph-sandbox.js';

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

  test('demo mode over HTTP receives the sandbox’s change notifications on an HTTPS listener of its own', async () => {
    const headers = { authorization: `Bearer ${key}` };
    const sandbox = new Agent({ connect: { ca: server.demo!.cloud.caCertPem! } });
    const control = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${server.demo!.authority}/_sandbox${path}`, {
        method,
        dispatcher: sandbox,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      assert.ok(res.status < 300, `${method} ${path}: ${res.status}`);
      return res.json() as Promise<Json>;
    };
    const subscriptions = async () =>
      (await (await fetch(`${server.url}/api/v1/connections/demo/subscriptions`, { headers })).json()) as Json;
    let view: Json;
    for (let i = 0; ; i++) {
      view = await subscriptions();
      if (view.subscriptions.length === 2 && view.subscriptions.every((x: Json) => x.state === 'active')) break;
      assert.ok(i < 150, JSON.stringify(view));
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(view.mode, 'notifications');
    assert.match(view.notificationUrl, /^https:\/\/localhost:\d+\/notifications\/microsoft$/);
    // The listener takes notifications only.
    const other = await fetch(view.notificationUrl.replace('/notifications/microsoft', '/api/v1/connections'), {
      dispatcher: sandbox,
      headers,
    });
    assert.equal(other.status, 404);

    const tenant = ((await control('GET', '/tenants')) as Json[])[0];
    const testUser = (await server.service.show('demo')).settings.testUser as string;
    const user = await control('GET', `/tenants/${tenant.id}/users/${encodeURIComponent(testUser)}`);
    await control('PATCH', `/tenants/${tenant.id}/users/${user.id}`, { displayName: 'Renamed in the demo' });
    for (let i = 0; ; i++) {
      const res = await fetch(`${server.url}/api/v1/connections/demo/records/users/current?ids=${user.id}`, {
        headers,
      });
      const record = ((await res.json()) as Json).records?.[0];
      if (record?.data?.displayName === 'Renamed in the demo') break;
      assert.ok(i < 150, 'the change reached the feed through a notification');
      await new Promise((r) => setTimeout(r, 100));
    }
    const run = (
      (await (await fetch(`${server.url}/api/v1/connections/demo/sync/directory`, { headers })).json()) as Json
    ).run;
    assert.equal(run.trigger, 'notification');
    await sandbox.close();
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
