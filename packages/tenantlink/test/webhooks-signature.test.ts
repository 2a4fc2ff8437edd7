import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { OutboundPolicy } from '../src/outbound/outbound-policy.js';
import { checkWebhookUrl, maskQuery } from '../src/webhooks/endpoint-url.js';
import { nextAttemptDelay } from '../src/webhooks/retry-schedule.js';
import { generateWebhookSecret, signWebhookBody, verifyWebhookSignature } from '../src/webhooks/signature.js';

describe('webhook signatures', () => {
  const secret = generateWebhookSecret();
  const body = JSON.stringify({ type: 'records.changed', entries: [{ seq: 1, id: 'ü' }] });
  const now = Date.UTC(2025, 0, 31, 9, 15);
  const t = Math.floor(now / 1000);

  test('a signed body verifies, as text or as the bytes received', () => {
    assert.match(secret, /^whsec_[A-Za-z0-9_-]{43}$/);
    const header = signWebhookBody(secret, body, t);
    assert.match(header, /^t=\d+,v1=[0-9a-f]{64}$/);
    // The scheme as the README states it, computed independently.
    const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    assert.equal(header, `t=${t},v1=${expected}`);
    assert.equal(verifyWebhookSignature(body, header, secret, { now }), true);
    assert.equal(verifyWebhookSignature(Buffer.from(body, 'utf8'), header, secret, { now }), true);
    assert.equal(verifyWebhookSignature(body, [header], secret, { now }), true, 'a header given as an array');
    assert.equal(
      verifyWebhookSignature(body, `t=${t},v1=${'0'.repeat(64)},v1=${expected}`, secret, { now }),
      true,
      'any one of several v1 values may match',
    );
  });

  test('a changed body, another secret, an old or future timestamp, or a malformed header fail', () => {
    const header = signWebhookBody(secret, body, t);
    assert.equal(verifyWebhookSignature(body.replace('records', 'Records'), header, secret, { now }), false);
    assert.equal(verifyWebhookSignature(`${body} `, header, secret, { now }), false);
    assert.equal(verifyWebhookSignature(body, header, generateWebhookSecret(), { now }), false);
    assert.equal(verifyWebhookSignature(body, header, secret, { now: now + 301_000 }), false, 'too old');
    assert.equal(verifyWebhookSignature(body, header, secret, { now: now + 299_000 }), true, 'within tolerance');
    assert.equal(verifyWebhookSignature(body, header, secret, { now: now - 301_000 }), false, 'from the future');
    assert.equal(
      verifyWebhookSignature(body, header, secret, { now: now + 3_600_000, toleranceSeconds: 7200 }),
      true,
      'a wider tolerance',
    );
    // The timestamp is signed: moving it breaks the signature.
    assert.equal(verifyWebhookSignature(body, header.replace(`t=${t}`, `t=${t + 1}`), secret, { now }), false);
    for (const bad of [undefined, null, '', 'v1=abc', `t=${t}`, `t=x,v1=${'a'.repeat(64)}`, 'garbage'])
      assert.equal(verifyWebhookSignature(body, bad, secret, { now }), false, String(bad));
  });
});

describe('webhook URLs', () => {
  const strict = new OutboundPolicy();
  const allowing = new OutboundPolicy({ allowPrivateTargets: true });

  test('https anywhere public; http only to this machine, and only when private targets are allowed', () => {
    assert.deepEqual(checkWebhookUrl('https://app.example.com/hooks', strict), {
      url: 'https://app.example.com/hooks',
      shown: 'https://app.example.com/hooks',
    });
    for (const ok of ['http://localhost:8080/h', 'http://127.0.0.1:9/h', 'http://[::1]:9/h']) {
      checkWebhookUrl(ok, allowing);
      assert.throws(() => checkWebhookUrl(ok, strict), /loopback address/, ok);
    }
    for (const bad of [
      'http://app.example.com/hooks',
      'ftp://app.example.com/',
      'https://user:pw@app.example.com/',
      'https://app.example.com/#x',
      'app.example.com/hooks',
    ])
      assert.throws(() => checkWebhookUrl(bad, allowing), { code: 'INVALID_INPUT' }, bad);
  });

  test('a query string is kept whole for deliveries and shown with its values masked', () => {
    const { url, shown } = checkWebhookUrl('https://app.example.com/hooks?token=s3cr3t&tenant=a%20b', strict);
    assert.equal(url, 'https://app.example.com/hooks?token=s3cr3t&tenant=a%20b');
    assert.equal(shown, 'https://app.example.com/hooks?token=***&tenant=***');
    assert.equal(maskQuery(new URL('https://h.example/p')), 'https://h.example/p');
  });
});

describe('webhook retry schedule', () => {
  test('exponential with jitter, Retry-After on 429 and 503, and a cap', () => {
    const options = { maxAttempts: 4, backoff: { initialMs: 1000, maxMs: 4000 } };
    const failed = { statusCode: 500 };
    const at = (random: number) => ({ ...options, backoff: { ...options.backoff, random: () => random } });
    assert.deepEqual(
      [1, 2, 3].map((attempt) => nextAttemptDelay(attempt, failed, at(1))),
      [1000, 2000, 4000],
    );
    assert.deepEqual(
      [1, 2, 3].map((attempt) => nextAttemptDelay(attempt, failed, at(0))),
      [500, 1000, 2000],
    );
    for (const [attempt, full] of [
      [1, 1000],
      [2, 2000],
      [3, 4000],
    ] as const) {
      const delay = nextAttemptDelay(attempt, failed, options)!;
      assert.ok(delay >= full / 2 && delay <= full, `attempt ${attempt}: ${delay}`);
    }
    assert.equal(nextAttemptDelay(4, failed, options), null, 'the attempts ran out');
    assert.equal(nextAttemptDelay(1, { statusCode: 429, retryAfterMs: 7000 }, options), 7000);
    assert.equal(nextAttemptDelay(1, { statusCode: 503, retryAfterMs: 2000 }, options), 2000);
    assert.equal(
      nextAttemptDelay(1, { statusCode: 429, retryAfterMs: 86_400_000 }, { ...options, maxRetryAfterMs: 60_000 }),
      60_000,
    );
    const ignored = nextAttemptDelay(1, { statusCode: 500, retryAfterMs: 7000 }, options)!;
    assert.ok(ignored <= 1000, 'Retry-After counts only on 429 and 503');
    // The defaults: 15 s doubling to an hour, ten attempts spread over hours.
    const top = { backoff: { random: () => 1 } };
    assert.deepEqual(
      [1, 2, 8, 9].map((attempt) => nextAttemptDelay(attempt, failed, top)),
      [15_000, 30_000, 1_920_000, 3_600_000],
    );
    const total = Array.from({ length: 9 }, (_, i) => nextAttemptDelay(i + 1, failed, {})!).reduce((a, b) => a + b);
    assert.ok(total > 3_600_000 / 2 && total < 4 * 3_600_000, `${total} ms`);
    assert.equal(nextAttemptDelay(10, failed, {}), null);
  });
});
