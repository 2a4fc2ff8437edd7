import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, beforeEach, describe, test } from 'node:test';
import { TenantlinkError } from '../src/errors.js';
import { permissionForRoute } from '../src/features/index.js';
import type { GraphClient } from '../src/graph/client.js';
import { exponentialBackoffStrategy } from '../src/graph/retry-strategies/exponential-backoff-strategy.js';
import { retryAfterStrategy } from '../src/graph/retry-strategies/retry-after-strategy.js';
import { type GraphSandbox, type Json, startGraphSandbox } from './helpers/graph-sandbox.js';

interface User {
  id: string;
  displayName: string;
  jobTitle?: string;
}

async function failure(promise: Promise<unknown>): Promise<TenantlinkError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof TenantlinkError, `expected a TenantlinkError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the call to fail');
}

describe('graph pipeline against the sandbox', () => {
  let env: GraphSandbox;
  let getToken: (options?: { forceRefresh?: boolean }) => Promise<string>;
  let appId: string;
  let client: GraphClient;
  let mailboxUser: string;

  before(async () => {
    env = await startGraphSandbox({ users: 50 });
    ({ getToken, appId } = await env.app(['User.Read.All', 'GroupMember.Read.All', 'Mail.Read', 'Mail.ReadWrite']));
    client = env.client(getToken);
    const user = await env.control('POST', `/tenants/${env.tenantId}/users`, {
      displayName: 'Mailbox Tester',
      mailboxEnabled: true,
    });
    mailboxUser = user.id;
  });
  after(() => env.close());
  beforeEach(async () => {
    await env.control('DELETE', '/faults');
    await env.control('PUT', '/latency', { ms: 0 });
    await env.control('POST', '/stats/reset');
    client.resetMetrics();
  });

  test('sends a client-request-id that Graph echoes, and counts requests in metrics', async () => {
    const result = await client.request<{ value: User[] }>('GET', '/users', {
      select: ['id', 'displayName'],
      query: { $top: 5 },
    });
    assert.equal(result.body.value.length, 5);
    assert.deepEqual(Object.keys(result.body.value[0] ?? {}).sort(), ['id', 'displayName'].sort());
    const echoed = result.headers.get('client-request-id');
    assert.match(echoed ?? '', /^[0-9a-f-]{36}$/);
    assert.notEqual(echoed, result.headers.get('request-id'));
    const metrics = client.metrics();
    assert.equal(metrics.total.requests, 1);
    assert.equal(metrics.routes['GET /users']?.requests, 1);
    assert.equal(metrics.routes['GET /users']?.byStatus['200'], 1);
  });

  test('rides out a 429 storm, waiting what Retry-After says each time', async () => {
    await env.control('POST', '/faults', { pathPattern: '/v1.0/users*', status: 429, retryAfterSeconds: 1, count: 3 });
    const started = performance.now();
    const page = await client.get<{ value: User[] }>('/users', { select: ['id'], query: { $top: 3 } });
    const elapsed = performance.now() - started;
    assert.equal(page.value.length, 3);
    assert.ok(elapsed >= 3000, `waited ${elapsed} ms, Retry-After asked for 3 × 1 s`);
    assert.ok(elapsed < 6000, `waited ${elapsed} ms: far more than asked`);
    const stats = await env.control('GET', '/stats');
    assert.equal(stats.throttled, 3);
    // The sandbox's own clock: each retry was answered at least Retry-After (1 s) after the 429 before it.
    const answers = (stats.recent as { at: string; status: number }[]).slice(-4);
    assert.deepEqual(
      answers.map((a) => a.status),
      [429, 429, 429, 200],
    );
    for (let i = 1; i < answers.length; i++) {
      const gap = Date.parse(answers[i]!.at) - Date.parse(answers[i - 1]!.at);
      assert.ok(gap >= 1000, `retry ${i} was answered ${gap} ms after the 429 that asked for 1 s`);
    }
    const metrics = client.metrics();
    assert.equal(metrics.total.requests, 4);
    assert.equal(metrics.total.retries, 3);
    assert.equal(metrics.total.throttled, 3);
  });

  test('backs off exponentially on 503 without Retry-After, then gives up with the request-id', async () => {
    const bounded = env.client(getToken, {
      maxRetries: 3,
      retryStrategies: [retryAfterStrategy(), exponentialBackoffStrategy({ initialDelayMs: 100, maxDelayMs: 250 })],
    });
    await env.control('POST', '/faults', { pathPattern: '/v1.0/users*', status: 503, count: 10 });
    const started = performance.now();
    const err = await failure(bounded.get('/users', { select: ['id'] }));
    const elapsed = performance.now() - started;
    assert.equal(err.code, 'SERVICE_UNAVAILABLE');
    assert.equal(err.status, 503);
    assert.match(err.requestId ?? '', /^[0-9a-f-]{36}$/);
    assert.ok(err.diagnosis?.meaning.includes('3 retries'));
    // Ceilings 100, 200, 250 (capped), each between half and all of it: at least 50 + 100 + 125 ms, at most 550.
    assert.ok(elapsed >= 275, `backed off only ${elapsed} ms`);
    assert.ok(elapsed < 2000, `backed off ${elapsed} ms: the cap did not hold`);
    const stats = await env.control('GET', '/stats');
    assert.equal(stats.byStatus['503'], 4, 'one attempt and three retries');
    assert.equal(bounded.metrics().total.retries, 3);
  });

  test('keeps at most 4 requests in flight per mailbox; without the limit Outlook answers 429', async () => {
    await env.control('PUT', '/latency', { ms: 30 });
    const path = `/users/${mailboxUser}/messages`;
    const results = await Promise.all(
      Array.from({ length: 40 }, () => client.get<{ value: unknown[] }>(path, { select: ['id'], query: { $top: 1 } })),
    );
    assert.equal(results.length, 40);
    let stats = await env.control('GET', '/stats');
    assert.ok((stats.peakConcurrencyByMailbox[mailboxUser] ?? 0) <= 4, JSON.stringify(stats.peakConcurrencyByMailbox));
    assert.ok((stats.peakConcurrencyByMailbox[mailboxUser] ?? 0) >= 2, 'the requests did overlap');
    assert.equal(stats.byStatus['429'], undefined, 'no ApplicationThrottled');

    await env.control('POST', '/stats/reset');
    const unlimited = env.client(getToken, { perMailboxConcurrency: 100, maxRetries: 0 });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 40 }, () => unlimited.get(path, { select: ['id'], query: { $top: 1 } })),
    );
    const throttled = outcomes.filter(
      (o) => o.status === 'rejected' && (o.reason as TenantlinkError).code === 'THROTTLED',
    );
    stats = await env.control('GET', '/stats');
    assert.ok(throttled.length > 0, 'without the limiter the sandbox throttles');
    assert.ok(stats.byStatus['429'] > 0);
    const first = (throttled[0] as PromiseRejectedResult).reason as TenantlinkError;
    assert.equal(first.microsoftCode, 'ApplicationThrottled');
  });

  test('delta: a first round, then exactly the users churn updated', async () => {
    const select = ['id', 'displayName', 'jobTitle', 'officeLocation'];
    let deltaLink: string | undefined;
    let initial = 0;
    let pages = 0;
    for await (const page of client.delta<User>('/users/delta', { select })) {
      initial += page.items.length;
      pages += 1;
      if (page.nextLink) assert.equal(page.deltaLink, undefined);
      deltaLink = page.deltaLink ?? deltaLink;
    }
    assert.ok(initial >= 50, `first round saw ${initial}`);
    assert.ok(pages >= 1);
    assert.ok(deltaLink?.startsWith('https://'));
    const churn = await env.control('POST', `/tenants/${env.tenantId}/churn`, { usersUpdated: 5, seed: 1 });
    const changed: User[] = [];
    let nextDeltaLink: string | undefined;
    for await (const page of client.delta<User>(deltaLink as string)) {
      changed.push(...page.items);
      nextDeltaLink = page.deltaLink ?? nextDeltaLink;
    }
    assert.deepEqual(changed.map((u) => u.id).sort(), [...churn.usersUpdated].sort());
    assert.ok(changed.every((u) => typeof u.jobTitle === 'string'));
    assert.ok(nextDeltaLink && nextDeltaLink !== deltaLink);
  });

  test('batch: 45 requests in 3 calls, results in order, a throttled item retried', async () => {
    const users: User[] = [];
    for await (const u of client.paginate<User>('/users', { select: ['id', 'displayName'], top: 40 })) {
      users.push(u);
      if (users.length === 44) break;
    }
    const missing = randomUUID();
    const requests = [
      ...users.map((u) => ({ method: 'GET', url: `/users/${u.id}?$select=id,displayName` })),
      { method: 'GET', url: `/users/${missing}` },
    ];
    const throttledUser = users[7]?.id as string;
    await env.control('POST', '/faults', {
      pathPattern: `/v1.0/users/${throttledUser}*`,
      status: 429,
      retryAfterSeconds: 1,
      count: 1,
    });
    const started = performance.now();
    const results = await client.batch<User>(requests);
    const elapsed = performance.now() - started;
    assert.equal(results.length, 45);
    results.slice(0, 44).forEach((r, i) => {
      assert.equal(r.status, 200, `item ${i}: ${r.status}`);
      assert.equal(r.body?.id, users[i]?.id);
    });
    assert.equal(results[7]?.attempts, 2);
    assert.equal(results[0]?.attempts, 1);
    assert.ok(elapsed >= 1000, 'waited the item Retry-After');
    const last = results[44];
    assert.equal(last?.status, 404);
    assert.equal(last?.error?.code, 'NOT_FOUND');
    assert.equal(last?.error?.microsoftCode, 'Request_ResourceNotFound');
    const batchCalls = client.metrics().routes['POST /$batch']?.requests;
    assert.equal(batchCalls, 4, 'three chunks and one retry round');
    const stats = await env.control('GET', '/stats');
    assert.equal(stats.throttled, 1);
  });

  test('batch: dependsOn stays in one call and a 424 follows a failed dependency', async () => {
    const results = await client.batch([
      { id: 'a', method: 'GET', url: `/users/${randomUUID()}` },
      { id: 'b', method: 'GET', url: '/users?$top=1&$select=id', dependsOn: ['a'] },
      { id: 'c', method: 'GET', url: '/users?$top=1&$select=id' },
    ]);
    assert.deepEqual(
      results.map((r) => [r.id, r.status]),
      [
        ['a', 404],
        ['b', 424],
        ['c', 200],
      ],
    );
    assert.equal(results[1]?.error?.code, 'FAILED_DEPENDENCY');
  });

  describe('error normalisation', () => {
    test('a missing permission names it and the portal fix', async () => {
      const { getToken: usersOnly } = await env.app(['User.Read.All']);
      // As tenantlink's connections build it: the registry names the permission a call without one needed.
      const limited = env.client(usersOnly, { tenantName: 'Contoso', permissionFor: permissionForRoute });
      const err = await failure(limited.get('/groups', { select: ['id'] }));
      assert.equal(err.code, 'PERMISSION_MISSING');
      assert.equal(err.status, 403);
      assert.equal(err.microsoftCode, 'Authorization_RequestDenied');
      assert.match(err.requestId ?? '', /^[0-9a-f-]{36}$/);
      assert.match(err.diagnosis?.fix ?? '', /GroupMember\.Read\.All/);
      assert.match(err.diagnosis?.fix ?? '', /Grant admin consent for Contoso/);
    });

    test('a user without an Exchange mailbox', async () => {
      const user = await env.control('POST', `/tenants/${env.tenantId}/users`, { displayName: 'No Mailbox' });
      await env.control('PATCH', `/tenants/${env.tenantId}/users/${user.id}`, { mailboxEnabled: false });
      const err = await failure(client.get(`/users/${user.id}/messages`, { select: ['id'] }));
      assert.equal(err.code, 'MAILBOX_NOT_FOUND');
      assert.equal(err.microsoftCode, 'MailboxNotEnabledForRESTAPI');
      assert.equal(err.status, 404);
      assert.match(err.requestId ?? '', /^[0-9a-f-]{36}$/);
      assert.match(err.diagnosis?.fix ?? '', /Exchange Online/);
    });

    test('an application access policy keeping the app out of a mailbox', async () => {
      const { appId: policyApp, getToken: policyToken } = await env.app(['Mail.Read']);
      const allowed = await env.control('POST', `/tenants/${env.tenantId}/users`, {
        displayName: 'Allowed',
        mailboxEnabled: true,
      });
      const group = await env.control('POST', `/tenants/${env.tenantId}/mailEnabledSecurityGroups`, {
        displayName: 'tenantlink mailboxes',
        mailNickname: `tenantlink${Date.now()}`,
        members: [allowed.id],
      });
      await env.control('POST', `/tenants/${env.tenantId}/applicationAccessPolicies`, {
        appId: policyApp,
        scopeGroupId: group.id,
        accessRight: 'RestrictAccess',
      });
      const restricted = env.client(policyToken);
      const ok = await restricted.get<{ value: unknown[] }>(`/users/${allowed.id}/messages`, { select: ['id'] });
      assert.ok(Array.isArray(ok.value));
      const err = await failure(restricted.get(`/users/${mailboxUser}/messages`, { select: ['id'] }));
      assert.equal(err.code, 'MAILBOX_ACCESS_DENIED_BY_POLICY');
      assert.equal(err.microsoftCode, 'ErrorAccessDenied');
      assert.equal(err.microsoftMessage, 'Access to OData is disabled.');
      assert.match(err.requestId ?? '', /^[0-9a-f-]{36}$/);
      assert.match(err.diagnosis?.fix ?? '', /ApplicationAccessPolicy/);
      void appId;
    });

    test('a missing object', async () => {
      const err = await failure(client.get(`/users/${randomUUID()}`, { select: ['id'] }));
      assert.equal(err.code, 'NOT_FOUND');
      assert.equal(err.status, 404);
      assert.equal(err.microsoftCode, 'Request_ResourceNotFound');
      assert.match(err.requestId ?? '', /^[0-9a-f-]{36}$/);
      assert.ok(!err.message.includes('/users/'.concat(mailboxUser)), 'the message names the route template, not IDs');
    });

    test('an expired delta token', async () => {
      let deltaLink: string | undefined;
      for await (const page of client.delta<User>('/users/delta', { select: ['id', 'displayName'] })) {
        deltaLink = page.deltaLink ?? deltaLink;
      }
      const settings: Json = await env.control('GET', '/settings');
      await env.control('PATCH', '/settings', { deltaTokenLifetimeSeconds: 1 });
      await env.control('POST', '/clock', { advanceSeconds: 5 });
      try {
        const err = await failure(
          (async () => {
            for await (const _ of client.delta(deltaLink as string)) {
              // drain
            }
          })(),
        );
        assert.equal(err.code, 'DELTA_TOKEN_EXPIRED');
        assert.equal(err.microsoftCode, 'syncStateNotFound');
        assert.equal(err.status, 400);
        assert.match(err.requestId ?? '', /^[0-9a-f-]{36}$/);
      } finally {
        await env.control('DELETE', '/clock');
        await env.control('PATCH', '/settings', { deltaTokenLifetimeSeconds: settings.deltaTokenLifetimeSeconds });
      }
    });
  });

  test('an expired token is refreshed once and the request goes through', async () => {
    let refreshes = 0;
    const counting = env.client(async (options) => {
      if (options?.forceRefresh) refreshes += 1;
      return getToken(options);
    });
    await counting.get('/users', { select: ['id'], query: { $top: 1 } });
    await env.control('POST', '/clock', { advanceSeconds: 3 * 3600 });
    try {
      const page = await counting.get<{ value: unknown[] }>('/users', { select: ['id'], query: { $top: 1 } });
      assert.equal(page.value.length, 1);
      assert.equal(refreshes, 1);
      assert.deepEqual(counting.metrics().routes['GET /users']?.byStatus, { '200': 2, '401': 1 });
    } finally {
      await env.control('DELETE', '/clock');
    }
  });

  test('refuses to follow a link to another origin with the token', async () => {
    const err = await failure(client.get('https://evil.example/v1.0/users'));
    assert.equal(err.code, 'UNTRUSTED_LINK');
  });
});
