import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { jobQueueSchema } from '../src/jobs/choose-runner.js';
import { PgBossJobRunner } from '../src/jobs/pg-boss-runner.js';
import { OutboundPolicy } from '../src/outbound/outbound-policy.js';
import { createApiKey } from '../src/server/auth/api-keys.js';
import { buildServer } from '../src/server/server.js';
import { apiKeysRepository } from '../src/store/api-keys-repository.js';
import { jobsRepository } from '../src/store/jobs-repository.js';
import { WebhookDispatcher } from '../src/webhooks/dispatcher.js';
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
import { type ReceivedDelivery, startWebhookReceiver, type WebhookReceiver } from './helpers/webhook-receiver.js';

const target = storeTargets().find((t) => t.name === 'postgres');
const CONNECTIONS = ['north', 'south', 'east'];
const USERS = 300;

/**
 * Scale-out, as the scale-out issue's done-when asks: an API-only server (no jobs) and three `tenantlink worker`
 * processes share one PostgreSQL queue. Syncs, webhook deliveries and tests (doctor runs) for several connections run
 * on the workers; one worker is killed with kill -9 mid-sync. Every job ends, nothing runs twice at once for a
 * connection, the feed and the deliveries hold each record once (deliveries deduplicated by their id), a delivery
 * enqueued in a rolled-back transaction never exists, and no mailbox ever had more than 4 requests in flight.
 */
describe('tenantlink worker processes on one PostgreSQL', {
  skip: target ? false : 'needs TENANTLINK_TEST_DATABASE_URL',
}, () => {
  let s: SyncSandbox;
  let setup: SyncSetup;
  let receiver: WebhookReceiver;
  const workers: ChildProcess[] = [];
  let schema: string;

  before(async () => {
    s = await startSyncSandbox({ users: USERS });
    receiver = await startWebhookReceiver();
    setup = await setUpSync(target!, s, { name: 'harness' });
    // One app for every connection, allowed what the test's probes read too (a mailbox and a calendar).
    const app = await s.control('POST', `/tenants/${s.tenantId}/applications`, {
      displayName: 'tenantlink scale-out',
      requiredPermissions: { application: ['User.Read.All', 'GroupMember.Read.All', 'Mail.Read', 'Calendars.Read'] },
      grantAdminConsent: true,
      secret: {},
    });
    const [testUser] = (
      await s.reader.get<{ value: { userPrincipalName: string }[] }>('/users', { query: { $top: 1 } })
    ).value;
    for (const name of CONNECTIONS)
      await setup.connections.add({
        name,
        tenant: s.tenantId,
        clientId: app.appId,
        cloud: { authorityHost: s.cloud.authorityHost, graphEndpoint: s.cloud.graphEndpoint },
        features: ['directory', 'mail', 'calendar'],
        settings: { testUser: testUser!.userPrincipalName },
        credential: { clientSecret: app.secret.value },
      });
    writeCliSandboxFiles(s, setup.dataDir);
    schema = setup.store.options.postgresSchema!;
  });
  after(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await receiver?.close();
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
      [
        ...cliCommand,
        '--sandbox',
        join(setup.dataDir, 'state.json'),
        'worker',
        '--concurrency',
        '2',
        '--metrics-port',
        '0',
      ],
      {
        env: {
          ...process.env,
          TENANTLINK_DATA: setup.dataDir,
          TENANTLINK_DATABASE_URL: postgresTestUrl,
          TENANTLINK_DATABASE_SCHEMA: schema,
          TENANTLINK_JOB_EXPIRE_SECONDS: '4',
          TENANTLINK_JOB_MAINTENANCE_SECONDS: '1',
          TENANTLINK_JOB_POLL_SECONDS: '0.5',
          // The test's receiver listens on loopback.
          TENANTLINK_ALLOW_PRIVATE_TARGETS: '1',
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

  test('syncs, deliveries and tests run on three workers; one killed with kill -9 loses nothing, nothing twice', async (t) => {
    const queue = { databaseUrl: postgresTestUrl!, schema: jobQueueSchema(schema) };
    const app = await buildServer({
      store: setup.store,
      service: setup.connections,
      consoleDir: null,
      outbound: { allowPrivateTargets: true },
      // The process that enqueues decides when a job expires: every process gets the same setting.
      jobs: { ...queue, work: false, expireInSeconds: 4 },
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
      const started = ['first', 'second', 'third'].map(startWorker);
      for (const w of started) {
        const until = Date.now() + 30_000;
        while (!/taking jobs/.test(w.output())) {
          assert.ok(Date.now() < until, `worker ${w.name} did not start: ${w.output()}`);
          await sleep(50);
        }
      }
      const hook = await call('POST', '/api/v1/webhooks', { url: receiver.url });
      assert.equal(hook.status, 201, JSON.stringify(hook.body));
      const webhookId = hook.body.webhook.id as string;
      await s.control('POST', '/stats/reset');
      // Slow Graph down so the kill lands mid-sync.
      await s.control('PUT', '/latency', { ms: 40 });
      const ids = new Map<string, string>();
      for (const name of CONNECTIONS) {
        const { id } = await setup.connections.show(name);
        ids.set(name, id);
        const run = await call('POST', `/api/v1/connections/${id}/sync/directory`, {});
        assert.equal(run.status, 202, JSON.stringify(run.body));
      }
      // Tests (doctor runs) go through the queue too: the API waits for a worker to run them.
      const tests = [...ids.values()].map((id) => call('POST', `/api/v1/connections/${id}/test`, {}));

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
        victim = started.find((w) => w.child.pid === pid);
        if (!victim) await sleep(25);
      }
      assert.ok(victim, 'a sync ran on a worker');
      victim.child.kill('SIGKILL');
      const survivors = started.filter((w) => w !== victim);
      const killedAt = Date.now();

      // Every connection's sync ends succeeded, the killed one after its takeover, and is delivered to the end.
      const until = Date.now() + 90_000;
      const diagnose = () => survivors.map((w) => w.output().slice(-2000)).join('\n');
      for (const [name, id] of ids) {
        for (;;) {
          const latest = (await call('GET', `/api/v1/connections/${id}/sync/directory`)).body;
          if (latest.run?.status === 'succeeded' && latest.stored.users === USERS) break;
          assert.ok(Date.now() < until, `${name}: ${JSON.stringify(latest.run)}\n${diagnose()}`);
          await sleep(100);
        }
      }
      const synced = Date.now() - killedAt;
      for (;;) {
        const cursors = (await call('GET', `/api/v1/webhooks/${webhookId}`)).body.webhook.cursors as Json[];
        const behind = [...ids.values()].filter((id) => {
          const c = cursors.find((x) => x.connectionId === id);
          return !c || c.lastSeq < c.feedLastSeq;
        });
        if (behind.length === 0) break;
        assert.ok(Date.now() < until, `deliveries behind: ${JSON.stringify(cursors)}\n${diagnose()}`);
        await sleep(100);
      }
      const delivered = Date.now() - killedAt;
      for (const answer of await Promise.all(tests)) assert.equal(answer.status, 200, JSON.stringify(answer.body));
      t.diagnostic(`syncs done ${synced} ms and deliveries ${delivered} ms after the kill (expiry 4 s)`);

      for (const [name, id] of ids) {
        // Each user once in the feed: a resumed sync writes nothing twice.
        const seen = new Set<string>();
        let since = 0;
        let lastSeq = 0;
        for (;;) {
          const page = await call('GET', `/api/v1/connections/${id}/records/all?since=${since}&limit=5000`);
          if (page.body.records.length === 0) break;
          for (const r of page.body.records as Json[]) {
            const k = `${r.model}/${r.id}`;
            assert.ok(!seen.has(k), `${name}: ${k} twice in the feed`);
            seen.add(k);
            lastSeq = r.seq;
          }
          since = page.body.nextSince;
        }
        assert.equal([...seen].filter((k) => k.startsWith('users/')).length, USERS, name);
        // No two attempts of one connection's sync overlapped, whichever worker ran them.
        const attempts = (await runs.listRuns({ connectionId: id, kind: 'sync.directory' })).filter(
          (r) => r.finishedAt,
        );
        attempts.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
        for (let i = 1; i < attempts.length; i++)
          assert.ok(attempts[i]!.startedAt >= attempts[i - 1]!.finishedAt!, `${name}: attempts overlap`);

        // Deliveries, deduplicated by their id as a receiver would: each feed entry once, in order, up to the head.
        const byId = new Map<string, ReceivedDelivery>();
        let repeats = 0;
        for (const d of receiver.accepted().filter((x) => x.body.connection?.id === id)) {
          const deliveryId = String(d.headers['tenantlink-delivery']);
          if (byId.has(deliveryId)) {
            repeats += 1;
            assert.equal(d.rawBody, byId.get(deliveryId)!.rawBody, `${name}: a repeated delivery carries the same`);
          } else byId.set(deliveryId, d);
        }
        const seqs = [...byId.values()].flatMap((d) => d.body.entries.map((e) => e.seq));
        assert.deepEqual(
          seqs,
          [...seqs].sort((a, b) => a - b),
          `${name}: in order`,
        );
        assert.equal(new Set(seqs).size, seqs.length, `${name}: no entry in two deliveries`);
        assert.equal(seqs.at(-1), lastSeq, `${name}: delivered to the head`);
        assert.equal(seqs.length, seen.size, `${name}: every entry delivered`);
        t.diagnostic(`${name}: ${byId.size} deliveries, ${repeats} sent again after the kill`);
      }
      assert.equal(receiver.maxConcurrentPerConnection, 1, 'one delivery in flight per endpoint and connection');

      const jobs = await runs.listJobs({ limit: 1000 });
      const unfinished = jobs.filter((j) => !['succeeded', 'cancelled'].includes(j.status));
      assert.deepEqual(unfinished, [], 'every job completed');
      const kinds = new Set(jobs.map((j) => j.kind));
      for (const kind of ['sync.directory', 'webhook.feed', 'doctor']) assert.ok(kinds.has(kind), kind);
      assert.ok(
        jobs.some((j) => j.kind === 'sync.directory' && j.attempts > 1),
        'the killed worker’s sync ran again elsewhere',
      );

      // Each worker exports its own jobs and Graph requests, per tenant.
      let exported = '';
      let metricsUrl = '';
      for (const w of survivors) {
        metricsUrl = /Metrics: (\S+)\/metrics/.exec(w.output())?.[1] ?? '';
        assert.ok(metricsUrl, w.output());
        exported += await (await fetch(`${metricsUrl}/metrics`)).text();
      }
      assert.match(exported, new RegExp(`tenantlink_graph_requests_total\\{[^}]*tenant="${s.tenantId}"`));
      assert.match(exported, /tenantlink_job_attempts_total\{[^}]*kind="(sync\.directory|webhook\.feed|doctor)"/);
      assert.equal((await fetch(`${metricsUrl}/readyz`)).status, 200);
      assert.equal((await fetch(`${metricsUrl}/metrics`, { method: 'POST' })).status, 405);

      // The sandbox saw at most 4 requests in flight per mailbox, across every worker.
      const stats = await s.control('GET', '/stats');
      const peaks = Object.values(stats.peakConcurrencyByMailbox as Record<string, number>);
      assert.ok(peaks.length > 0, 'the tests read a mailbox');
      assert.ok(Math.max(...peaks) <= 4, JSON.stringify(stats.peakConcurrencyByMailbox));

      // A delivery enqueued in a transaction that rolls back never exists; one that commits does.
      const enqueuer = new PgBossJobRunner({ store: setup.store, ...queue, work: false });
      const dispatcher = new WebhookDispatcher({
        store: setup.store,
        vault: setup.connections.vault,
        outbound: new OutboundPolicy(),
        runner: enqueuer,
      });
      await enqueuer.start();
      try {
        const north = ids.get('north')!;
        const count = async () =>
          Number(
            (
              await setup.store.db
                .selectFrom('jobs')
                .select((eb) => eb.fn.countAll().as('n'))
                .where('kind', '=', 'webhook.feed')
                .executeTakeFirstOrThrow()
            ).n,
          );
        const before = await count();
        await assert.rejects(
          setup.store.db.transaction().execute(async (trx) => {
            await dispatcher.committing(trx, { connectionId: north });
            throw new Error('rolled back');
          }),
          /rolled back/,
        );
        assert.equal(await count(), before, 'no job from a rolled-back transaction');
        const queued = await setup.store.db
          .transaction()
          .execute(async (trx) => dispatcher.committing(trx, { connectionId: north }))
          .then(count);
        assert.equal(queued, before + 1, 'the same enqueue, committed, is there');
      } finally {
        await enqueuer.stop();
      }

      // The API shows the jobs as recorded; metrics and readiness read the shared queue.
      const listed = await call('GET', '/api/v1/jobs?kind=sync.directory&limit=100');
      assert.equal(listed.status, 200);
      assert.deepEqual(new Set(listed.body.jobs.map((j: Json) => j.connectionId)), new Set(ids.values()));
      assert.ok(listed.body.jobs.every((j: Json) => !('payload' in j)));
      const dead = await call('GET', '/api/v1/jobs?status=failed');
      assert.deepEqual(dead.body.jobs, []);
      assert.equal((await call('GET', '/api/v1/jobs?status=gone')).status, 400);
      assert.equal((await call('GET', '/api/v1/jobs?connection=nobody')).status, 404);
      const metrics = await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${key}` } });
      assert.match(metrics.body, /tenantlink_jobs_waiting\{kind="sync\.directory"\} 0/);
      assert.equal((await app.inject({ url: '/readyz' })).statusCode, 200);
      // Within the expiry (4 s), one maintenance pass (1 s) and a poll, plus the sync itself.
      assert.ok(synced < 30_000, `all synced ${synced} ms after the kill`);
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
    const port = await runCliHere(['worker', '--metrics-port', '70000'], {
      env: { TENANTLINK_DATABASE_URL: 'postgres://127.0.0.1:1/none' },
    });
    assert.equal(port.code, 2);
    assert.match(port.stderr, /--metrics-port must be a port number from 0 to 65535/);
  });
});
