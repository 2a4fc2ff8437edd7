import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../src/cli/run.js';
import { allDatasets } from '../src/features/index.js';
import { InProcessJobRunner } from '../src/jobs/in-process-runner.js';
import { createApiKey } from '../src/server/auth/api-keys.js';
import { buildServer } from '../src/server/server.js';
import { apiKeysRepository } from '../src/store/api-keys-repository.js';
import { SyncScheduler } from '../src/sync/scheduler.js';
import type { Json } from './helpers/graph-sandbox.js';
import { storeTargets } from './helpers/store-databases.js';
import { type SyncSandbox, setUpSync, startSyncSandbox, writeCliSandboxFiles } from './helpers/sync-harness.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let s: SyncSandbox;

before(async () => {
  s = await startSyncSandbox({ users: 50 });
});
after(() => s.close());

for (const target of storeTargets()) {
  describe(`sync API on ${target.name}`, () => {
    after(() => target.cleanUp());

    test('POST starts a run through the job runner; GET shows it with progress; the feed pages by sequence', async () => {
      const setup = await setUpSync(target, s);
      const app = await buildServer({ store: setup.store, service: setup.connections, consoleDir: null });
      const { key } = await createApiKey(apiKeysRepository(setup.store), 'sync tests');
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
        const base = `/api/v1/connections/${setup.connectionId}`;
        assert.deepEqual(await call('GET', `${base}/sync/directory`), {
          status: 200,
          body: { run: null, stored: {}, lastSeq: 0 },
        });
        const started = await call('POST', `${base}/sync/directory`, {});
        assert.equal(started.status, 202);
        assert.deepEqual([started.body.run.status, started.body.run.trigger], ['queued', 'manual']);
        let latest: Json;
        for (let i = 0; i < 200; i++) {
          latest = (await call('GET', `${base}/sync/directory`)).body;
          if (latest.run.status !== 'queued' && latest.run.status !== 'running') break;
          await sleep(25);
        }
        assert.equal(latest.run.id, started.body.run.id);
        assert.deepEqual([latest.run.status, latest.run.mode], ['succeeded', 'full']);
        assert.ok(latest.run.progress.pages > 0 && latest.run.progress.records > 0, JSON.stringify(latest.run));
        assert.equal(latest.run.progress.etaSeconds, 0);
        assert.equal(latest.stored.users, 50);

        // Paging the users' feed by sequence number reads each user once.
        const seen = new Set<string>();
        let since = 0;
        for (;;) {
          const page = await call('GET', `${base}/records/users?since=${since}&limit=7`);
          assert.equal(page.status, 200);
          if (page.body.records.length === 0) break;
          for (const r of page.body.records as Json[]) {
            assert.deepEqual([r.model, r.action], ['users', 'upsert']);
            assert.ok(r.seq > since && !seen.has(r.id));
            seen.add(r.id);
          }
          since = page.body.nextSince;
        }
        assert.equal(seen.size, 50);
        const memberships = await call('GET', `${base}/records/memberships?limit=1`);
        assert.deepEqual(Object.keys(memberships.body.records[0].data).sort(), ['groupId', 'memberId', 'memberType']);
        // A membership's user and group, looked up by id as they stand now (unknown ids are left out).
        const { groupId, memberId } = memberships.body.records[0].data;
        const users = await call('GET', `${base}/records/users/current?ids=${memberId},no-such-user`);
        assert.deepEqual(
          users.body.records.map((r: Json) => r.id),
          [memberId],
        );
        assert.ok(users.body.records[0].data.displayName);
        const groups = await call('GET', `${base}/records/groups/current?ids=${groupId}`);
        assert.equal(groups.body.records[0].id, groupId);
        const tooMany = Array.from({ length: 101 }, (_, i) => `id-${i}`).join(',');
        assert.equal((await call('GET', `${base}/records/users/current?ids=${tooMany}`)).status, 400);

        // A full read asked for runs as one.
        const full = await call('POST', `${base}/sync/directory`, { full: true });
        assert.equal(full.body.run.requestedFull, true);
        for (let i = 0; i < 200; i++) {
          latest = (await call('GET', `${base}/sync/directory`)).body;
          if (latest.run.id === full.body.run.id && latest.run.status === 'succeeded') break;
          await sleep(25);
        }
        assert.deepEqual([latest.run.mode, latest.run.progress.changes], ['full', 0]);

        assert.equal((await call('GET', `${base}/records/nothing`)).status, 400);
        assert.equal((await call('GET', `${base}/records/users?since=-1`)).status, 400);
        assert.equal((await call('POST', `${base}/sync/mail`, {})).status, 400);
        assert.equal((await call('GET', '/api/v1/connections/nope/sync/directory')).status, 404);
        const bad = await call('PATCH', base, { settings: { directory: { allowedDomains: ['not a domain'] } } });
        assert.equal(bad.status, 400);
        assert.match(bad.body.error.message, /allowedDomains/);
      } finally {
        await app.close();
        await setup.close();
      }
    });

    test('a connection whose settings ask for an interval is synced on that schedule', async () => {
      const setup = await setUpSync(target, s, { settings: { directory: { syncIntervalMinutes: 60 } } });
      const runner = new InProcessJobRunner({ store: setup.store });
      setup.sync.attach(runner);
      const scheduler = new SyncScheduler({
        runner,
        connections: setup.connections,
        datasets: allDatasets(),
        refreshMs: 20,
      });
      try {
        await runner.start();
        await scheduler.start();
        await runner.whenIdle();
        const [run] = await setup.sync.history(setup.connectionId, 'directory');
        assert.deepEqual([run?.trigger, run?.status], ['schedule', 'succeeded']);
      } finally {
        scheduler.stop();
        await runner.stop();
        await setup.close();
      }
    });
  });
}

describe('the sync and records commands', () => {
  const work = mkdtempSync(join(tmpdir(), 'tenantlink-sync-cli-'));
  after(() => rmSync(work, { recursive: true, force: true }));
  const env: Record<string, string> = {};

  const cli = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['--data', join(work, 'data'), '--sandbox', join(work, 'state.json'), ...args], {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      stdin: process.stdin,
      env,
    });
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  };

  test('sync a directory, then read its changes, as text and as JSON', async () => {
    writeCliSandboxFiles(s, work);
    const added = await cli(
      ...['connections', 'add', '--name', 'contoso', '--tenant', s.tenantId, '--client-id', s.syncApp.appId],
      ...['--client-secret-file', join(work, 'secret.txt'), '--features', 'directory'],
    );
    assert.equal(added.code, 0, added.stderr);

    const first = await cli('sync', 'contoso', 'directory');
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /Synced directory of 'contoso': full read, \d+ records? in \d+ pages?/);
    assert.match(first.stdout, /50 users/);
    assert.match(first.stderr, /directory: \d+ pages?, \d+/, 'progress lines when stderr is not a terminal');

    const json = await cli('--json', 'sync', 'contoso', 'directory');
    assert.equal(json.code, 0);
    const summary = JSON.parse(json.stdout);
    assert.deepEqual([summary.run.status, summary.run.mode, summary.run.progress.changes], ['succeeded', 'delta', 0]);
    assert.equal(summary.totals.present.users, 50);

    const page = JSON.parse((await cli('--json', 'records', 'contoso', 'users', '--limit', '5')).stdout);
    assert.equal(page.records.length, 5);
    const next = await cli('records', 'contoso', 'users', '--since', String(page.nextSince), '--limit', '2');
    assert.match(next.stdout, /^\d+\tupsert\tusers\t[0-9a-f-]{36}\t\S+@\S+/m);
    assert.match(next.stdout, /Next: tenantlink records contoso users --since \d+/);

    assert.equal((await cli('records', 'contoso', 'nothing')).code, 2);
    assert.equal((await cli('records', 'contoso', 'users', '--since', 'x')).code, 2);
    assert.equal((await cli('sync', 'contoso', 'mail')).code, 2);

    // The feed retention comes from the environment, as for the server.
    env.TENANTLINK_FEED_RETENTION_DAYS = 'soon';
    const refused = await cli('sync', 'contoso', 'directory');
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /feed retention must be a whole number of days/);
    env.TENANTLINK_FEED_RETENTION_DAYS = '0';
    assert.equal((await cli('sync', 'contoso', 'directory')).code, 0);
  });
});
