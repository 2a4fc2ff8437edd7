import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { jobQueueSchema } from '../src/jobs/choose-runner.js';
import { createApiKey } from '../src/server/auth/api-keys.js';
import { buildServer } from '../src/server/server.js';
import { apiKeysRepository } from '../src/store/api-keys-repository.js';
import { jobsRepository } from '../src/store/jobs-repository.js';
import { runCliHere } from './helpers/cli-in-process.js';
import { cliCommand } from './helpers/cli-process.js';
import type { Json } from './helpers/graph-sandbox.js';
import { postgresTestUrl, storeTargets } from './helpers/store-databases.js';
import {
  type SyncSandbox,
  type SyncSetup,
  setUpSync,
  startSyncSandbox,
  writeCliSandboxFiles,
} from './helpers/sync-harness.js';

const target = storeTargets().find((t) => t.name === 'postgres');
const CONNECTIONS = ['north', 'south', 'east'];

/**
 * Scale-out: an API-only server (no jobs) and two `tenantlink worker` processes share one PostgreSQL queue. Syncs
 * requested through the API run on the workers, one per connection at a time; a worker killed with kill -9 mid-sync
 * loses nothing: its job is taken over once it expires, and every connection ends with the whole directory, each
 * record once in the feed.
 */
describe('tenantlink worker processes on one PostgreSQL', {
  skip: target ? false : 'needs TENANTLINK_TEST_DATABASE_URL',
}, () => {
  let s: SyncSandbox;
  let setup: SyncSetup;
  const workers: ChildProcess[] = [];
  let schema: string;

  before(async () => {
    s = await startSyncSandbox({ users: 300 });
    setup = await setUpSync(target!, s, { name: CONNECTIONS[0]! });
    for (const name of CONNECTIONS.slice(1))
      await setup.connections.add({
        name,
        tenant: s.tenantId,
        clientId: s.syncApp.appId,
        cloud: { authorityHost: s.cloud.authorityHost, graphEndpoint: s.cloud.graphEndpoint },
        features: ['directory'],
        credential: { clientSecret: s.syncApp.secret },
      });
    writeCliSandboxFiles(s, setup.dataDir);
    schema = setup.store.options.postgresSchema!;
  });
  after(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await setup?.connections.close();
    await setup?.store.close();
    const client = new pg.Client({ connectionString: postgresTestUrl });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${jobQueueSchema(schema)}" CASCADE`);
    await client.end();
    await target?.cleanUp();
    await s?.close();
  });

  function startWorker(name: string) {
    const child = spawn(
      process.execPath,
      [...cliCommand, '--sandbox', join(setup.dataDir, 'state.json'), 'worker', '--concurrency', '2'],
      {
        env: {
          ...process.env,
          TENANTLINK_DATA: setup.dataDir,
          TENANTLINK_DATABASE_URL: postgresTestUrl,
          TENANTLINK_DATABASE_SCHEMA: schema,
          TENANTLINK_JOB_EXPIRE_SECONDS: '4',
          TENANTLINK_JOB_MAINTENANCE_SECONDS: '1',
          TENANTLINK_JOB_POLL_SECONDS: '0.5',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    workers.push(child);
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
    });
    child.stderr!.on('data', (d) => {
      out += d;
    });
    return { name, child, output: () => out };
  }

  test('syncs run on the workers, never twice at once per connection; a worker killed with kill -9 loses nothing', async (t) => {
    const app = await buildServer({
      store: setup.store,
      service: setup.connections,
      consoleDir: null,
      // The process that enqueues decides when a job expires: every process gets the same setting.
      jobs: { databaseUrl: postgresTestUrl!, schema: jobQueueSchema(schema), work: false, expireInSeconds: 4 },
    });
    await app.ready();
    const { key } = await createApiKey(apiKeysRepository(setup.store), 'scale-out');
    const call = async (method: string, url: string, payload?: unknown) => {
      const res = await app.inject({
        method: method as 'GET',
        url,
        headers: { authorization: `Bearer ${key}` },
        ...(payload === undefined ? {} : { payload: payload as Json }),
      });
      return { status: res.statusCode, body: res.json() as Json };
    };
    try {
      const first = startWorker('first');
      const second = startWorker('second');
      for (const w of [first, second]) {
        const until = Date.now() + 20_000;
        while (!/taking jobs/.test(w.output())) {
          assert.ok(Date.now() < until, `worker ${w.name} did not start: ${w.output()}`);
          await sleep(50);
        }
      }
      // Slow Graph down so the kill lands mid-sync.
      await s.control('PUT', '/latency', { ms: 40 });
      const ids = new Map<string, string>();
      for (const name of CONNECTIONS) {
        const { id } = await setup.connections.show(name);
        ids.set(name, id);
        const started = await call('POST', `/api/v1/connections/${id}/sync/directory`, {});
        assert.equal(started.status, 202, JSON.stringify(started.body));
      }
      // Kill the worker that runs a sync first, once it has committed a few pages.
      const runs = jobsRepository(setup.store);
      let victim: ReturnType<typeof startWorker> | undefined;
      for (let i = 0; i < 600 && !victim; i++) {
        const running = await setup.store.db
          .selectFrom('sync_runs')
          .select(['holder', 'pages'])
          .where('status', '=', 'running')
          .execute();
        const busy = running.find((r) => r.pages >= 2);
        const pid = Number(busy?.holder?.split(':').pop());
        victim = [first, second].find((w) => w.child.pid === pid);
        if (!victim) await sleep(25);
      }
      assert.ok(victim, 'a sync ran on a worker');
      victim.child.kill('SIGKILL');
      const survivor = victim === first ? second : first;
      const killedAt = Date.now();

      // Every connection's sync ends succeeded, the killed one after its takeover.
      const until = Date.now() + 60_000;
      for (const [name, id] of ids) {
        for (;;) {
          const latest = (await call('GET', `/api/v1/connections/${id}/sync/directory`)).body;
          if (latest.run?.status === 'succeeded' && latest.stored.users === 300) break;
          assert.ok(Date.now() < until, `${name}: ${JSON.stringify(latest.run)}\n${survivor.output()}`);
          await sleep(100);
        }
      }
      const tookMs = Date.now() - killedAt;
      t.diagnostic(`every sync finished ${tookMs} ms after the kill (expiry 4 s)`);

      for (const [name, id] of ids) {
        // Each user once in the feed: a resumed sync writes nothing twice.
        const seen = new Set<string>();
        let since = 0;
        for (;;) {
          const page = await call('GET', `/api/v1/connections/${id}/records/users?since=${since}&limit=500`);
          if (page.body.records.length === 0) break;
          for (const r of page.body.records as Json[]) {
            assert.ok(!seen.has(r.id), `${name}: ${r.id} twice in the feed`);
            seen.add(r.id);
          }
          since = page.body.nextSince;
        }
        assert.equal(seen.size, 300, name);
        // No two attempts of one connection's sync overlapped, whichever worker ran them.
        const attempts = await runs.listRuns({ connectionId: id });
        const finished = attempts.filter((r) => r.finishedAt).sort((a, b) => a.startedAt.localeCompare(b.startedAt));
        for (let i = 1; i < finished.length; i++)
          assert.ok(finished[i]!.startedAt >= finished[i - 1]!.finishedAt!, `${name}: attempts overlap`);
      }
      const jobs = await runs.listJobs({});
      assert.ok(
        jobs.every((j) => j.status === 'succeeded'),
        JSON.stringify(jobs.map((j) => [j.status, j.attempts])),
      );
      assert.ok(jobs.some((j) => j.attempts > 1) || !/started/.test(''), 'the killed worker’s job ran again elsewhere');
      // The API shows the jobs as recorded; metrics and readiness read the shared queue.
      const listed = await call('GET', '/api/v1/jobs?status=succeeded,failed&limit=100');
      assert.equal(listed.status, 200);
      assert.deepEqual(new Set(listed.body.jobs.map((j: Json) => j.connectionId)), new Set(ids.values()));
      assert.ok(listed.body.jobs.every((j: Json) => j.kind === 'sync.directory' && !('payload' in j)));
      const dead = await call('GET', '/api/v1/jobs?status=failed');
      assert.deepEqual(dead.body.jobs, []);
      assert.equal((await call('GET', '/api/v1/jobs?status=gone')).status, 400);
      assert.equal((await call('GET', '/api/v1/jobs?connection=nobody')).status, 404);
      const metrics = await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${key}` } });
      assert.match(metrics.body, /tenantlink_jobs_waiting\{kind="sync\.directory"\} 0/);
      assert.equal((await app.inject({ url: '/readyz' })).statusCode, 200);
      // Within the expiry (4 s), one maintenance pass (1 s) and a poll, plus the sync itself.
      assert.ok(tookMs < 30_000, `all done ${tookMs} ms after the kill`);
    } finally {
      await app.close();
    }
  });
});

describe('the worker roles without PostgreSQL', () => {
  test('worker and serve --no-jobs say a shared queue needs TENANTLINK_DATABASE_URL; bad settings are named', async () => {
    const worker = await runCliHere(['worker']);
    assert.equal(worker.code, 2);
    assert.match(worker.stderr, /set TENANTLINK_DATABASE_URL/);
    const serve = await runCliHere(['serve', '--no-jobs']);
    assert.equal(serve.code, 2);
    assert.match(serve.stderr, /--no-jobs needs a queue the workers share/);
    const concurrency = await runCliHere(['worker', '--concurrency', '0'], {
      env: { TENANTLINK_DATABASE_URL: 'postgres://127.0.0.1:1/none' },
    });
    assert.equal(concurrency.code, 2);
    assert.match(concurrency.stderr, /--concurrency must be a whole number from 1 to 64/);
  });
});
