import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TenantlinkError } from '../src/errors.js';
import { exponentialBackoffDelay } from '../src/jobs/backoff.js';
import { InProcessJobRunner } from '../src/jobs/in-process-runner.js';
import { JobDeferred, type JobEvent } from '../src/jobs/runner.js';
import { jobsRepository } from '../src/store/jobs-repository.js';
import { storeTargets, type TestStore } from './helpers/store-databases.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('exponentialBackoffDelay', () => {
  test('the shared backoff with the jobs’ limits: 1 s doubling to 5 minutes, attempts counted from 1', () => {
    const full = () => 1;
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 9, 10].map((a) => exponentialBackoffDelay(a, {}, full)),
      [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 256_000, 300_000],
    );
    assert.equal(
      exponentialBackoffDelay(1, {}, () => 0),
      500,
      'half the delay is fixed',
    );
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((a) => exponentialBackoffDelay(a, { initialMs: 100, maxMs: 1000 }, full)),
      [100, 200, 400, 800, 1000],
    );
    assert.equal(
      exponentialBackoffDelay(3, { initialMs: 100, random: () => 0 }),
      200,
      'options may bring the random source',
    );
  });
});

/** A promise to release a blocked handler from the test. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

for (const target of storeTargets()) {
  describe(`InProcessJobRunner on ${target.name}`, () => {
    let store: TestStore;
    const runners: InProcessJobRunner[] = [];
    const newRunner = (options: Partial<ConstructorParameters<typeof InProcessJobRunner>[0]> = {}) => {
      // The random source at its top: each wait is its whole exponential ceiling.
      const runner = new InProcessJobRunner({ store, backoff: { initialMs: 30 }, random: () => 1, ...options });
      runners.push(runner);
      return runner;
    };
    before(async () => {
      store = await target.open();
    });
    after(async () => {
      for (const runner of runners) await runner.stop();
      await store.close();
      await target.cleanUp();
    });

    test('one job per connection and kind at a time: requests while it runs become one follow-up run', async () => {
      const runner = newRunner();
      const release = gate();
      const running = new Map<string, number>();
      let mostAtOnce = 0;
      let mostPerKey = 0;
      const seen: { connectionId: string; payload: unknown }[] = [];
      runner.register<{ n: number }>('sync', async (job) => {
        const key = job.connectionId;
        running.set(key, (running.get(key) ?? 0) + 1);
        mostPerKey = Math.max(mostPerKey, running.get(key)!);
        mostAtOnce = Math.max(
          mostAtOnce,
          [...running.values()].reduce((a, b) => a + b, 0),
        );
        seen.push({ connectionId: job.connectionId, payload: job.payload });
        await release.opened;
        running.set(key, running.get(key)! - 1);
      });
      // Before start, a second request joins the waiting job.
      const first = await runner.enqueue({ kind: 'sync', connectionId: 'c1', payload: { n: 1 } });
      const joined = await runner.enqueue({ kind: 'sync', connectionId: 'c1', payload: { n: 2 } });
      assert.equal(joined.jobId, first.jobId);
      assert.equal(joined.coalesced, true);
      const started = new Promise<void>((resolve) =>
        runner.onEvent((e) => e.type === 'started' && e.job.connectionId === 'c1' && resolve()),
      );
      await runner.start();
      await started;
      const other = await runner.enqueue({ kind: 'sync', connectionId: 'c2', payload: { n: 0 } });

      const followUp = await runner.enqueue({ kind: 'sync', connectionId: 'c1', payload: { n: 3 } });
      assert.equal(followUp.coalesced, false);
      assert.notEqual(followUp.jobId, first.jobId);
      for (const n of [4, 5]) {
        const again = await runner.enqueue({ kind: 'sync', connectionId: 'c1', payload: { n } });
        assert.equal(again.jobId, followUp.jobId);
        assert.equal(again.coalesced, true);
      }
      await sleep(30);
      assert.equal(seen.filter((s) => s.connectionId === 'c1').length, 1, 'the follow-up waits for the running job');
      release.open();
      assert.equal((await first.done).status, 'succeeded');
      assert.equal((await followUp.done).status, 'succeeded');
      assert.equal((await other.done).status, 'succeeded');
      await runner.whenIdle();

      assert.deepEqual(
        seen.filter((s) => s.connectionId === 'c1').map((s) => s.payload),
        [{ n: 2 }, { n: 5 }],
        'two runs for five requests, each with the latest payload',
      );
      assert.equal(mostPerKey, 1);
      assert.equal(mostAtOnce, 2, 'other connections are not held up');
      const runs = await jobsRepository(store).listRuns({ connectionId: 'c1', kind: 'sync' });
      assert.deepEqual(
        runs.map((r) => [r.jobId, r.status]),
        [
          [first.jobId, 'succeeded'],
          [followUp.jobId, 'succeeded'],
        ],
      );
    });

    test('a failing job is retried with exponential backoff until it succeeds, and every attempt is recorded', async () => {
      const runner = newRunner({ maxAttempts: 5, backoff: { initialMs: 40 } });
      const startedAt: number[] = [];
      runner.register('refresh', async (job) => {
        startedAt.push(Date.now());
        if (job.attempt < 3) throw new TenantlinkError('GRAPH_THROTTLED', `throttled on attempt ${job.attempt}`);
      });
      const events: JobEvent[] = [];
      runner.onEvent((e) => events.push(e));
      await runner.start();
      const job = await runner.enqueue({ kind: 'refresh', connectionId: 'retry-1' });
      const outcome = await job.done;
      assert.deepEqual(outcome, { status: 'succeeded', attempts: 3 });
      assert.deepEqual(
        events.filter((e) => e.type === 'retrying').map((e) => (e.type === 'retrying' ? e.delayMs : 0)),
        [40, 80],
      );
      assert.ok(startedAt[1]! - startedAt[0]! >= 38, `first wait ${startedAt[1]! - startedAt[0]!} ms`);
      assert.ok(startedAt[2]! - startedAt[1]! >= 78, `second wait ${startedAt[2]! - startedAt[1]!} ms`);

      const repo = jobsRepository(store);
      const runs = await repo.listRuns({ jobId: job.jobId });
      assert.deepEqual(
        runs.map((r) => [r.attempt, r.status, r.error]),
        [
          [1, 'failed', 'GRAPH_THROTTLED: throttled on attempt 1'],
          [2, 'failed', 'GRAPH_THROTTLED: throttled on attempt 2'],
          [3, 'succeeded', null],
        ],
      );
      assert.ok(runs.every((r) => r.finishedAt && r.finishedAt >= r.startedAt));
      const record = await repo.getJob(job.jobId);
      assert.equal(record?.status, 'succeeded');
      assert.equal(record?.attempts, 3);
      assert.ok(record?.finishedAt);
    });

    test('attempts are bounded; a job that keeps failing ends failed with its last error', async () => {
      const runner = newRunner({ maxAttempts: 3, backoff: { initialMs: 5 }, random: Math.random });
      let calls = 0;
      runner.register('scan', async () => {
        calls++;
        throw new Error(`boom ${calls}`);
      });
      runner.register('no-retry', async () => {
        throw new TenantlinkError('CONSENT_REQUIRED', 'admin consent missing');
      });
      const noRetry = newRunner({ shouldRetry: (err) => !(err instanceof TenantlinkError) });
      noRetry.register('no-retry', async () => {
        throw new TenantlinkError('CONSENT_REQUIRED', 'admin consent missing');
      });
      await runner.start();
      await noRetry.start();
      const job = await runner.enqueue({ kind: 'scan', connectionId: 'fail-1' });
      assert.deepEqual(await job.done, { status: 'failed', error: 'boom 3', attempts: 3 });
      assert.equal(calls, 3);
      const record = await jobsRepository(store).getJob(job.jobId);
      assert.equal(record?.status, 'failed');
      assert.equal(record?.lastError, 'boom 3');
      assert.equal((await jobsRepository(store).listRuns({ jobId: job.jobId })).length, 3);

      const once = await noRetry.enqueue({ kind: 'no-retry', connectionId: 'fail-2' });
      assert.deepEqual(await once.done, {
        status: 'failed',
        error: 'CONSENT_REQUIRED: admin consent missing',
        attempts: 1,
      });
    });

    test('a schedule enqueues every interval without overlapping runs, and stops when cancelled', async () => {
      const runner = newRunner();
      let runs = 0;
      let concurrent = 0;
      let mostConcurrent = 0;
      runner.register('presence', async () => {
        concurrent++;
        mostConcurrent = Math.max(mostConcurrent, concurrent);
        runs++;
        await sleep(runs === 2 ? 120 : 5); // one slow run spans several ticks
        concurrent--;
      });
      const schedule = runner.schedule({ kind: 'presence', connectionId: 'sched-1', everyMs: 40 });
      await sleep(60);
      assert.equal(runs, 0, 'nothing runs before start');
      await runner.start();
      await sleep(400);
      schedule.cancel();
      await runner.whenIdle();
      const total = runs;
      // 11 ticks in 400 ms; the slow run swallows the ticks it spans into one follow-up.
      assert.ok(total >= 5 && total <= 11, `ran ${total} times`);
      assert.equal(mostConcurrent, 1);
      await sleep(120);
      assert.equal(runs, total, 'no run after cancel');
    });

    test('stop waits for running jobs, keeps waiting ones recorded, and a new runner resumes them', async () => {
      const runner = newRunner({ concurrency: 1 });
      let finished = false;
      const slowStarted = gate();
      runner.register('slow', async () => {
        slowStarted.open();
        await sleep(150);
        finished = true;
      });
      runner.register('later', async () => {});
      await runner.start();
      await runner.enqueue({ kind: 'slow', connectionId: 'stop-1' });
      const waiting = await runner.enqueue({ kind: 'later', connectionId: 'stop-1', payload: { page: 7 } });
      await slowStarted.opened;
      const stopStarted = Date.now();
      await runner.stop();
      assert.equal(finished, true, 'stop returned only after the running job finished');
      assert.ok(Date.now() - stopStarted >= 100);
      assert.equal((await waiting.done).status, 'stopped');
      await assert.rejects(runner.enqueue({ kind: 'slow', connectionId: 'stop-1' }), { code: 'JOB_RUNNER_STOPPED' });
      const repo = jobsRepository(store);
      assert.equal((await repo.getJob(waiting.jobId))?.status, 'queued');

      const next = newRunner();
      let resumedPayload: unknown;
      next.register('later', async (job) => {
        resumedPayload = job.payload;
      });
      await next.start();
      await next.whenIdle();
      assert.deepEqual(resumedPayload, { page: 7 });
      assert.equal((await repo.getJob(waiting.jobId))?.status, 'succeeded');
    });

    test('stop with abortRunning signals the handler; a job a crashed process left running is resumed, its run marked interrupted', async () => {
      const runner = newRunner();
      let aborted = false;
      runner.register('long', async (job) => {
        await new Promise<void>((resolve) => job.signal.addEventListener('abort', () => resolve()));
        aborted = job.signal.aborted;
      });
      await runner.start();
      const started = new Promise<void>((resolve) => runner.onEvent((e) => e.type === 'started' && resolve()));
      await runner.enqueue({ kind: 'long', connectionId: 'abort-1' });
      await started;
      await runner.stop({ abortRunning: true });
      assert.equal(aborted, true);

      // Simulate a crash: a job row left 'running' with an open run.
      const repo = jobsRepository(store);
      const now = new Date().toISOString();
      await repo.insertJob({
        id: 'crashed-job',
        connectionId: 'crash-1',
        kind: 'directory',
        payload: null,
        scheduledAt: now,
      });
      await repo.recordStart({
        runId: 'crashed-run',
        jobId: 'crashed-job',
        attempt: 1,
        scheduledAt: now,
        startedAt: now,
      });
      const next = newRunner();
      const attempts: number[] = [];
      next.register('directory', async (job) => {
        attempts.push(job.attempt);
      });
      await next.start();
      await next.whenIdle();
      assert.deepEqual(attempts, [2], 'the resumed job counts the interrupted attempt');
      const runs = await repo.listRuns({ jobId: 'crashed-job' });
      assert.deepEqual(
        runs.map((r) => r.status),
        ['interrupted', 'succeeded'],
      );
    });

    test('a deferred job waits and runs again without spending an attempt; keys and expedite', async () => {
      const runner = newRunner({ maxAttempts: 1 });
      let tries = 0;
      const ranAt: number[] = [];
      runner.register('held', async () => {
        tries++;
        ranAt.push(Date.now());
        if (tries < 3) throw new JobDeferred(80, 'held elsewhere');
      });
      // Two keys of one connection run side by side; a job waiting for later is brought forward on request.
      const ran: string[] = [];
      runner.register('lane', async (job) => {
        ran.push(`${(job.payload as { key: string }).key}@${Date.now()}`);
      });
      await runner.start();
      const held = await runner.enqueue({ kind: 'held', connectionId: 'c-defer' });
      const outcome = await held.done;
      assert.deepEqual(
        outcome,
        { status: 'succeeded', attempts: 1 },
        'only the try that ran counts, within maxAttempts 1',
      );
      assert.ok(ranAt[1]! - ranAt[0]! >= 75 && ranAt[2]! - ranAt[1]! >= 75, 'each deferral waited its delay');
      const runs = await jobsRepository(store).listRuns({ jobId: held.jobId });
      assert.deepEqual(
        runs.map((r) => [r.status, r.error]),
        [
          ['interrupted', 'held elsewhere'],
          ['interrupted', 'held elsewhere'],
          ['succeeded', null],
        ],
      );

      const start = Date.now();
      const a = await runner.enqueue({
        kind: 'lane',
        connectionId: 'c-keys',
        key: 'a',
        payload: { key: 'a' },
        delayMs: 5000,
      });
      const b = await runner.enqueue({ kind: 'lane', connectionId: 'c-keys', key: 'b', payload: { key: 'b' } });
      assert.notEqual(a.jobId, b.jobId, 'another key is another job');
      await b.done;
      const joined = await runner.enqueue({ kind: 'lane', connectionId: 'c-keys', key: 'a', payload: { key: 'a' } });
      assert.equal(joined.jobId, a.jobId, 'the same key joins the waiting job');
      const expedited = await runner.enqueue({
        kind: 'lane',
        connectionId: 'c-keys',
        key: 'a',
        payload: { key: 'a' },
        expedite: true,
      });
      assert.equal(expedited.jobId, a.jobId);
      await a.done;
      assert.ok(Date.now() - start < 2000, 'expedite brought the delayed job forward');
      assert.deepEqual(
        ran.map((r) => r.split('@')[0]),
        ['b', 'a'],
      );
      assert.equal((await jobsRepository(store).getJob(a.jobId))?.key, 'a');
    });

    test('pruning deletes jobs that ended long enough ago, with their runs; dead jobs are kept longer', async () => {
      const jobs = jobsRepository(store);
      const old = '2020-01-01T00:00:00.000Z';
      for (const [id, status] of [
        ['prune-ok', 'succeeded'],
        ['prune-cancelled', 'cancelled'],
        ['prune-dead', 'failed'],
        ['prune-waiting', 'queued'],
      ] as const) {
        await jobs.insertJob({ id, connectionId: 'c-prune', kind: 'k', payload: null, scheduledAt: old });
        await jobs.recordStart({ runId: `${id}-run`, jobId: id, attempt: 1, scheduledAt: old, startedAt: old });
        if (status !== 'queued')
          await jobs.recordFinish({
            runId: `${id}-run`,
            jobId: id,
            runStatus: status === 'failed' ? 'failed' : 'succeeded',
            jobStatus: status,
            error: null,
            finishedAt: old,
          });
        else await jobs.setStatus(id, 'queued');
        await store.db.updateTable('jobs').set({ updated_at: old }).where('id', '=', id).execute();
      }
      const pruned = await jobs.prune({
        finishedBefore: '2021-01-01T00:00:00.000Z',
        failedBefore: '2019-01-01T00:00:00.000Z',
      });
      assert.equal(pruned, 2);
      const left = (await jobs.listJobs({ connectionId: 'c-prune' })).map((j) => j.id).sort();
      assert.deepEqual(left, ['prune-dead', 'prune-waiting']);
      assert.deepEqual((await jobs.listRuns({ connectionId: 'c-prune' })).map((r) => r.jobId).sort(), [
        'prune-dead',
        'prune-waiting',
      ]);
      assert.equal(await jobs.prune({ finishedBefore: old, failedBefore: '2021-01-01T00:00:00.000Z' }), 1);
    });

    test('progress is reported through events; unknown kinds and double registration are refused', async () => {
      const runner = newRunner();
      runner.register('files', async (job) => {
        job.progress({ done: 1, total: 2 });
        job.progress({ done: 2, total: 2, message: 'copied' });
      });
      assert.throws(() => runner.register('files', async () => {}), { code: 'JOB_KIND_REGISTERED' });
      await assert.rejects(runner.enqueue({ kind: 'nope', connectionId: 'x' }), { code: 'JOB_KIND_UNKNOWN' });
      const progress: unknown[] = [];
      runner.onEvent((e) => e.type === 'progress' && progress.push(e.progress));
      await runner.start();
      await (await runner.enqueue({ kind: 'files', connectionId: 'p-1' })).done;
      assert.deepEqual(progress, [
        { done: 1, total: 2 },
        { done: 2, total: 2, message: 'copied' },
      ]);
    });
  });
}
