import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { TenantlinkError } from '../src/errors.js';
import { PgBossJobRunner, type PgBossJobRunnerOptions } from '../src/jobs/pg-boss-runner.js';
import { JobDeferred, type JobEvent } from '../src/jobs/runner.js';
import { jobsRepository } from '../src/store/jobs-repository.js';
import { postgresTestUrl, storeTargets, type TestStore } from './helpers/store-databases.js';

const here = dirname(fileURLToPath(import.meta.url));
const target = storeTargets().find((t) => t.name === 'postgres');

/** A gate a test opens when it wants a handler to go on. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

describe('PgBossJobRunner (PostgreSQL, several processes)', {
  skip: target ? false : 'needs TENANTLINK_TEST_DATABASE_URL',
}, () => {
  let store: TestStore;
  let jobsSchema: string;
  const runners: PgBossJobRunner[] = [];
  const children: ChildProcess[] = [];
  const newRunner = (options: Partial<PgBossJobRunnerOptions> = {}) => {
    const runner = new PgBossJobRunner({
      store,
      databaseUrl: postgresTestUrl!,
      schema: jobsSchema,
      pollingIntervalSeconds: 0.5,
      backoff: { initialMs: 200 },
      random: () => 1,
      ...options,
    });
    runners.push(runner);
    return runner;
  };

  before(async () => {
    store = await target!.open();
    jobsSchema = `tl_jobs_${randomBytes(6).toString('hex')}`;
  });
  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    for (const runner of runners) await runner.stop({ abortRunning: true });
    await store.close();
    const client = new pg.Client({ connectionString: postgresTestUrl });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${jobsSchema}" CASCADE`);
    await client.end();
    await target!.cleanUp();
  });

  test('two runners (as two processes) never run a connection’s job twice at once; requests coalesce', async () => {
    const release = gate();
    let running = 0;
    let most = 0;
    const seen: unknown[] = [];
    const handler = async (job: { connectionId: string; payload: unknown }) => {
      if (job.connectionId !== 'c1') return;
      running++;
      most = Math.max(most, running);
      seen.push(job.payload);
      await release.opened;
      running--;
    };
    const [a, b] = [newRunner({ concurrency: 3 }), newRunner({ concurrency: 3 })];
    a.register('sync', handler);
    b.register('sync', handler);
    await a.start();
    await b.start();
    const started = new Promise<void>((resolve) => {
      for (const r of [a, b]) r.onEvent((e) => e.type === 'started' && e.job.connectionId === 'c1' && resolve());
    });
    const first = await a.enqueue({ kind: 'sync', connectionId: 'c1', payload: { n: 1 } });
    await started;
    const followUp = await b.enqueue({ kind: 'sync', connectionId: 'c1', payload: { n: 2 } });
    assert.equal(followUp.coalesced, false);
    const joined = await a.enqueue({ kind: 'sync', connectionId: 'c1', payload: { n: 3 } });
    assert.deepEqual([joined.jobId, joined.coalesced], [followUp.jobId, true], 'a request while one waits joins it');
    await sleep(1500);
    assert.equal(seen.length, 1, 'the follow-up waits while the first runs, in whichever process');
    release.open();
    assert.equal((await first.done).status, 'succeeded');
    assert.equal((await followUp.done).status, 'succeeded');
    assert.equal(most, 1);
    assert.deepEqual(seen, [{ n: 1 }, { n: 2 }]);
    const runs = await jobsRepository(store).listRuns({ connectionId: 'c1', kind: 'sync' });
    assert.deepEqual(
      runs.map((r) => [r.jobId, r.status]),
      [
        [first.jobId, 'succeeded'],
        [followUp.jobId, 'succeeded'],
      ],
    );
  });

  test('a throwing job is retried with tenantlink’s backoff, and every attempt is recorded', async () => {
    const runner = newRunner({ maxAttempts: 4 });
    const startedAt: number[] = [];
    runner.register('refresh', async (job) => {
      startedAt.push(Date.now());
      if (job.attempt < 3) throw new TenantlinkError('GRAPH_THROTTLED', `throttled on attempt ${job.attempt}`);
    });
    const events: JobEvent[] = [];
    runner.onEvent((e) => events.push(e));
    await runner.start();
    const job = await runner.enqueue({ kind: 'refresh', connectionId: 'retry-1' });
    assert.deepEqual(await job.done, { status: 'succeeded', attempts: 3 });
    assert.deepEqual(
      events.filter((e) => e.type === 'retrying').map((e) => (e.type === 'retrying' ? e.delayMs : 0)),
      [200, 400],
    );
    assert.ok(startedAt[1]! - startedAt[0]! >= 190, `first wait ${startedAt[1]! - startedAt[0]!} ms`);
    const runs = await jobsRepository(store).listRuns({ jobId: job.jobId });
    assert.deepEqual(
      runs.map((r) => [r.attempt, r.status]),
      [
        [1, 'failed'],
        [2, 'failed'],
        [3, 'succeeded'],
      ],
    );
  });

  test('a job that keeps failing ends failed; one enqueued in a rolled-back transaction never exists', async () => {
    const runner = newRunner({ maxAttempts: 2, backoff: { initialMs: 50 } });
    let calls = 0;
    runner.register('scan', async () => {
      calls++;
      throw new Error(`boom ${calls}`);
    });
    await runner.start();
    const job = await runner.enqueue({ kind: 'scan', connectionId: 'fail-1' });
    assert.deepEqual(await job.done, { status: 'failed', error: 'boom 2', attempts: 2 });

    let ghost = '';
    await assert.rejects(
      store.db.transaction().execute(async (trx) => {
        ghost = (await runner.enqueue({ kind: 'scan', connectionId: 'ghost' }, { db: trx })).jobId;
        throw new Error('the page failed to commit');
      }),
      /failed to commit/,
    );
    await sleep(1200);
    assert.equal(calls, 2, 'the ghost job never ran');
    assert.equal(await jobsRepository(store).getJob(ghost), undefined, 'nor was it recorded');
  });

  test('at most N jobs of one tenant at once across processes; a job over the limit waits its turn', async () => {
    const tenantOf = async (connectionId: string) => (connectionId.startsWith('t1-') ? 'tenant-one' : 'tenant-two');
    let running = new Map<string, number>();
    const most = new Map<string, number>();
    const handler = async (job: { connectionId: string }) => {
      const tenant = await tenantOf(job.connectionId);
      running.set(tenant, (running.get(tenant) ?? 0) + 1);
      most.set(tenant, Math.max(most.get(tenant) ?? 0, running.get(tenant)!));
      await sleep(400);
      running.set(tenant, running.get(tenant)! - 1);
    };
    const [a, b] = [1, 2].map(() => newRunner({ concurrency: 4, perTenant: { limit: 2, tenantOf } }));
    for (const r of [a!, b!]) {
      r.register('capped', handler);
      await r.start();
    }
    const jobs = [];
    for (const c of ['t1-a', 't1-b', 't1-c', 't1-d', 't1-e', 't2-a'])
      jobs.push(await (c.endsWith('a') || c.endsWith('c') ? a! : b!).enqueue({ kind: 'capped', connectionId: c }));
    const outcomes = await Promise.all(jobs.map((j) => j.done));
    assert.ok(
      outcomes.every((o) => o.status === 'succeeded' && o.attempts === 1),
      JSON.stringify(outcomes),
    );
    assert.equal(most.get('tenant-one'), 2, 'two of tenant one at a time, over both processes');
    assert.equal(most.get('tenant-two'), 1);
    running = new Map();
  });

  test('a deferred job goes back to the queue without spending an attempt; keys are singletons of their own', async () => {
    const runner = newRunner({ maxAttempts: 1 });
    let tries = 0;
    runner.register('held', async () => {
      tries++;
      if (tries < 3) throw new JobDeferred(100, 'held elsewhere');
    });
    let inLane = 0;
    let most = 0;
    const release = gate();
    runner.register('lane', async () => {
      inLane++;
      most = Math.max(most, inLane);
      await release.opened;
      inLane--;
    });
    await runner.start();
    const held = await runner.enqueue({ kind: 'held', connectionId: 'c-defer' });
    assert.deepEqual(await held.done, { status: 'succeeded', attempts: 1 });
    const runs = await jobsRepository(store).listRuns({ connectionId: 'c-defer' });
    assert.deepEqual(
      runs.map((r) => r.status),
      ['interrupted', 'interrupted', 'succeeded'],
    );
    // Two keys of one connection run at once; a third request for a key that runs is its single follow-up.
    const a = await runner.enqueue({ kind: 'lane', connectionId: 'c-keys', key: 'a' });
    const b = await runner.enqueue({ kind: 'lane', connectionId: 'c-keys', key: 'b' });
    assert.notEqual(a.jobId, b.jobId);
    const until = Date.now() + 10_000;
    while (most < 2) {
      assert.ok(Date.now() < until, 'both keys ran at once');
      await sleep(50);
    }
    const later = await runner.enqueue({ kind: 'lane', connectionId: 'c-keys', key: 'a', delayMs: 60_000 });
    const expedited = await runner.enqueue({ kind: 'lane', connectionId: 'c-keys', key: 'a', expedite: true });
    assert.equal(expedited.jobId, later.jobId, 'joined the waiting follow-up');
    release.open();
    assert.equal((await later.done).status, 'succeeded', 'brought forward from a minute to now');
    assert.equal((await jobsRepository(store).getJob(later.jobId))?.key, 'a');
  });

  test('a worker killed with kill -9 mid-job: another process takes the job over once it expires', async () => {
    const spawnWorker = () => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'fixtures', 'pg-boss-worker-child.ts')], {
        env: {
          ...process.env,
          TL_DATABASE_URL: postgresTestUrl,
          TL_DATABASE_SCHEMA: store.options.postgresSchema,
          TL_JOBS_SCHEMA: jobsSchema,
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      children.push(child);
      let out = '';
      child.stdout!.on('data', (d) => {
        out += d;
      });
      return { child, saw: (text: string) => out.includes(text) };
    };
    const worker = spawnWorker();
    const waitFor = async (what: string, check: () => boolean, ms = 20_000) => {
      const until = Date.now() + ms;
      while (!check()) {
        if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
        await sleep(50);
      }
    };
    await waitFor('the worker', () => worker.saw('ready'));
    const survivor = newRunner({ expireInSeconds: 3, maintenanceIntervalSeconds: 1 });
    const ranHere = gate();
    survivor.register('slow', async () => ranHere.open());
    // The survivor only enqueues until the child holds the job, so the child surely takes it first.
    const parked = newRunner({ work: false, expireInSeconds: 3 });
    parked.register('slow', async () => {});
    await parked.start();
    const job = await parked.enqueue({ kind: 'slow', connectionId: 'crash-1' });
    await waitFor('the child to start the job', () => worker.saw('started crash-1'));
    const killedAt = Date.now();
    worker.child.kill('SIGKILL');
    await survivor.start();
    await ranHere.opened;
    const tookOver = Date.now() - killedAt;
    assert.ok(tookOver < 3_000 + 1_000 + 2_000 + 2_000, `taken over after ${tookOver} ms`);
    assert.equal((await job.done).status, 'succeeded');
    const record = await jobsRepository(store).getJob(job.jobId);
    assert.equal(record?.attempts, 2, 'the attempt lost with the worker counts');
  });
});
