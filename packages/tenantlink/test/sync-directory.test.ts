import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_USER_FIELDS } from '../src/features/directory/scope.js';
import { openStore } from '../src/store/database.js';
import { type FeedEntry, recordsRepository } from '../src/store/records-repository.js';
import { WebhookEndpoints } from '../src/webhooks/endpoints.js';
import type { Json } from './helpers/graph-sandbox.js';
import { storeTargets } from './helpers/store-databases.js';
import {
  type DirectoryState,
  type SyncSandbox,
  type SyncSetup,
  setUpSync,
  startSyncSandbox,
} from './helpers/sync-harness.js';
import { LOOPBACK_TARGETS } from './helpers/webhook-store.js';

let s: SyncSandbox;

before(async () => {
  s = await startSyncSandbox({ users: 50 });
});
after(() => s.close());

/** Asserts the feed's picture equals the sandbox's, model by model, with a readable difference. */
function assertSameDirectory(actual: DirectoryState, expected: DirectoryState): void {
  assert.deepEqual([...actual.users.keys()].sort(), [...expected.users.keys()].sort(), 'same users');
  for (const [id, user] of expected.users) assert.deepEqual(actual.users.get(id), user, `user ${id}`);
  assert.deepEqual([...actual.groups.keys()].sort(), [...expected.groups.keys()].sort(), 'same groups');
  for (const [id, group] of expected.groups) assert.deepEqual(actual.groups.get(id), group, `group ${id}`);
  assert.deepEqual([...actual.memberships].sort(), [...expected.memberships].sort(), 'same memberships');
}

/** Every entry of the feed read from `since`, in order. */
async function feedSince(setup: SyncSetup, since: number) {
  const out: FeedEntry[] = [];
  for (;;) {
    const page = await setup.sync.feed(setup.connectionId, 'all', { since, limit: 1000 });
    if (page.records.length === 0) return out;
    out.push(...page.records);
    since = page.nextSince;
  }
}

for (const target of storeTargets()) {
  describe(`directory sync on ${target.name}`, () => {
    after(() => target.cleanUp());

    for (const [how, deltaPageSize] of [
      ['in one delta page', 200],
      ['listed (users, groups with $expand, members through $batch)', 7],
    ] as const)
      test(`a full read ${how}, then delta rounds, equal the sandbox exactly (users, groups, memberships, deletions)`, async () => {
        await s.control('PATCH', '/settings', { deltaPageSize });
        await s.control('POST', '/stats/reset');
        const setup = await setUpSync(target, s, { name: `exact ${deltaPageSize}` });
        try {
          const first = await setup.sync.run(setup.connectionId, 'directory');
          const routes = Object.keys((await s.control('GET', '/stats')).byRoute);
          if (deltaPageSize < 50)
            for (const route of ['GET /v1.0/users', 'GET /v1.0/groups', 'GET /v1.0/groups/:id/members'])
              assert.ok(routes.includes(route), `${route} in ${routes}`);
          else assert.ok(!routes.includes('GET /v1.0/users'), 'one delta page needs no listing');
          assert.equal(first.status, 'succeeded');
          assert.equal(first.mode, 'full');
          assert.ok(first.progress.pages >= 2 && first.progress.records > 50, JSON.stringify(first.progress));
          const full = await setup.stored();
          assertSameDirectory(full, await s.directory(DEFAULT_USER_FIELDS));
          assert.equal(
            full.entries,
            full.users.size + full.groups.size + full.memberships.size,
            'one entry per record',
          );
          const afterFull = (await setup.sync.totals(setup.connectionId)).lastSeq;

          // Joiners, movers, leavers (soft deletes), renamed groups, membership edits; a hard delete; a new group.
          const churn = await s.control('POST', `/tenants/${s.tenantId}/churn`, {
            usersAdded: 3,
            usersUpdated: 4,
            usersDeleted: 2,
            groupsChanged: 2,
            membershipChanges: 6,
            seed: 7,
          });
          const state = await s.control('GET', `/tenants/${s.tenantId}`);
          const victim = (state.users as Json[]).find(
            (u) => !u.isAdmin && !churn.usersUpdated.includes(u.id) && !churn.usersAdded.includes(u.id),
          );
          await s.control('DELETE', `/tenants/${s.tenantId}/users/${victim.id}?hard=true`);
          const team = await s.control('POST', `/tenants/${s.tenantId}/groups`, {
            displayName: 'Sync Test Team',
            members: churn.usersAdded,
          });
          // A group that is itself a member of a group (nested): its memberships go with it, and so does its own.
          const groups = state.groups as Json[];
          const parent = groups.find((g) => g.memberIds.some((m: string) => groups.some((x) => x.id === m)));
          const doomed = groups.find(
            (g) => g.id === parent.memberIds.find((m: string) => groups.some((x) => x.id === m)),
          );
          await s.writer.delete(`/groups/${doomed.id}`);

          const second = await setup.sync.run(setup.connectionId, 'directory');
          assert.equal(second.mode, 'delta');
          const expected = await s.directory(DEFAULT_USER_FIELDS);
          assertSameDirectory(await setup.stored(), expected);

          const changes = await feedSince(setup, afterFull);
          const byId = new Map(changes.map((e) => [`${e.model}/${e.id}`, e]));
          assert.equal(byId.size, changes.length, 'a record appears once in a read of the feed');
          for (const id of churn.usersDeleted)
            assert.deepEqual(
              [byId.get(`users/${id}`)?.action, byId.get(`users/${id}`)?.reason],
              ['delete', 'softDeleted'],
            );
          assert.deepEqual(
            [byId.get(`users/${victim.id}`)?.action, byId.get(`users/${victim.id}`)?.reason],
            ['delete', 'deleted'],
          );
          for (const id of churn.usersAdded) {
            assert.equal(byId.get(`users/${id}`)?.action, 'upsert');
            assert.equal(byId.get(`memberships/${team.id}:${id}`)?.action, 'upsert');
          }
          for (const m of churn.membershipChanges as { groupId: string; added?: string; removed?: string }[]) {
            const id = `${m.groupId}:${m.added ?? m.removed}`;
            const entry = byId.get(`memberships/${id}`);
            if (expected.memberships.has(id)) assert.equal(entry?.action, 'upsert');
            // A removed membership says which one ended.
            else if (m.removed) assert.deepEqual([entry?.action, entry?.data?.memberId], ['delete', m.removed]);
          }
          assert.equal(byId.get(`groups/${doomed.id}`)?.action, 'delete');
          assert.equal(byId.get(`memberships/${parent.id}:${doomed.id}`)?.action, 'delete');
          for (const m of doomed.memberIds)
            if (full.memberships.has(`${doomed.id}:${m}`))
              assert.equal(byId.get(`memberships/${doomed.id}:${m}`)?.action, 'delete');

          // Nothing changed: a delta round and even a full read write no feed entry.
          const last = (await setup.sync.totals(setup.connectionId)).lastSeq;
          const quiet = await setup.sync.run(setup.connectionId, 'directory');
          assert.deepEqual([quiet.mode, quiet.progress.changes], ['delta', 0]);
          const again = await setup.sync.run(setup.connectionId, 'directory', { full: true });
          assert.deepEqual([again.mode, again.progress.changes], ['full', 0]);
          assert.equal((await setup.sync.totals(setup.connectionId)).lastSeq, last);
        } finally {
          await s.control('PATCH', '/settings', { deltaPageSize: 200 });
          await setup.close();
        }
      });

    test('one run per connection at a time, also from another service on its own database connection', async () => {
      const setup = await setUpSync(target, s, { name: 'single' });
      const second = Object.assign(await openStore(setup.store.options), { options: setup.store.options });
      const other = await setUpSync(target, s, { name: 'single other', store: second, dataDir: setup.dataDir });
      try {
        const results = await Promise.allSettled([
          setup.sync.run(setup.connectionId, 'directory'),
          other.sync.run(setup.connectionId, 'directory'),
        ]);
        const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        assert.equal(failed.length, 1, 'exactly one of the two ran');
        assert.equal(failed[0]!.reason.code, 'SYNC_ALREADY_RUNNING');
        assert.match(failed[0]!.reason.message, /already running \(in process /);
      } finally {
        await other.close();
        await second.close();
        await setup.close();
      }
    });

    test('feed retention: old deletions are pruned once every webhook has them; a replay from before them is refused', async () => {
      const setup = await setUpSync(target, s, { name: 'retention' });
      const id = setup.connectionId;
      const endpoints = new WebhookEndpoints({
        store: setup.store,
        vault: setup.connections.vault,
        connections: setup.connections,
        outbound: LOOPBACK_TARGETS,
      });
      const pruneNow = () => setup.sync.pruneFeed(id, { olderThanDays: 0, now: Date.now() + 1000 });
      try {
        await setup.sync.run(id, 'directory');
        const afterFull = (await setup.sync.totals(id)).lastSeq;
        await s.control('POST', `/tenants/${s.tenantId}/churn`, { usersDeleted: 3, membershipChanges: 6, seed: 41 });
        await setup.sync.run(id, 'directory');
        const deletions = (await feedSince(setup, afterFull)).filter((e) => e.action === 'delete');
        const prunable = deletions.filter((e) => e.reason === 'deleted' || e.reason === 'missing');
        assert.ok(prunable.length > 0, JSON.stringify(deletions.map((e) => [e.model, e.reason])));
        // The run pruned with the default retention (30 days): these are too young.
        assert.equal(await recordsRepository(setup.store).prunedThrough(id), 0);

        // A webhook endpoint that has not received them holds them in the feed, even with no retention left.
        const { endpoint } = await endpoints.add({ url: 'https://hooks.example.test/tenantlink' });
        await endpoints.replay(endpoint.id, { connection: id, since: afterFull });
        assert.deepEqual(await pruneNow(), { pruned: 0, prunedThrough: 0 });

        // Once it has them, they go; soft deletions and out-of-scope records stay (they may come back).
        const head = (await setup.sync.totals(id)).lastSeq;
        await endpoints.replay(endpoint.id, { connection: id, since: head });
        const outcome = await pruneNow();
        assert.deepEqual(outcome, { pruned: prunable.length, prunedThrough: Math.max(...prunable.map((e) => e.seq)) });
        const left = (await feedSince(setup, 0)).filter((e) => e.action === 'delete');
        assert.ok(left.every((e) => e.reason !== 'deleted' && e.reason !== 'missing'));

        // Each page says how far deletions were pruned, so a reader resuming below it knows to start again from 0;
        // a replay there is refused. Paging through from 0 still reads the whole directory.
        const page = await setup.sync.feed(id, 'all', { since: afterFull, limit: 5 });
        assert.equal(page.prunedThrough, outcome.prunedThrough);
        await assert.rejects(endpoints.replay(endpoint.id, { connection: id, since: afterFull }), {
          code: 'FEED_CURSOR_EXPIRED',
          status: 410,
        });
        await endpoints.replay(endpoint.id, { connection: id, since: 0 });
        assertSameDirectory(await setup.stored(), await s.directory(DEFAULT_USER_FIELDS));
        // Sync goes on as before.
        await s.control('POST', `/tenants/${s.tenantId}/churn`, { usersAdded: 2, usersDeleted: 1, seed: 42 });
        assert.equal((await setup.sync.run(id, 'directory')).status, 'succeeded');
        assertSameDirectory(await setup.stored(), await s.directory(DEFAULT_USER_FIELDS));
      } finally {
        await setup.close();
      }
    });

    test('an expired delta link (400 syncStateNotFound, then 410 Gone) makes a full read that deletes by difference', async () => {
      const setup = await setUpSync(target, s, { name: 'expiry' });
      try {
        await setup.sync.run(setup.connectionId, 'directory');
        for (const [round, status] of [400, 410].entries()) {
          const churn = await s.control('POST', `/tenants/${s.tenantId}/churn`, {
            usersAdded: 2,
            usersUpdated: 2,
            usersDeleted: 2,
            membershipChanges: 4,
            seed: 20 + round,
          });
          const before = (await setup.sync.totals(setup.connectionId)).lastSeq;
          // Delta links now last one second, and the sandbox clock moves on: every saved link has expired.
          await s.control('PATCH', '/settings', { deltaTokenLifetimeSeconds: 1, expiredDeltaStatus: status });
          await s.control('POST', '/clock', { advanceSeconds: 5 });
          let run: Awaited<ReturnType<typeof setup.sync.run>>;
          try {
            run = await setup.sync.run(setup.connectionId, 'directory');
          } finally {
            await s.control('PATCH', '/settings', { deltaTokenLifetimeSeconds: 7 * 86_400, expiredDeltaStatus: 400 });
          }
          assert.deepEqual([run.status, run.mode, run.requestedFull], ['succeeded', 'full', false], `after ${status}`);
          assertSameDirectory(await setup.stored(), await s.directory(DEFAULT_USER_FIELDS));
          const changes = new Map((await feedSince(setup, before)).map((e) => [`${e.model}/${e.id}`, e]));
          for (const id of churn.usersDeleted)
            assert.deepEqual(
              [changes.get(`users/${id}`)?.action, changes.get(`users/${id}`)?.reason],
              ['delete', 'missing'],
            );
          for (const id of churn.usersAdded) assert.equal(changes.get(`users/${id}`)?.action, 'upsert');
          // The next round is a delta round again.
          assert.equal((await setup.sync.run(setup.connectionId, 'directory')).mode, 'delta');
        }
      } finally {
        await setup.close();
      }
    });

    test('a 429 storm longer than the Graph client retries is ridden out', async () => {
      const setup = await setUpSync(target, s, { name: 'storm', sync: { pageRetries: 4 } });
      // The client tries 6 times per request; 14 throttled answers in a row outlast two of its rounds.
      const faults = [
        await s.control('POST', '/faults', {
          pathPattern: '/v1.0/users/delta',
          status: 429,
          retryAfterSeconds: 0.01,
          count: 14,
        }),
        await s.control('POST', '/faults', {
          pathPattern: '/v1.0/groups/delta',
          status: 429,
          retryAfterSeconds: 0.01,
          count: 8,
        }),
      ];
      try {
        const run = await setup.sync.run(setup.connectionId, 'directory');
        assert.equal(run.status, 'succeeded');
        assert.deepEqual(await s.control('GET', '/faults'), [], 'every throttled answer was used up');
        assertSameDirectory(await setup.stored(), await s.directory(DEFAULT_USER_FIELDS));
      } finally {
        for (const f of faults) await s.control('DELETE', `/faults/${f.id}`).catch(() => {});
        await setup.close();
      }
    });

    test('a storm that outlasts every retry fails the run; the checkpoint stays and the next run resumes', async () => {
      const setup = await setUpSync(target, s, { name: 'outlasted', sync: { pageRetries: 1 } });
      await s.control('PATCH', '/settings', { deltaPageSize: 5 });
      const fault = await s.control('POST', '/faults', {
        pathPattern: '/v1.0/users',
        status: 429,
        retryAfterSeconds: 0.01,
      });
      try {
        await assert.rejects(setup.sync.run(setup.connectionId, 'directory'), { code: 'THROTTLED' });
        const [failed] = await setup.sync.history(setup.connectionId, 'directory');
        assert.deepEqual([failed?.status, failed?.error?.code], ['failed', 'THROTTLED']);
        assert.ok(failed!.progress.pages >= 1, 'pages before the storm were committed');
        await s.control('DELETE', `/faults/${fault.id}`);
        const resumed = await setup.sync.run(setup.connectionId, 'directory');
        assert.deepEqual([resumed.status, resumed.mode], ['succeeded', 'full']);
        const fresh = await setup.sync.run(setup.connectionId, 'directory', { full: true });
        assert.ok(resumed.progress.pages < fresh.progress.pages, 'the resumed run did not start over');
        const stored = await setup.stored();
        assertSameDirectory(stored, await s.directory(DEFAULT_USER_FIELDS));
        assert.equal(stored.entries, stored.users.size + stored.groups.size + stored.memberships.size, 'no duplicates');
      } finally {
        await s.control('DELETE', `/faults/${fault.id}`).catch(() => {});
        await s.control('PATCH', '/settings', { deltaPageSize: 200 });
        await setup.close();
      }
    });

    test('a domain filter keeps only users of the allowed domains, and memberships only of kept users', async () => {
      // Partner staff: accounts in the tenant, with mail at their own company.
      const partners: Json[] = [];
      for (const n of [1, 2, 3]) {
        const user = await s.control('POST', `/tenants/${s.tenantId}/users`, {
          displayName: `Partner ${target.name} ${n}`,
        });
        await s.writer.patch(`/users/${user.id}`, { mail: `partner.${target.name}.${n}@partner.example` });
        partners.push(user);
      }
      const insider = (await s.control('GET', `/tenants/${s.tenantId}`)).users.find((u: Json) => !u.isAdmin);
      const project = await s.control('POST', `/tenants/${s.tenantId}/groups`, {
        displayName: `Partner project ${target.name}`,
        members: [...partners.map((p) => p.id), insider.id],
      });
      const setup = await setUpSync(target, s, {
        name: 'domains',
        settings: { directory: { allowedDomains: [s.defaultDomain.toUpperCase()] } },
      });
      const expected = async () => {
        const all = await s.directory(DEFAULT_USER_FIELDS);
        const allowed = (u: Record<string, unknown>) =>
          String(u.mail ?? u.userPrincipalName)
            .toLowerCase()
            .endsWith(`@${s.defaultDomain}`);
        const users = new Map([...all.users].filter(([, u]) => allowed(u)));
        const memberships = new Set(
          [...all.memberships].filter((m) => {
            const member = m.split(':')[1]!;
            return users.has(member) || all.groups.has(member);
          }),
        );
        return { users, groups: all.groups, memberships };
      };
      try {
        await setup.sync.run(setup.connectionId, 'directory');
        let stored = await setup.stored();
        assertSameDirectory(stored, await expected());
        for (const p of partners) assert.ok(!stored.users.has(p.id), 'no partner user');
        assert.ok(stored.memberships.has(`${project.id}:${insider.id}`));
        assert.ok(!stored.memberships.has(`${project.id}:${partners[0].id}`));

        // A partner's mail moves into the allowed domain: the user and its memberships come into scope...
        await s.writer.patch(`/users/${partners[0].id}`, { mail: `partner.${target.name}.1@${s.defaultDomain}` });
        assert.equal((await setup.sync.run(setup.connectionId, 'directory')).mode, 'delta');
        stored = await setup.stored();
        assertSameDirectory(stored, await expected());
        assert.ok(stored.users.has(partners[0].id) && stored.memberships.has(`${project.id}:${partners[0].id}`));

        // ...and out again, and a removed partner never shows at all.
        const before = (await setup.sync.totals(setup.connectionId)).lastSeq;
        await s.writer.patch(`/users/${partners[0].id}`, { mail: `partner.${target.name}.1@partner.example` });
        await s.control('DELETE', `/tenants/${s.tenantId}/users/${partners[1].id}`);
        await setup.sync.run(setup.connectionId, 'directory');
        assertSameDirectory(await setup.stored(), await expected());
        const changes = await feedSince(setup, before);
        assert.deepEqual(changes.map((e) => [e.model, e.id, e.action, e.reason]).sort(), [
          ['memberships', `${project.id}:${partners[0].id}`, 'delete', 'outOfScope'],
          ['users', partners[0].id, 'delete', 'outOfScope'],
        ]);
      } finally {
        await setup.close();
      }
    });

    test('a groups filter keeps those groups, their memberships and their direct user members only', async () => {
      const tenant = await s.control('GET', `/tenants/${s.tenantId}`);
      const groups = (tenant.groups as Json[]).filter((g) => g.displayName.endsWith(' Team')).slice(0, 2);
      const [first, second] = groups as [Json, Json];
      const setup = await setUpSync(target, s, {
        name: 'groups',
        settings: { directory: { groups: groups.map((g) => g.id.toUpperCase()) } },
      });
      const expected = async () => {
        const all = await s.directory(DEFAULT_USER_FIELDS);
        const ids = new Set(groups.map((g) => g.id));
        const memberships = new Set([...all.memberships].filter((m) => ids.has(m.split(':')[0]!)));
        const members = new Set([...memberships].map((m) => m.split(':')[1]!));
        return {
          users: new Map([...all.users].filter(([id]) => members.has(id))),
          groups: new Map([...all.groups].filter(([id]) => ids.has(id))),
          memberships,
        };
      };
      try {
        await setup.sync.run(setup.connectionId, 'directory');
        assertSameDirectory(await setup.stored(), await expected());

        // A user joins the first group: read through $batch, since the users delta does not mention them.
        const state = await s.control('GET', `/tenants/${s.tenantId}`);
        const outsider = (state.users as Json[]).find(
          (u) => !first.memberIds.includes(u.id) && !second.memberIds.includes(u.id),
        );
        await s.writer.post(`/groups/${first.id}/members/$ref`, {
          '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${outsider.id}`,
        });
        // And someone only in the second group leaves it.
        const leaver = second.memberIds.find((id: string) => !first.memberIds.includes(id));
        await s.writer.delete(`/groups/${second.id}/members/${leaver}/$ref`);
        await setup.sync.run(setup.connectionId, 'directory');
        const stored = await setup.stored();
        assertSameDirectory(stored, await expected());
        assert.ok(stored.users.has(outsider.id), 'the joiner is kept');
        assert.ok(!stored.users.has(leaver), 'the leaver is not');
      } finally {
        await setup.close();
      }
    });
  });
}
