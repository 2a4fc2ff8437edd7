import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fetch } from 'undici';
import { createApiKey } from '../src/server/auth/api-keys.js';
import { type RunningServer, startServer } from '../src/server/start.js';
import { apiKeysRepository } from '../src/store/api-keys-repository.js';
import { type AuthSandbox, type Json, startAuthSandbox } from './helpers/auth-sandbox.js';

const PASSWORD = 'a long admin password';

/** The value of one sample line of the Prometheus text, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('Graph requests of the server’s connections at /metrics', () => {
  let s: AuthSandbox;
  let server: RunningServer;
  let adminKey: string;
  let metricsKey: string;

  before(async () => {
    s = await startAuthSandbox();
    server = await startServer({
      dataDir: mkdtempSync(join(tmpdir(), 'tl-graph-metrics-')),
      port: 0,
      demo: false,
      consoleDir: null,
      env: {},
      adminPassword: PASSWORD,
      customClouds: [s.cloud],
    });
    adminKey = (await createApiKey(apiKeysRepository(server.store), 'admin')).key;
    metricsKey = (await createApiKey(apiKeysRepository(server.store), 'scraper', 'metrics')).key;
  });
  after(async () => {
    await server?.close();
    await s?.close();
  });

  test('a throttled user read through a connection: requests by route template and tenant, the 429, the retry, the latency', async () => {
    const app: Json = await s.createApp({
      displayName: 'Metrics App',
      requiredPermissions: { application: ['User.Read.All'] },
      grantAdminConsent: true,
      secret: {},
    });
    const added = await fetch(`${server.url}/api/v1/connections`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'contoso',
        tenantId: s.tenantId,
        clientId: app.appId,
        authMode: 'secret',
        clientSecret: app.secret.value,
        features: ['directory'],
        cloud: { authorityHost: s.cloud.authorityHost, graphEndpoint: s.cloud.graphEndpoint },
      }),
    });
    assert.equal(added.status, 201, await added.text());
    const user: Json = await s.control('POST', `/tenants/${s.tenantId}/users`, { displayName: 'Megan Bowen' });
    // Graph throttles the first read (Retry-After: 0); the client retries it.
    await s.control('POST', '/faults', { pathPattern: '/v1.0/users/*', status: 429, retryAfterSeconds: 0, count: 1 });

    const graph = await server.service.graphClient('contoso');
    const read = await graph.get<{ id: string }>(`/users/${encodeURIComponent(user.userPrincipalName)}`, {
      select: ['id'],
    });
    assert.equal(read.id, user.id);

    const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${metricsKey}` } });
    assert.equal(res.status, 200);
    const text = await res.text();
    const labels = `route="/users/{id}",tenant="${s.tenantId}"`;
    assert.equal(sample(text, `tenantlink_graph_requests_total{method="GET",${labels},status="429"}`), 1);
    assert.equal(sample(text, `tenantlink_graph_requests_total{method="GET",${labels},status="200"}`), 1);
    assert.equal(sample(text, `tenantlink_graph_throttled_total{${labels}}`), 1);
    assert.equal(sample(text, `tenantlink_graph_retries_total{${labels}}`), 1);
    assert.equal(sample(text, 'tenantlink_graph_request_duration_seconds_count{method="GET",route="/users/{id}"}'), 2);
    const seconds = sample(text, 'tenantlink_graph_request_duration_seconds_sum{method="GET",route="/users/{id}"}');
    assert.ok(seconds !== undefined && seconds > 0 && seconds < 10, `latency observed: ${seconds} s`);
    // The server's own metrics are in the same registry.
    assert.match(text, /tenantlink_http_requests_total\{method="POST",route="\/api\/v1\/connections",status="201"\} 1/);
    for (const secret of [user.userPrincipalName, encodeURIComponent(user.userPrincipalName), user.id])
      assert.ok(!text.includes(secret), `no label carries ${secret}`);
  });
});
