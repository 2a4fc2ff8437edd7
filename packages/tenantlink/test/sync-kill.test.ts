import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEFAULT_USER_FIELDS } from '../src/features/directory/scope.js';
import type { FeedEntry } from '../src/store/records-repository.js';
import { storeTargets } from './helpers/store-databases.js';
import { type SyncSandbox, type SyncSetup, setUpSync, startSyncSandbox } from './helpers/sync-harness.js';

const CHILD = fileURLToPath(new URL('./fixtures/directory-sync-child.ts', import.meta.url));

let s: SyncSandbox;

before(async () => {
  s = await startSyncSandbox({ users: 50 });
  // Small delta pages and some latency make many commit points to kill between.
  await s.control('PATCH', '/settings', { deltaPageSize: 4 });
  await s.control('PUT', '/latency', { ms: 15, jitterMs: 10 });
});
after(() => s.close());

interface ChildOutcome {
  killed: boolean;
  /** Commits the child reported before it died or finished. */
  commits: number;
  output: string;
}

/** Runs the sync in a child process and SIGKILLs it after `killAfterCommits` commits plus a random few ms. */
function runChild(setup: SyncSetup, env: Record<string, string>, killAfterCommits: number): Promise<ChildOutcome> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', CHILD], {
      env: { ...process.env, ...env, TL_CONNECTION: setup.connectionId },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let commits = 0;
    let killing = false;
    const kill = () => {
      if (killing) return;
      killing = true;
      // Anywhere: inside the next read, or inside the next commit's transaction.
      setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * 25));
    };
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      commits = (output.match(/^committed /gm) ?? []).length;
      if (killAfterCommits === 0 && output.includes('started\n')) kill();
      else if (commits >= killAfterCommits && killAfterCommits > 0) kill();
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', reject);
    // Resolved once the process is gone and reaped, so its pid no longer answers.
    child.on('exit', (_code, signal) => resolve({ killed: signal === 'SIGKILL', commits, output }));
  });
}

for (const target of storeTargets()) {
  describe(`directory sync killed with SIGKILL on ${target.name}`, () => {
    after(() => target.cleanUp());

    test('resuming after kill -9 at random points gives the same final state, with no duplicate feed entries', async () => {
      const setup = await setUpSync(target, s, { name: 'killed' });
      const { dataDir, databaseUrl, postgresSchema } = setup.store.options;
      const childEnv: Record<string, string> = {
        TL_CLOUD: JSON.stringify(s.cloud),
        TL_KEY_DIR: setup.dataDir,
        ...(dataDir ? { TL_DATA_DIR: dataDir } : {}),
        ...(databaseUrl && postgresSchema ? { TL_DATABASE_URL: databaseUrl, TL_DATABASE_SCHEMA: postgresSchema } : {}),
      };
      // What a consumer reading the feed between crashes sees.
      let since = 0;
      const read: FeedEntry[] = [];
      const readFeed = async () => {
        for (;;) {
          const page = await setup.sync.feed(setup.connectionId, 'all', { since, limit: 1000 });
          if (page.records.length === 0) return;
          read.push(...page.records);
          since = page.nextSince;
        }
      };
      const phase = async (name: string, kills: number) => {
        const start = read.length;
        const outcomes: ChildOutcome[] = [];
        for (let i = 0; i < kills; i++) {
          const outcome = await runChild(setup, childEnv, Math.floor(Math.random() * 4));
          outcomes.push(outcome);
          assert.ok(outcome.killed || /done/.test(outcome.output), `${name}: ${outcome.output}`);
          await readFeed();
        }
        // The last run resumes in this process and finishes.
        const last = await setup.sync.run(setup.connectionId, 'directory');
        assert.equal(last.status, 'succeeded');
        await readFeed();
        const entries = read.slice(start).map((e) => `${e.model}/${e.id}`);
        assert.equal(new Set(entries).size, entries.length, `${name}: no record was sent twice`);
        assert.ok(
          outcomes.some((o) => o.killed),
          `${name}: at least one run was killed (${outcomes.map((o) => o.commits)})`,
        );
        return last;
      };

      try {
        // Whichever process finished it, the full read is complete and exact.
        await phase('full read', 3);
        let stored = await setup.stored();
        let expected = await s.directory(DEFAULT_USER_FIELDS);
        assert.deepEqual(stored.users, expected.users);
        assert.deepEqual(stored.groups, expected.groups);
        assert.deepEqual(stored.memberships, expected.memberships);

        await s.control('POST', `/tenants/${s.tenantId}/churn`, {
          usersAdded: 4,
          usersUpdated: 6,
          usersDeleted: 3,
          groupsChanged: 3,
          membershipChanges: 10,
          seed: 99,
        });
        const second = await phase('delta round', 2);
        assert.equal(second.mode, 'delta');
        stored = await setup.stored();
        expected = await s.directory(DEFAULT_USER_FIELDS);
        assert.deepEqual(stored.users, expected.users);
        assert.deepEqual(stored.groups, expected.groups);
        assert.deepEqual(stored.memberships, expected.memberships);
        const runs = await setup.sync.history(setup.connectionId, 'directory', 50);
        assert.ok(
          runs.some((r) => r.status === 'interrupted'),
          'runs of killed processes are marked interrupted',
        );
      } finally {
        await setup.close();
      }
    });
  });
}
