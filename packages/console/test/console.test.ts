import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { ApiError, api, connectFlowPath, whenSessionLost } from '../src/api';
import { connectionFieldErrors, integrationFieldErrors, webhookFieldErrors } from '../src/fieldErrors';
import { feedEntryLabel, formatDuration, formatMilliseconds } from '../src/format';
import { matchRoute } from '../src/router';
import { looksLikeSecretId } from '../src/secrets';

describe('matchRoute', () => {
  it('knows the console pages', () => {
    assert.deepEqual(matchRoute('/'), { page: 'connections' });
    assert.deepEqual(matchRoute('/connections/new'), { page: 'add-connection' });
    assert.deepEqual(matchRoute('/connections/new/'), { page: 'add-connection' });
    assert.deepEqual(matchRoute('/connections/a%20b'), { page: 'connection', id: 'a b' });
    assert.deepEqual(matchRoute('/connections/1/extra'), { page: 'not-found' });
    assert.deepEqual(matchRoute('/integrations'), { page: 'integrations' });
    assert.deepEqual(matchRoute('/integrations/'), { page: 'integrations' });
    assert.deepEqual(matchRoute('/integrations/acme'), { page: 'not-found' });
    assert.deepEqual(matchRoute('/webhooks'), { page: 'webhooks' });
    assert.deepEqual(matchRoute('/webhooks/'), { page: 'webhooks' });
    assert.deepEqual(matchRoute('/webhooks/w1'), { page: 'not-found' });
  });
});

describe('connectFlowPath', () => {
  it("is the server's connect page for the integration, its name escaped", () => {
    assert.equal(connectFlowPath('acme-crm'), '/connect/microsoft?integration=acme-crm');
    assert.equal(connectFlowPath('a&b=c'), '/connect/microsoft?integration=a%26b%3Dc');
  });
});

describe('looksLikeSecretId', () => {
  it('flags a GUID, the Secret ID, but not a secret Value', () => {
    assert.equal(looksLikeSecretId(' 3f2504e0-4f89-11d3-9a0c-0305e82c3301 '), true);
    assert.equal(looksLikeSecretId('Zx58Q~vWqQ4f.mGsl-2H_3kLpbf8aNc1zPDbKc7E'), false);
    assert.equal(looksLikeSecretId('3f2504e0-4f89'), false);
  });
});

describe('formatDuration', () => {
  it('counts seconds, then minutes and seconds, then hours and minutes', () => {
    assert.equal(formatDuration(0), '0 s');
    assert.equal(formatDuration(44.6), '45 s');
    assert.equal(formatDuration(120), '2 min');
    assert.equal(formatDuration(185), '3 min 5 s');
    assert.equal(formatDuration(7260), '2 h 1 min');
    assert.equal(formatDuration(-3), '0 s');
  });
});

describe('formatMilliseconds', () => {
  it('counts milliseconds under a second, then seconds to a tenth, then as formatDuration', () => {
    assert.equal(formatMilliseconds(0), '0 ms');
    assert.equal(formatMilliseconds(84.6), '85 ms');
    assert.equal(formatMilliseconds(1234), '1.2 s');
    assert.equal(formatMilliseconds(10_000), '10 s');
    assert.equal(formatMilliseconds(185_000), '3 min 5 s');
    assert.equal(formatMilliseconds(-5), '0 ms');
  });
});

describe('feedEntryLabel', () => {
  it('names an entry by its display name, else its sign-in name, else its ID', () => {
    assert.equal(
      feedEntryLabel({ id: 'u1', data: { displayName: 'Adele Vance', userPrincipalName: 'a@x' } }),
      'Adele Vance',
    );
    assert.equal(
      feedEntryLabel({ id: 'u1', data: { displayName: ' ', userPrincipalName: 'adele@contoso.com' } }),
      'adele@contoso.com',
    );
    assert.equal(feedEntryLabel({ id: 'g1:u1', data: { groupId: 'g1', memberId: 'u1' } }), 'g1:u1');
    assert.equal(feedEntryLabel({ id: 'u2', data: null }), 'u2');
  });
});

describe('connectionFieldErrors', () => {
  it('puts each detail beside its field and keeps the rest', () => {
    const { byField, other } = connectionFieldErrors([
      { path: 'clientSecret', message: 'This is the Secret ID.' },
      { path: 'tenant', message: 'Not a tenant.' },
      { path: 'settings.testUser', message: 'Not a UPN.' },
      { path: 'features.1', message: 'Unknown feature.' },
      { path: 'cloud', message: 'Unknown cloud.' },
    ]);
    assert.deepEqual(byField, {
      clientSecret: 'This is the Secret ID.',
      tenantId: 'Not a tenant.',
      testUser: 'Not a UPN.',
      features: 'Unknown feature.',
    });
    assert.deepEqual(other, [{ path: 'cloud', message: 'Unknown cloud.' }]);
  });
});

describe('integrationFieldErrors', () => {
  it('puts each detail beside its field and keeps the rest', () => {
    const { byField, other } = integrationFieldErrors([
      { path: 'name', message: 'Too long.' },
      { path: 'returnUrl', message: 'Required.' },
      { path: 'features', message: 'Too few.' },
      { path: 'features.0', message: 'Unknown feature.' },
      { path: 'cloud', message: 'Unknown cloud.' },
    ]);
    assert.deepEqual(byField, { name: 'Too long.', returnUrl: 'Required.', features: 'Too few. Unknown feature.' });
    assert.deepEqual(other, [{ path: 'cloud', message: 'Unknown cloud.' }]);
  });
});

describe('webhookFieldErrors', () => {
  it('puts each detail beside its field and keeps the rest', () => {
    const { byField, other } = webhookFieldErrors([
      { path: 'url', message: 'Required.' },
      { path: 'models.1', message: 'Too long.' },
      { path: 'description', message: 'Too long.' },
      { path: 'enabled', message: 'Not a boolean.' },
    ]);
    assert.deepEqual(byField, { url: 'Required.', models: 'Too long.', description: 'Too long.' });
    assert.deepEqual(other, [{ path: 'enabled', message: 'Not a boolean.' }]);
  });
});

describe('api', () => {
  const realFetch = globalThis.fetch;
  afterEach(() => {
    globalThis.fetch = realFetch;
    whenSessionLost(() => {});
  });

  function answer(...responses: Response[]): RequestInit[] {
    const seen: RequestInit[] = [];
    globalThis.fetch = async (_url, init) => {
      seen.push(init ?? {});
      const next = responses.shift();
      if (!next) throw new TypeError('no more answers');
      return next;
    };
    return seen;
  }
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

  it('sends the session CSRF token with writes, not with reads', async () => {
    const seen = answer(
      json(200, { authenticated: true, needsSetup: false, csrfToken: 'token-1' }),
      json(200, { connections: [] }),
      new Response(null, { status: 204 }),
    );
    await api.signIn('correct horse battery');
    await api.listConnections();
    await api.removeConnection('c1');
    const headers = seen.map((init) => new Headers(init.headers));
    assert.equal(headers[0]?.get('content-type'), 'application/json');
    assert.equal(headers[1]?.get('x-csrf-token'), null);
    assert.equal(headers[2]?.get('x-csrf-token'), 'token-1');
    assert.ok(seen.every((init) => init.credentials === 'same-origin'));
  });

  it('calls the integration and connect endpoints with their methods and bodies', async () => {
    const urls: string[] = [];
    const seen = answer(
      json(200, { integrations: [] }),
      json(201, { url: 'https://tl.example/connect/microsoft?token=t', expiresAt: '2030-01-01T00:15:00.000Z' }),
      json(201, { flowId: 'f/1', userCode: 'ABCD', verificationUri: 'https://microsoft.com/devicelogin' }),
      json(200, { status: 'connected', connection: 'c1' }),
      new Response(null, { status: 204 }),
    );
    const answering = globalThis.fetch;
    globalThis.fetch = async (url, init) => {
      urls.push(`${init?.method} ${String(url)}`);
      return answering(url, init);
    };
    assert.deepEqual(await api.listIntegrations(), []);
    assert.equal((await api.createConnectLink({ integration: 'acme' })).expiresAt, '2030-01-01T00:15:00.000Z');
    assert.equal((await api.startDeviceCode({ integration: 'acme' })).flowId, 'f/1');
    assert.deepEqual(await api.getDeviceCodeStatus('f/1'), { status: 'connected', connection: 'c1' });
    await api.removeIntegration('i 1');
    assert.deepEqual(urls, [
      'GET /api/v1/integrations',
      'POST /api/v1/connect-sessions',
      'POST /api/v1/connect/device-code',
      'GET /api/v1/connect/device-code/f%2F1',
      'DELETE /api/v1/integrations/i%201',
    ]);
    assert.deepEqual(JSON.parse(String(seen[1]?.body)), { integration: 'acme' });
    assert.deepEqual(JSON.parse(String(seen[2]?.body)), { integration: 'acme' });
  });

  it('calls the directory sync and change-feed endpoints with their methods and bodies', async () => {
    const urls: string[] = [];
    const run = { id: 'r1', status: 'queued', requestedFull: true };
    const seen = answer(
      json(202, { run }),
      json(202, { run: { ...run, id: 'r2', requestedFull: false } }),
      json(200, { run, stored: { users: 3, groups: 1, memberships: 2 }, lastSeq: 42 }),
      json(200, { records: [{ seq: 42, model: 'users', id: 'u1', action: 'upsert', data: {} }], nextSince: 42 }),
      json(200, { records: [], nextSince: 0 }),
    );
    const answering = globalThis.fetch;
    globalThis.fetch = async (url, init) => {
      urls.push(`${init?.method} ${String(url)}`);
      return answering(url, init);
    };
    assert.equal((await api.startDirectorySync('c 1', { full: true })).id, 'r1');
    assert.equal((await api.startDirectorySync('c 1')).id, 'r2');
    const state = await api.getDirectorySync('c 1');
    assert.deepEqual([state.stored.users, state.lastSeq], [3, 42]);
    assert.equal((await api.listRecords('c 1', 'all', { since: 32, limit: 10 })).nextSince, 42);
    await api.listRecords('c 1', 'users');
    assert.deepEqual(urls, [
      'POST /api/v1/connections/c%201/sync/directory',
      'POST /api/v1/connections/c%201/sync/directory',
      'GET /api/v1/connections/c%201/sync/directory',
      'GET /api/v1/connections/c%201/records/all?since=32&limit=10',
      'GET /api/v1/connections/c%201/records/users',
    ]);
    assert.deepEqual(JSON.parse(String(seen[0]?.body)), { full: true });
    assert.deepEqual(JSON.parse(String(seen[1]?.body)), {});
    assert.equal(seen[2]?.body, undefined);
  });

  it('calls the webhook endpoints with their methods and bodies', async () => {
    const urls: string[] = [];
    const webhook = { id: 'w 1', url: 'https://app.example.com/hooks', enabled: true, cursors: [] };
    const cursor = { connectionId: 'c1', lastSeq: 0, feedLastSeq: 42, attempts: 0, failing: false };
    const seen = answer(
      json(200, { webhooks: [webhook] }),
      json(201, { webhook, secret: 'whsec_1' }),
      json(200, { webhook }),
      json(200, { webhook: { ...webhook, enabled: false } }),
      json(200, { deliveries: [{ id: 'd1', fromSeq: 1, toSeq: 3, statusCode: 204 }] }),
      json(200, { deliveries: [] }),
      json(202, { cursor }),
      json(202, { cursor }),
      new Response(null, { status: 204 }),
    );
    const answering = globalThis.fetch;
    globalThis.fetch = async (url, init) => {
      urls.push(`${init?.method} ${String(url)}`);
      return answering(url, init);
    };
    assert.equal((await api.listWebhooks())[0]?.id, 'w 1');
    const input = { url: 'https://app.example.com/hooks', connection: 'c1', models: ['users', 'groups'] };
    assert.deepEqual(await api.createWebhook(input), { webhook, secret: 'whsec_1' });
    assert.equal((await api.getWebhook('w 1')).url, webhook.url);
    assert.equal((await api.updateWebhook('w 1', { enabled: false })).enabled, false);
    assert.equal((await api.listWebhookDeliveries('w 1', { connection: 'c1', limit: 20 }))[0]?.toSeq, 3);
    assert.deepEqual(await api.listWebhookDeliveries('w 1'), []);
    assert.equal((await api.replayWebhook('w 1', { connection: 'c1', since: 0 })).feedLastSeq, 42);
    await api.replayWebhook('w 1', { connection: 'c1' });
    await api.removeWebhook('w 1');
    assert.deepEqual(urls, [
      'GET /api/v1/webhooks',
      'POST /api/v1/webhooks',
      'GET /api/v1/webhooks/w%201',
      'PATCH /api/v1/webhooks/w%201',
      'GET /api/v1/webhooks/w%201/deliveries?connection=c1&limit=20',
      'GET /api/v1/webhooks/w%201/deliveries',
      'POST /api/v1/webhooks/w%201/replay',
      'POST /api/v1/webhooks/w%201/replay',
      'DELETE /api/v1/webhooks/w%201',
    ]);
    assert.deepEqual(JSON.parse(String(seen[1]?.body)), input);
    assert.equal(seen[2]?.body, undefined);
    assert.deepEqual(JSON.parse(String(seen[3]?.body)), { enabled: false });
    assert.deepEqual(JSON.parse(String(seen[6]?.body)), { connection: 'c1', since: 0 });
    assert.deepEqual(JSON.parse(String(seen[7]?.body)), { connection: 'c1' });
    assert.equal(seen[8]?.body, undefined);
  });

  it('reports a lost session on 401, but not a wrong password', async () => {
    let lost = 0;
    whenSessionLost(() => lost++);
    answer(
      json(401, { error: { code: 'WRONG_PASSWORD', message: 'Wrong password.' } }),
      json(401, { error: { code: 'UNAUTHENTICATED', message: 'Sign in.' } }),
    );
    await assert.rejects(api.signIn('nope'), { code: 'WRONG_PASSWORD', message: 'Wrong password.' });
    assert.equal(lost, 0);
    await assert.rejects(api.listConnections(), ApiError);
    assert.equal(lost, 1);
  });

  it('turns error bodies, bare statuses and network failures into ApiErrors', async () => {
    answer(
      json(400, {
        error: {
          code: 'INVALID_INPUT',
          message: 'Invalid.',
          fix: 'Fix it.',
          details: [{ path: 'name', message: 'x' }],
        },
      }),
      new Response('<html>Bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }),
    );
    await assert.rejects(
      api.createConnection({ name: '', tenantId: '', clientId: '', authMode: 'secret', features: [] }),
      {
        status: 400,
        code: 'INVALID_INPUT',
        fix: 'Fix it.',
        details: [{ path: 'name', message: 'x' }],
      },
    );
    await assert.rejects(api.getServer(), {
      status: 502,
      code: 'HTTP_502',
      message: 'The server answered 502 Bad Gateway.',
    });
    await assert.rejects(api.getServer(), { status: 0, code: 'NETWORK' });
  });
});
