import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GraphError } from '../src/graph/errors.js';
import { directoryQuota, Throttling } from '../src/graph/traffic/throttling.js';

function model(scale = 1) {
  let now = 0;
  const throttling = new Throttling({ enabled: true, scale }, () => now);
  return { throttling, advance: (ms: number) => (now += ms) };
}

function throttled(fn: () => unknown): GraphError {
  try {
    fn();
  } catch (err) {
    if (err instanceof GraphError) return err;
    throw err;
  }
  throw new Error('expected a 429');
}

describe('throttling model', () => {
  test('directory quota by tenant size: 3,500 / 5,000 / 8,000 resource units per 10 s', () => {
    assert.equal(directoryQuota(10), 3_500);
    assert.equal(directoryQuota(50), 5_000);
    assert.equal(directoryQuota(500), 5_000);
    assert.equal(directoryQuota(501), 8_000);
  });

  test('the directory bucket empties, answers 429 with the wait, then refills', () => {
    const { throttling, advance } = model();
    const charge = { appId: 'a', tenantId: 't', tenantUsers: 10, cost: 2, write: false };
    for (let i = 0; i < 1_750; i++) throttling.chargeDirectory(charge);
    const err = throttled(() => throttling.chargeDirectory(charge));
    assert.equal(err.status, 429);
    assert.equal(err.headers['x-ms-throttle-information'], 'ResourceUnitLimitExceeded');
    assert.equal(err.headers['x-ms-throttle-scope'], 'Tenant_Application/Read/a/t');
    assert.equal(err.headers['retry-after'], '1');
    advance(10_000);
    assert.doesNotThrow(() => throttling.chargeDirectory(charge));
    // Another app in the same tenant has its own bucket.
    assert.doesNotThrow(() => throttling.chargeDirectory({ ...charge, appId: 'b' }));
  });

  test('writes have their own quota of 3,000 per 150 s', () => {
    const { throttling } = model();
    const write = { appId: 'a', tenantId: 't', tenantUsers: 1_000, cost: 1, write: true };
    for (let i = 0; i < 3_000; i++) throttling.chargeDirectory(write);
    const err = throttled(() => throttling.chargeDirectory(write));
    assert.equal(err.headers['x-ms-throttle-information'], 'WriteLimitExceeded');
    assert.ok(Number(err.headers['retry-after']) >= 1);
  });

  test('the limit percentage header appears above 80% of the quota', () => {
    const { throttling } = model(0.01);
    const charge = { appId: 'a', tenantId: 't', tenantUsers: 10, cost: 1, write: false };
    const headers = Array.from({ length: 33 }, () => throttling.chargeDirectory(charge));
    assert.equal(headers[0]!['x-ms-throttle-limit-percentage'], undefined);
    assert.ok(headers.at(-1)!['x-ms-throttle-limit-percentage']);
  });

  test('a mailbox takes at most 4 requests in flight per app; releasing frees a slot', () => {
    const { throttling } = model();
    const releases = Array.from({ length: 4 }, () => throttling.acquireMailbox('a', 'ada@contoso.test'));
    const err = throttled(() => throttling.acquireMailbox('a', 'ADA@contoso.test'));
    assert.equal(err.code, 'ApplicationThrottled');
    assert.equal(err.message, 'Application is over its MailboxConcurrency limit.');
    assert.doesNotThrow(() => throttling.acquireMailbox('a', 'bob@contoso.test')(), 'other mailboxes are not affected');
    assert.doesNotThrow(() => throttling.acquireMailbox('b', 'ada@contoso.test')(), 'other apps are not affected');
    releases[0]!();
    releases[0]!(); // releasing twice frees one slot only
    assert.doesNotThrow(() => throttling.acquireMailbox('a', 'ada@contoso.test'));
    throttled(() => throttling.acquireMailbox('a', 'ada@contoso.test'));
  });

  test('a mailbox allows 10,000 requests per 10 minutes', () => {
    const { throttling, advance } = model();
    for (let i = 0; i < 10_000; i++) throttling.acquireMailbox('a', 'm')();
    const err = throttled(() => throttling.acquireMailbox('a', 'm'));
    assert.equal(err.status, 429);
    advance(600_000);
    assert.doesNotThrow(() => throttling.acquireMailbox('a', 'm')());
  });

  test('scale tightens every quota, and disabling turns throttling off', () => {
    const tight = model(0.25).throttling;
    tight.acquireMailbox('a', 'm');
    throttled(() => tight.acquireMailbox('a', 'm')); // 4 × 0.25 = 1 request in flight
    const off = new Throttling({ enabled: false, scale: 0.0001 }, () => 0);
    for (let i = 0; i < 100; i++)
      off.chargeDirectory({ appId: 'a', tenantId: 't', tenantUsers: 1, cost: 5, write: true });
  });

  test('request-count scopes (presence, usage reports)', () => {
    const { throttling } = model();
    for (let i = 0; i < 14; i++) throttling.chargeRequests('reports/a/t/getOffice365ActiveUserDetail', 14, 600_000);
    const err = throttled(() => throttling.chargeRequests('reports/a/t/getOffice365ActiveUserDetail', 14, 600_000));
    assert.equal(err.code, 'TooManyRequests');
    assert.ok(Number(err.headers['retry-after']) > 1, 'the wait runs to the next free slot of the 10-minute window');
  });
});
