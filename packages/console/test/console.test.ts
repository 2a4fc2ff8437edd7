import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, type Connection, connectFlowPath, createApi, type Webhook } from '../src/api';
import { connectionFieldErrors, integrationFieldErrors, webhookFieldErrors } from '../src/display/fieldErrors';
import { formatDuration, formatMilliseconds, plural, relativeTime, shortId } from '../src/display/format';
import { connectionHealth, webhookHealth } from '../src/display/health';
import { looksLikeSecretId } from '../src/display/secrets';
import { describeChange, namesIn, recordName, unnamedIds } from '../src/features/directory/changeWording';
import { connectionPath, matchRoute, pageKey } from '../src/navigation/router';

describe('matchRoute', () => {
  it('knows the console pages', () => {
    assert.deepEqual(matchRoute('/'), { page: 'connections' });
    assert.deepEqual(matchRoute('/connections/new'), { page: 'add-connection' });
    assert.deepEqual(matchRoute('/connections/new/'), { page: 'add-connection' });
    assert.deepEqual(matchRoute('/connections/a%20b'), { page: 'connection', id: 'a b', tab: '' });
    assert.deepEqual(matchRoute('/connections/c1/directory'), { page: 'connection', id: 'c1', tab: 'directory' });
    assert.deepEqual(matchRoute('/connections/c1/settings/'), { page: 'connection', id: 'c1', tab: 'settings' });
    assert.deepEqual(matchRoute('/connections/%E0%A4%A/tests'), { page: 'connection', id: '%E0%A4%A', tab: 'tests' });
    assert.deepEqual(matchRoute('/connections/1/extra/more'), { page: 'not-found' });
    assert.deepEqual(matchRoute('/integrations'), { page: 'integrations' });
    assert.deepEqual(matchRoute('/integrations/'), { page: 'integrations' });
    assert.deepEqual(matchRoute('/integrations/acme'), { page: 'not-found' });
    assert.deepEqual(matchRoute('/webhooks'), { page: 'webhooks' });
    assert.deepEqual(matchRoute('/webhooks/'), { page: 'webhooks' });
    assert.deepEqual(matchRoute('/webhooks/w1'), { page: 'not-found' });
    assert.deepEqual(matchRoute('/jobs'), { page: 'jobs' });
  });
});

describe('connectionPath and pageKey', () => {
  it("addresses a connection's tabs, and counts its tabs as one page", () => {
    assert.equal(connectionPath('a b'), '/connections/a%20b');
    assert.equal(connectionPath('c1', 'directory'), '/connections/c1/directory');
    assert.equal(pageKey(matchRoute('/connections/c1')), pageKey(matchRoute('/connections/c1/tests')));
    assert.notEqual(pageKey(matchRoute('/connections/c1')), pageKey(matchRoute('/connections/c2')));
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

describe('plural', () => {
  it('reads naturally for one, none and many, with the plural given where it is not the noun plus s', () => {
    assert.equal(plural(1, 'error'), '1 error');
    assert.equal(plural(2, 'error'), '2 errors');
    assert.equal(plural(0, 'page'), '0 pages');
    assert.equal(plural(1, 'page'), '1 page');
    assert.equal(plural(1, 'entry', 'entries'), '1 entry');
    assert.equal(plural(3, 'entry', 'entries'), '3 entries');
  });
});

describe('relativeTime', () => {
  const now = Date.parse('2030-06-15T12:00:00Z');
  const ago = (seconds: number) => new Date(now - seconds * 1000).toISOString();
  it('says how long ago, in the largest unit that fits, rounded', () => {
    assert.equal(relativeTime(ago(10), now), 'just now');
    assert.equal(relativeTime(ago(-10), now), 'just now');
    assert.equal(relativeTime(ago(60), now), '1 minute ago');
    assert.equal(relativeTime(ago(3 * 60), now), '3 minutes ago');
    assert.equal(relativeTime(ago(59 * 60 + 50), now), '1 hour ago');
    assert.equal(relativeTime(ago(5 * 3600), now), '5 hours ago');
    assert.equal(relativeTime(ago(24 * 3600), now), 'yesterday');
    assert.equal(relativeTime(ago(3 * 86_400), now), '3 days ago');
    assert.equal(relativeTime(ago(65 * 86_400), now), '2 months ago');
    assert.equal(relativeTime(ago(800 * 86_400), now), '2 years ago');
  });
  it('says how soon, for a moment ahead', () => {
    assert.equal(relativeTime(ago(-2 * 3600), now), 'in 2 hours');
    assert.equal(relativeTime(ago(-24 * 3600), now), 'tomorrow');
  });
});

describe('shortId', () => {
  it('keeps the start and the end of a long ID, and short ones whole', () => {
    assert.equal(shortId('3f2504e0-4f89-11d3-9a0c-0305e82c3301'), '3f2504e0…3301');
    assert.equal(shortId('c1'), 'c1');
    assert.equal(shortId('sixteen-chars-id'), 'sixteen-chars-id');
  });
});

describe('health pills', () => {
  const now = Date.parse('2030-06-15T12:00:00Z');
  const connection = (health: Partial<Connection['health']>, secrets = [{ kind: 'client_secret', updatedAt: '' }]) =>
    ({
      authMode: 'secret',
      secrets,
      health: { lastTest: null, secretExpiresAt: null, ...health },
    }) as unknown as Connection;
  const test = (fields: Partial<NonNullable<Connection['health']['lastTest']>>) => ({
    id: 't1',
    at: '2030-06-15T11:00:00Z',
    ok: true,
    errors: 0,
    warnings: 0,
    token: 'ok' as const,
    ...fields,
  });

  it("shows the worst of a connection's problems, and the others beside it", () => {
    assert.deepEqual(connectionHealth(connection({ lastTest: test({}) }), now), {
      tone: 'ok',
      label: 'Healthy',
      detail: 'test passed',
    });
    assert.equal(connectionHealth(connection({}), now).label, 'Not tested');
    assert.deepEqual(
      connectionHealth(connection({ lastTest: test({ ok: false, errors: 2 }), secretExpiresAt: '2030-06-20' }), now),
      { tone: 'error', label: 'Test failed', detail: '2 errors · secret expires in 5 days' },
    );
    assert.equal(
      connectionHealth(connection({ lastTest: test({ ok: false, errors: 1, token: 'failing' }) }), now).label,
      'No token',
    );
    assert.equal(connectionHealth(connection({ lastTest: test({}) }, []), now).label, 'No credential');
    assert.equal(
      connectionHealth(connection({ lastTest: test({}), secretExpiresAt: '2030-06-01' }), now).label,
      'Secret expired',
    );
  });

  it("shows a webhook's real status, never on while its deliveries fail", () => {
    const webhook = (status: Webhook['status'], enabled = true) =>
      ({ status, enabled, cursors: [] }) as unknown as Webhook;
    assert.deepEqual(
      ['active', 'retrying', 'failing', 'disabled'].map((s) => webhookHealth(webhook(s as Webhook['status'])).label),
      ['Delivering', 'Retrying', 'Failing', 'Disabled'],
    );
    assert.equal(webhookHealth(webhook('failing')).tone, 'error');
  });
});

describe('recent changes in words', () => {
  const adele = {
    seq: 1,
    model: 'users',
    id: 'u-adele',
    action: 'upsert' as const,
    data: { displayName: 'Adele Vance' },
  };
  const team = {
    seq: 2,
    model: 'groups',
    id: 'g-team',
    action: 'upsert' as const,
    data: { displayName: 'Product Team' },
  };
  const joined = {
    seq: 3,
    model: 'memberships',
    id: 'g-team:u-adele',
    action: 'upsert' as const,
    data: { groupId: 'g-team', memberId: 'u-adele', memberType: 'user' },
  };

  it('names a record by its display name, else its sign-in name, else its mail', () => {
    assert.equal(recordName({ displayName: 'Adele Vance', userPrincipalName: 'a@x' }), 'Adele Vance');
    assert.equal(recordName({ displayName: ' ', userPrincipalName: 'adele@contoso.com' }), 'adele@contoso.com');
    assert.equal(recordName({ mail: 'team@contoso.com' }), 'team@contoso.com');
    assert.equal(recordName(null), undefined);
  });

  it('reads a membership as member → group, with the names the feed gave', () => {
    const names = namesIn([adele, team, joined]);
    assert.deepEqual(describeChange(joined, names), {
      subject: 'Adele Vance → Product Team',
      change: 'Joined the group',
    });
    assert.deepEqual(describeChange({ ...joined, action: 'delete', data: null }, names), {
      subject: 'Adele Vance → Product Team',
      change: 'Left the group',
    });
    assert.deepEqual(describeChange({ ...joined, action: 'delete', reason: 'outOfScope', data: null }, names), {
      subject: 'Adele Vance → Product Team',
      change: 'Left the group: left the synced scope',
    });
  });

  it('reads users and groups by name and says what happened to them', () => {
    const none = new Map<string, string>();
    assert.deepEqual(describeChange(adele, none), { subject: 'Adele Vance', change: 'User added or changed' });
    assert.deepEqual(
      describeChange({ ...team, action: 'delete', reason: 'softDeleted', data: null }, namesIn([team])),
      {
        subject: 'Product Team',
        change: 'Group deleted (restorable)',
      },
    );
  });

  it('shortens the IDs nobody named, and lists them to be looked up', () => {
    const group = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
    const member = '3f2504e0-4f89-11d3-9a0c-0305e82c3301';
    const membership = { ...joined, id: `${group}:${member}`, data: { groupId: group, memberId: member } };
    assert.deepEqual(describeChange(membership, new Map()), {
      subject: '3f2504e0…3301 → 0f1e2d3c…e1f0',
      change: 'Joined the group',
    });
    assert.deepEqual(unnamedIds([membership, adele], namesIn([adele])), [group, member]);
    assert.deepEqual(unnamedIds([joined], namesIn([adele, team])), []);
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
      { path: 'displayName', message: 'At most 80 characters.' },
      { path: 'logoUrl', message: 'Must be https://.' },
    ]);
    assert.deepEqual(byField, {
      name: 'Too long.',
      returnUrl: 'Required.',
      features: 'Too few. Unknown feature.',
      displayName: 'At most 80 characters.',
      logoUrl: 'Must be https://.',
    });
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
  /** What the fake server saw of one call. */
  interface Seen {
    call: string;
    headers: Headers;
    credentials: RequestCredentials;
    body: unknown;
  }

  /** An API on a fake server that gives these answers in turn, and what it saw of each call. */
  function answering(...responses: Response[]) {
    const seen: Seen[] = [];
    const api = createApi({
      baseUrl: 'http://console.test',
      fetch: async (request) => {
        const text = await request.text();
        const url = new URL(request.url);
        seen.push({
          call: `${request.method} ${url.pathname}${url.search}`,
          headers: request.headers,
          credentials: request.credentials,
          body: text ? JSON.parse(text) : undefined,
        });
        const next = responses.shift();
        if (!next) throw new TypeError('no more answers');
        return next;
      },
    });
    return { api, seen, calls: () => seen.map((s) => s.call) };
  }
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  const noContent = () => new Response(null, { status: 204 });

  it('sends the session CSRF token with writes, not with reads', async () => {
    const { api, seen } = answering(
      json(200, { authenticated: true, needsSetup: false, csrfToken: 'token-1' }),
      json(200, { connections: [] }),
      noContent(),
    );
    await api.signIn('correct horse battery');
    await api.listConnections();
    await api.removeConnection('c1');
    assert.equal(seen[0]?.headers.get('content-type'), 'application/json');
    assert.deepEqual(seen[0]?.body, { password: 'correct horse battery' });
    assert.equal(seen[1]?.headers.get('x-csrf-token'), null);
    assert.equal(seen[2]?.headers.get('x-csrf-token'), 'token-1');
    assert.ok(seen.every((s) => s.credentials === 'same-origin'));
  });

  it('calls the integration and connect endpoints with their methods and bodies', async () => {
    const { api, seen, calls } = answering(
      json(200, { integrations: [] }),
      json(201, { url: 'https://tl.example/connect/microsoft?token=t', expiresAt: '2030-01-01T00:15:00.000Z' }),
      json(201, { flowId: 'f/1', userCode: 'ABCD', verificationUri: 'https://microsoft.com/devicelogin' }),
      json(200, { status: 'connected', connection: 'c1' }),
      noContent(),
    );
    assert.deepEqual(await api.listIntegrations(), []);
    assert.equal((await api.createConnectLink({ integration: 'acme' })).expiresAt, '2030-01-01T00:15:00.000Z');
    assert.equal((await api.startDeviceCode({ integration: 'acme' })).flowId, 'f/1');
    assert.deepEqual(await api.getDeviceCodeStatus('f/1'), { status: 'connected', connection: 'c1' });
    await api.removeIntegration('i 1');
    assert.deepEqual(calls(), [
      'GET /api/v1/integrations',
      'POST /api/v1/connect-sessions',
      'POST /api/v1/connect/device-code',
      'GET /api/v1/connect/device-code/f%2F1',
      'DELETE /api/v1/integrations/i%201',
    ]);
    assert.deepEqual(seen[1]?.body, { integration: 'acme' });
    assert.deepEqual(seen[2]?.body, { integration: 'acme' });
  });

  it('calls the directory sync and change-feed endpoints with their methods and bodies', async () => {
    const run = { id: 'r1', status: 'queued', requestedFull: true };
    const { api, seen, calls } = answering(
      json(202, { run }),
      json(202, { run: { ...run, id: 'r2', requestedFull: false } }),
      json(200, { run, stored: { users: 3, groups: 1, memberships: 2 }, lastSeq: 42 }),
      json(200, { records: [{ seq: 42, model: 'users', id: 'u1', action: 'upsert', data: {} }], nextSince: 42 }),
      json(200, { records: [], nextSince: 0 }),
    );
    assert.equal((await api.startDirectorySync('c 1', { full: true })).id, 'r1');
    assert.equal((await api.startDirectorySync('c 1')).id, 'r2');
    const state = await api.getDirectorySync('c 1');
    assert.deepEqual([state.stored['users'], state.lastSeq], [3, 42]);
    assert.equal((await api.listRecords('c 1', 'all', { since: 32, limit: 10 })).nextSince, 42);
    await api.listRecords('c 1', 'users');
    assert.deepEqual(calls(), [
      'POST /api/v1/connections/c%201/sync/directory',
      'POST /api/v1/connections/c%201/sync/directory',
      'GET /api/v1/connections/c%201/sync/directory',
      'GET /api/v1/connections/c%201/records/all?since=32&limit=10',
      'GET /api/v1/connections/c%201/records/users',
    ]);
    assert.deepEqual(seen[0]?.body, { full: true });
    assert.deepEqual(seen[1]?.body, {});
    assert.equal(seen[2]?.body, undefined);
  });

  it('calls the webhook endpoints with their methods and bodies', async () => {
    const webhook = { id: 'w 1', url: 'https://app.example.com/hooks', enabled: true, cursors: [] };
    const cursor = { connectionId: 'c1', lastSeq: 0, feedLastSeq: 42, attempts: 0, failing: false };
    const { api, seen, calls } = answering(
      json(200, { webhooks: [webhook] }),
      json(201, { webhook, secret: 'whsec_1' }),
      json(200, { webhook }),
      json(200, { webhook: { ...webhook, enabled: false } }),
      json(200, { deliveries: [{ id: 'd1', fromSeq: 1, toSeq: 3, statusCode: 204 }] }),
      json(200, { deliveries: [] }),
      json(202, { cursor }),
      json(202, { cursor }),
      noContent(),
    );
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
    assert.deepEqual(calls(), [
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
    assert.deepEqual(seen[1]?.body, input);
    assert.equal(seen[2]?.body, undefined);
    assert.deepEqual(seen[3]?.body, { enabled: false });
    assert.deepEqual(seen[6]?.body, { connection: 'c1', since: 0 });
    assert.deepEqual(seen[7]?.body, { connection: 'c1' });
    assert.equal(seen[8]?.body, undefined);
  });

  it('reports a lost session on 401, but not a wrong password', async () => {
    let lost = 0;
    const { api } = answering(
      json(401, { error: { code: 'WRONG_PASSWORD', message: 'Wrong password.' } }),
      json(401, { error: { code: 'UNAUTHENTICATED', message: 'Sign in.' } }),
    );
    api.whenSessionLost(() => lost++);
    await assert.rejects(api.signIn('nope'), { code: 'WRONG_PASSWORD', message: 'Wrong password.' });
    assert.equal(lost, 0);
    await assert.rejects(api.listConnections(), ApiError);
    assert.equal(lost, 1);
  });

  it('turns error bodies, bare statuses and network failures into ApiErrors, and keeps an abort an abort', async () => {
    const { api } = answering(
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
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(api.getServer(controller.signal), (error: Error) => !(error instanceof ApiError));
  });
});
