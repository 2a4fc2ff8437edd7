import assert from 'node:assert/strict';
import { test } from 'node:test';
import { permissionForRoute } from '../src/features/index.js';
import { planChunks } from '../src/graph/batch.js';
import { outlookMailboxKey, ResourceConcurrencyLimiter } from '../src/graph/concurrency.js';
import { graphError } from '../src/graph/errors.js';
import { composePipeline, type GraphRequest, type PipelinePolicy } from '../src/graph/pipeline.js';
import { backoffDelay } from '../src/graph/retry-strategies/exponential-backoff-strategy.js';
import { parseRetryAfter } from '../src/graph/retry-strategies/retry-after-strategy.js';
import { routeTemplate, sanitizeHeaders, sanitizeUrl } from '../src/logging/index.js';

test('Retry-After: whole and fractional seconds, HTTP dates, garbage', () => {
  assert.equal(parseRetryAfter('1'), 1000);
  assert.equal(parseRetryAfter('2.128'), 2128);
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now), 5000);
  assert.equal(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now), 0);
  assert.equal(parseRetryAfter('soon'), undefined);
  assert.equal(parseRetryAfter(null), undefined);
});

test('Graph backoff: the shared backoff from 500 ms to 30 s, counting attempts from 0 as the retry policy does', () => {
  assert.equal(backoffDelay(0, { random: () => 1 }), 500);
  assert.equal(backoffDelay(0, { random: () => 0 }), 250);
  assert.equal(backoffDelay(3, { random: () => 1 }), 4000);
  assert.equal(backoffDelay(20, { random: () => 1 }), 30_000);
  assert.equal(backoffDelay(20, { random: () => 0 }), 15_000);
  assert.equal(backoffDelay(3, { initialDelayMs: 100, random: () => 0.5 }), 600);
  assert.equal(backoffDelay(20, { initialDelayMs: 100, maxDelayMs: 5000, random: () => 0.99 }), 4975);
});

test('route templates hide IDs, UPNs and tokens', () => {
  const id = '4f1c0e7a-2b3d-4c5e-8f90-1a2b3c4d5e6f';
  assert.equal(routeTemplate(`https://graph.microsoft.com/v1.0/users/${id}/messages?$top=5`), '/users/{id}/messages');
  assert.equal(
    routeTemplate('https://graph.microsoft.com/v1.0/users/adele@contoso.com/mailFolders/inbox'),
    '/users/{id}/mailFolders/inbox',
  );
  assert.equal(routeTemplate("https://x/v1.0/drives/b!abc/root/delta(token='xyz')"), '/drives/{id}/root/delta(…)');
  assert.equal(
    routeTemplate('https://x/v1.0/users/u/messages/AAMkAGI2TG93AAA=/attachments'),
    '/users/u/messages/{id}/attachments',
  );
});

test('Outlook requests count against their mailbox; directory requests do not', () => {
  assert.equal(outlookMailboxKey('https://g/v1.0/users/ABC/messages?$top=1'), 'mailbox:abc');
  assert.equal(outlookMailboxKey('https://g/v1.0/users/a%40b.com/calendarView?x=1'), 'mailbox:a@b.com');
  assert.equal(outlookMailboxKey('https://g/v1.0/me/sendMail'), 'mailbox:me');
  assert.equal(outlookMailboxKey('https://g/v1.0/users/abc'), undefined);
  assert.equal(outlookMailboxKey('https://g/v1.0/users/abc/memberOf'), undefined);
  assert.equal(outlookMailboxKey('https://g/v1.0/groups/abc/events'), undefined);
});

test('the limiter holds a mailbox to its limit without holding up others', async () => {
  const limiter = new ResourceConcurrencyLimiter({ perMailbox: 2 });
  const a = 'https://g/v1.0/users/a/messages';
  const held = [await limiter.acquire(a), await limiter.acquire(a)];
  let third = false;
  const pending = limiter.acquire(a).then((r) => {
    third = true;
    return r;
  });
  const other = await limiter.acquire('https://g/v1.0/users/b/messages');
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(third, false);
  held[0]?.();
  (await pending)();
  assert.equal(third, true);
  other();
  held[1]?.();
  assert.deepEqual(limiter.inFlight(), {});
});

test('batch planning: chunks of 20, dependsOn groups kept whole, ≤ 4 items per mailbox', () => {
  const item = (i: number, url = `/users/${i}`, dependsOn?: string[]) => ({
    id: String(i),
    index: i,
    item: { method: 'GET', url, ...(dependsOn ? { dependsOn } : {}) },
    url,
    mailbox: outlookMailboxKey(`https://g/v1.0${url}`),
  });
  const plain = Array.from({ length: 45 }, (_, i) => item(i));
  assert.deepEqual(
    planChunks(plain, 4).map((c) => c.length),
    [20, 20, 5],
  );
  const linked = [...Array.from({ length: 19 }, (_, i) => item(i)), item(19), item(20, '/users/20', ['19'])];
  const chunks = planChunks(linked, 4);
  assert.ok(chunks.some((c) => c.some((p) => p.id === '19') && c.some((p) => p.id === '20')));
  const mail = Array.from({ length: 10 }, (_, i) => item(i, '/users/x/messages'));
  assert.deepEqual(
    planChunks(mail, 4).map((c) => c.length),
    [4, 4, 2],
  );
});

test('error table: stable codes for Graph answers', () => {
  const base = { method: 'GET', route: '/users/{id}/drive' };
  assert.equal(
    graphError({
      ...base,
      status: 404,
      microsoftCode: 'ResourceNotFound',
      microsoftMessage: "User's mysite not found.",
    }).code,
    'ONEDRIVE_NOT_PROVISIONED',
  );
  assert.equal(
    graphError({ ...base, status: 410, microsoftCode: 'resyncChangesApplyDifferences', innerCode: 'resyncRequired' })
      .code,
    'DELTA_TOKEN_EXPIRED',
  );
  assert.equal(graphError({ ...base, status: 401, microsoftCode: 'InvalidAuthenticationToken' }).code, 'TOKEN_INVALID');
  assert.equal(
    graphError({
      ...base,
      status: 401,
      microsoftCode: 'AccessDenied',
      microsoftMessage: 'Either scp or roles claim need to be present in the token.',
    }).code,
    'CONSENT_MISSING',
  );
  assert.equal(
    graphError({
      ...base,
      status: 403,
      microsoftCode: 'accessDenied',
      microsoftMessage: 'The feature has been disabled. Please contact your admin to get it enabled.',
    }).code,
    'SHARING_DISABLED',
  );
  assert.equal(graphError({ ...base, status: 404, microsoftCode: 'ErrorInvalidUser' }).code, 'MAILBOX_NOT_FOUND');
  assert.equal(graphError({ ...base, status: 429, microsoftCode: 'TooManyRequests' }).code, 'THROTTLED');
  assert.equal(graphError({ ...base, status: 418 }).code, 'GRAPH_ERROR');
  // The client names the permission from the feature registry when the caller did not (GraphClient's permissionFor).
  const denied = graphError({
    method: 'GET',
    route: '/users/{id}/messages',
    status: 403,
    microsoftCode: 'ErrorAccessDenied',
    tenantName: 'Contoso',
    permission: permissionForRoute('/users/{id}/messages', 'GET')!,
  });
  assert.equal(denied.code, 'PERMISSION_MISSING');
  assert.match(denied.diagnosis?.fix ?? '', /Mail\.Read, then click Grant admin consent for Contoso/);
});

test('logs carry allow-listed headers and query parameters only', () => {
  assert.equal(
    sanitizeUrl("https://g/v1.0/users?$select=id&$filter=mail eq 'a@b.com'&$skiptoken=abc", '/users'),
    '/users?$select=id&$filter=REDACTED&$skiptoken=REDACTED',
  );
  assert.deepEqual(
    sanitizeHeaders([
      ['authorization', 'Bearer x'],
      ['request-id', 'r'],
      ['x-secret', 's'],
    ]),
    {
      authorization: 'REDACTED',
      'request-id': 'r',
      'x-secret': 'REDACTED',
    },
  );
});

test('policies compose outermost first', async () => {
  const seen: string[] = [];
  const policy = (name: string): PipelinePolicy => ({
    name,
    async sendRequest(request, next) {
      seen.push(`${name}>`);
      const response = await next(request);
      seen.push(`<${name}`);
      return response;
    },
  });
  const send = composePipeline([policy('a'), policy('b')], async (request: GraphRequest) => {
    seen.push('transport');
    return { request, status: 200, headers: new Headers(), text: async () => '', discard: async () => {} };
  });
  await send({ method: 'GET', url: 'https://g/v1.0/x', headers: {}, attempt: 0, routeTemplate: '/x' });
  assert.deepEqual(seen, ['a>', 'b>', 'transport', '<b', '<a']);
});
