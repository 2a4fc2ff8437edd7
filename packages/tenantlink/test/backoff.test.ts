import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BACKOFF_LIMITS, backoffDelay } from '../src/backoff.js';

const lowest = () => 0;
const highest = () => 1;

/** The delay after 1, 2, 3, … failures with the random source at its top: the ceilings. */
const CEILINGS: Record<keyof typeof BACKOFF_LIMITS, number[]> = {
  graph: [500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000],
  jobs: [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000, 300_000],
  webhooks: [15_000, 30_000, 60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000, 3_600_000, 3_600_000],
};

describe('backoffDelay: exponential, capped, equal jitter', () => {
  for (const [use, ceilings] of Object.entries(CEILINGS)) {
    const limits = BACKOFF_LIMITS[use as keyof typeof BACKOFF_LIMITS];
    test(`${use}: doubles from ${limits.initialMs} ms to ${limits.maxMs} ms, each delay between half and all of its ceiling`, () => {
      const failures = ceilings.map((_, i) => i + 1);
      assert.deepEqual(
        failures.map((n) => backoffDelay(n, limits, { random: highest })),
        ceilings,
      );
      assert.deepEqual(
        failures.map((n) => backoffDelay(n, limits, { random: lowest })),
        ceilings.map((c) => c / 2),
      );
      assert.deepEqual(
        failures.map((n) => backoffDelay(n, limits, { random: () => 0.5 })),
        ceilings.map((c) => (c * 3) / 4),
      );
      assert.equal(backoffDelay(1_000, limits, { random: highest }), limits.maxMs, 'the cap holds for ever');
    });
  }

  test('the defaults are each use’s own', () => {
    assert.deepEqual(BACKOFF_LIMITS, {
      graph: { initialMs: 500, maxMs: 30_000 },
      jobs: { initialMs: 1_000, maxMs: 300_000 },
      webhooks: { initialMs: 15_000, maxMs: 3_600_000 },
    });
  });

  test('options override the limits field by field; a zero initial delay stays zero however many failures', () => {
    assert.equal(backoffDelay(3, BACKOFF_LIMITS.jobs, { initialMs: 100, random: highest }), 400);
    assert.equal(backoffDelay(30, BACKOFF_LIMITS.jobs, { maxMs: 2_000, random: highest }), 2_000);
    assert.equal(backoffDelay(5_000, BACKOFF_LIMITS.jobs, { initialMs: 0, random: highest }), 0);
  });

  test('with the real random source, delays spread over the jitter range', () => {
    const samples = Array.from({ length: 200 }, () => backoffDelay(3, BACKOFF_LIMITS.graph));
    assert.ok(
      samples.every((d) => d >= 1_000 && d <= 2_000),
      samples.join(','),
    );
    assert.ok(new Set(samples).size > 20, 'callers that failed together come back at different times');
  });
});
