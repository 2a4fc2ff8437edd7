import assert from 'node:assert/strict';
import { after, afterEach, beforeEach, describe, test } from 'node:test';
import { webhookCursorsRepository } from '../src/store/webhook-cursors-repository.js';
import { verifyWebhookSignature } from '../src/webhooks/signature.js';
import { storeTargets } from './helpers/store-databases.js';
import {
  type ReceivedDelivery,
  startWebhookReceiver,
  type WebhookReceiver,
  waitFor,
} from './helpers/webhook-receiver.js';
import { FAST_WEBHOOKS, setUpWebhookStore, startChildDispatcher, type WebhookStore } from './helpers/webhook-store.js';

const seqsOf = (deliveries: ReceivedDelivery[]) => deliveries.flatMap((d) => d.body.entries.map((e) => e.seq));

/** Strictly increasing, no repeats. */
function assertInOrder(seqs: number[], what: string): void {
  for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i]! > seqs[i - 1]!, `${what}: ${seqs[i - 1]} then ${seqs[i]}`);
}

for (const target of storeTargets()) {
  describe(`webhook delivery on ${target.name}`, () => {
    let w: WebhookStore;
    let receiver: WebhookReceiver;
    beforeEach(async () => {
      w = await setUpWebhookStore(target);
      receiver = await startWebhookReceiver();
    });
    afterEach(async () => {
      await w.close();
      await receiver.close();
    });
    after(() => target.cleanUp());

    test('committed entries arrive signed, in batches and in order; the cursor follows; model filters skip the rest', async () => {
      const contoso = await w.connection('contoso');
      const { endpoint, secret } = await w.endpoints.add({ url: receiver.url });
      const groupsOnly = await w.endpoints.add({ url: `${receiver.url}?only=groups`, models: ['groups'] });
      assert.equal(endpoint.status, 'active');
      const dispatcher = w.dispatcher({ batchSize: 500 });
      await dispatcher.start();

      const first = await w.commit(contoso, w.users(1200));
      dispatcher.committed({ connectionId: contoso });
      const groups = await w.commit(contoso, [
        { op: 'upsert', model: 'groups', id: 'g-1', data: { displayName: 'Sales' } },
        { op: 'upsert', model: 'groups', id: 'g-2', data: { displayName: 'Ops' } },
      ]);
      dispatcher.committed({ connectionId: contoso });
      const head = groups.toSeq;
      await waitFor('every entry delivered to both endpoints', async () => {
        const view = await w.endpoints.list();
        return view.every((e) => e.cursors[0]?.lastSeq === head);
      });

      const all = receiver.accepted().filter((d) => !isGroupsOnly(d));
      assert.deepEqual(
        all.map((d) => d.body.entries.length),
        [500, 500, 202],
        'batches of at most 500',
      );
      assertInOrder(seqsOf(all), 'all models');
      assert.deepEqual(
        seqsOf(all),
        Array.from({ length: head }, (_, i) => i + 1),
      );
      assert.equal(first.fromSeq, 1);
      for (const d of all) {
        assert.equal(d.headers['content-type'], 'application/json');
        assert.equal(d.headers['tenantlink-event'], 'records.changed');
        assert.match(String(d.headers['tenantlink-delivery']), /^[0-9a-f-]{36}$/);
        assert.equal(verifyWebhookSignature(d.rawBody, d.headers['tenantlink-signature'], secret), true);
        assert.equal(d.body.type, 'records.changed');
        assert.deepEqual(d.body.connection, {
          id: contoso,
          name: 'contoso',
          tenantId: '00000000-0000-4000-8000-000000000001',
        });
        assert.equal(d.body.fromSeq, d.body.entries[0]!.seq);
        assert.equal(d.body.toSeq, d.body.entries.at(-1)!.seq);
      }
      assert.deepEqual(all[0]!.body.entries[0], {
        seq: 1,
        model: 'users',
        id: 'user-0',
        action: 'upsert',
        data: { displayName: 'user 0', version: 1 },
      });
      // Another endpoint's secret does not verify this one's requests.
      assert.equal(
        verifyWebhookSignature(all[0]!.rawBody, all[0]!.headers['tenantlink-signature'], groupsOnly.secret),
        false,
      );

      const onlyGroups = receiver.accepted().filter(isGroupsOnly);
      assert.deepEqual(
        onlyGroups.flatMap((d) => d.body.entries.map((e) => `${e.model}/${e.id}`)),
        ['groups/g-1', 'groups/g-2'],
      );
      // A later user change moves the filtered endpoint's cursor past it without a delivery.
      const later = await w.commit(contoso, w.users(1, 'late'));
      dispatcher.committed({ connectionId: contoso });
      await waitFor('both endpoints at the new head', async () => {
        const view = await w.endpoints.list();
        return view.every((e) => e.cursors[0]?.lastSeq === later.toSeq);
      });
      assert.equal(receiver.accepted().filter(isGroupsOnly).length, 1);

      const log = await w.endpoints.deliveries(endpoint.id);
      assert.deepEqual(log.map((d) => [d.status, d.statusCode, d.attempt, d.fromSeq, d.toSeq, d.entries]).reverse(), [
        ['succeeded', 200, 1, 1, 500, 500],
        ['succeeded', 200, 1, 501, 1000, 500],
        ['succeeded', 200, 1, 1001, 1202, 202],
        ['succeeded', 200, 1, later.toSeq, later.toSeq, 1],
      ]);
      assert.ok(log.every((d) => d.deliveredAt !== null && d.error === null && d.nextAttemptAt === null));
    });

    test('a receiver failing with 500, then 429 with Retry-After, then a timeout gets the same batch later, in order, with no loss', async () => {
      const contoso = await w.connection('contoso');
      const { endpoint } = await w.endpoints.add({ url: receiver.url });
      receiver.answer = (_d, n) => {
        if (n === 0) return { status: 500 };
        if (n === 1) return { status: 429, headers: { 'retry-after': '1' } };
        if (n === 2) return { hang: true };
        return { status: 200 };
      };
      const dispatcher = w.dispatcher({ timeoutMs: 300, batchSize: 100 });
      await dispatcher.start();
      await w.commit(contoso, w.users(40));
      dispatcher.committed({ connectionId: contoso });
      await waitFor('the third attempt', () => receiver.received.length >= 3);
      // While it is retried, more changes commit: they come after the batch, never before or inside it.
      await w.commit(contoso, w.users(30, 'more'));
      dispatcher.committed({ connectionId: contoso });
      await waitFor(
        'everything delivered',
        async () => (await w.endpoints.show(endpoint.id)).cursors[0]?.lastSeq === 70,
      );

      const [a, b, c, d] = receiver.received;
      const batch = (x: ReceivedDelivery) => x.body.entries.map((e) => `${e.seq}:${e.id}`);
      assert.deepEqual(batch(b!), batch(a!), 'the same entries after the 500');
      assert.deepEqual(batch(c!), batch(a!), 'the same entries after the 429');
      assert.deepEqual(batch(d!), batch(a!), 'the same entries after the timeout');
      assert.ok(c!.at - b!.at >= 950, `Retry-After: 1 was honoured (${c!.at - b!.at} ms)`);
      const ids = receiver.received.map((x) => x.headers['tenantlink-delivery']);
      assert.deepEqual(
        ids.slice(1, 4),
        [ids[0], ids[0], ids[0]],
        'every attempt of the batch has the same delivery id',
      );
      assert.notEqual(ids[4], ids[0], 'the next batch has an id of its own');
      const accepted = receiver.accepted();
      assertInOrder(seqsOf(accepted), 'accepted');
      assert.deepEqual(
        seqsOf(accepted),
        Array.from({ length: 70 }, (_, i) => i + 1),
        'nothing lost',
      );

      const log = (await w.endpoints.deliveries(endpoint.id)).reverse();
      assert.deepEqual(
        log.map((x) => x.deliveryId),
        ids.slice(0, 5),
        'the log names each attempt’s delivery',
      );
      assert.equal(new Set(log.map((x) => x.id)).size, 5, 'each attempt has its own id');
      assert.deepEqual(
        log.map((x) => [x.status, x.statusCode, x.attempt, x.error]),
        [
          ['failed', 500, 1, 'HTTP 500'],
          ['failed', 429, 2, 'HTTP 429'],
          ['failed', null, 3, 'timed out after 300 ms'],
          ['succeeded', 200, 4, null],
          ['succeeded', 200, 1, null],
        ],
      );
      assert.ok(log[0]!.nextAttemptAt && log[1]!.nextAttemptAt && !log[3]!.nextAttemptAt);
      const view = await w.endpoints.show(endpoint.id);
      assert.deepEqual([view.status, view.cursors[0]!.attempts, view.cursors[0]!.lastError], ['active', 0, null]);
    });

    test('when the attempts run out the endpoint is failing; the next commit, or a replay, tries again', async () => {
      const contoso = await w.connection('contoso');
      const { endpoint } = await w.endpoints.add({ url: receiver.url });
      receiver.answer = () => ({ status: 500 });
      const dispatcher = w.dispatcher({ retry: { maxAttempts: 3, backoff: { initialMs: 20, maxMs: 40 } } });
      await dispatcher.start();
      await w.commit(contoso, w.users(5));
      dispatcher.committed({ connectionId: contoso });
      await waitFor('failing', async () => (await w.endpoints.show(endpoint.id)).status === 'failing');
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(receiver.received.length, 3, 'no attempt after the last one, however often the sweep runs');
      const failing = (await w.endpoints.show(endpoint.id)).cursors[0]!;
      assert.deepEqual([failing.attempts, failing.failing, failing.nextAttemptAt, failing.lastSeq], [3, true, null, 0]);

      // The next commit tries once more (still failing: one attempt, no schedule).
      await w.commit(contoso, w.users(1, 'next'));
      dispatcher.committed({ connectionId: contoso });
      await waitFor('one more attempt', () => receiver.received.length === 4);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(receiver.received.length, 4);

      // The receiver is fixed; a replay without `since` delivers from where it stands.
      receiver.answer = () => ({ status: 204 });
      await w.endpoints.replay(endpoint.id, { connection: 'contoso' });
      await waitFor('delivered', () => receiver.accepted().length > 0);
      assert.deepEqual(seqsOf(receiver.accepted()), [1, 2, 3, 4, 5, 6]);
    });

    test('replay from a cursor delivers every entry after it again; a replay beyond the feed is refused', async () => {
      const contoso = await w.connection('contoso');
      const fabrikam = await w.connection('fabrikam');
      const { endpoint } = await w.endpoints.add({ url: receiver.url });
      const scoped = await w.endpoints.add({ url: receiver.url, connection: 'fabrikam' });
      assert.equal(scoped.endpoint.connectionId, fabrikam);
      const dispatcher = w.dispatcher();
      await dispatcher.start();
      await w.commit(contoso, w.users(10));
      await w.commit(fabrikam, w.users(3));
      dispatcher.committed({ connectionId: contoso });
      dispatcher.committed({ connectionId: fabrikam });
      await waitFor('first delivery', async () => {
        const [all, one] = [await w.endpoints.show(endpoint.id), await w.endpoints.show(scoped.endpoint.id)];
        return [...all.cursors, ...one.cursors].filter((c) => c.lastSeq === c.feedLastSeq).length === 3;
      });
      await dispatcher.idle();
      const before = receiver.accepted().length;

      const cursor = await w.endpoints.replay(endpoint.id, { connection: contoso, since: 6 });
      assert.deepEqual([cursor.lastSeq, cursor.feedLastSeq], [6, 10]);
      await waitFor('replayed', () => receiver.accepted().length > before);
      const replayed = receiver.accepted().slice(before);
      assert.deepEqual(seqsOf(replayed), [7, 8, 9, 10]);
      assert.deepEqual(
        replayed[0]!.body.entries.map((e) => e.id),
        ['user-6', 'user-7', 'user-8', 'user-9'],
      );
      // Replaying from 0 sends everything; the fabrikam cursor is untouched.
      await w.endpoints.replay(endpoint.id, { connection: 'contoso', since: 0 });
      await waitFor('replayed from 0', () => seqsOf(receiver.accepted().slice(before)).length === 14);
      const fabrikamCursor = (await w.endpoints.show(endpoint.id)).cursors.find((c) => c.connectionId === fabrikam);
      assert.equal(fabrikamCursor?.lastSeq, 3);

      await assert.rejects(w.endpoints.replay(endpoint.id, { connection: contoso, since: 11 }), {
        code: 'INVALID_INPUT',
      });
      await assert.rejects(w.endpoints.replay(scoped.endpoint.id, { connection: contoso, since: 0 }), {
        code: 'INVALID_INPUT',
      });
      await assert.rejects(w.endpoints.replay('missing', { connection: contoso }), { code: 'WEBHOOK_NOT_FOUND' });
      await assert.rejects(w.endpoints.replay(endpoint.id, { connection: 'missing' }), {
        code: 'CONNECTION_NOT_FOUND',
      });
    });

    test('dispatchers in two processes never have two deliveries in flight for a pair, and deliver each entry once', async () => {
      const a = await w.connection('contoso');
      const b = await w.connection('fabrikam');
      await w.endpoints.add({ url: receiver.url });
      receiver.answer = () => ({ status: 200, delayMs: 15 });
      const child = await startChildDispatcher(w, {
        ...FAST_WEBHOOKS,
        batchSize: 7,
        pollIntervalMs: 10,
        userAgent: 'child',
      });
      const here = w.dispatcher({ batchSize: 7, pollIntervalMs: 10, userAgent: 'parent' });
      let total = 0;
      let round = 0;
      const commitRound = async () => {
        for (const connectionId of [a, b]) {
          await w.commit(connectionId, w.users(9, `r${round}`));
          total += 9;
        }
        round += 1;
        // Both dispatchers find the commits by sweeping, so either may win each pair's lease (a holder keeps it
        // while more keeps coming, so the commits leave it time to finish).
        await new Promise((resolve) => setTimeout(resolve, 60));
      };
      try {
        const agents = () => new Set(receiver.received.map((d) => d.headers['user-agent']));
        // The child alone until it has delivered (it starts slower), then both: which one wins each lease is timing.
        while (!agents().has('child')) {
          assert.ok(round < 100, `the child delivered: ${child.output()}`);
          await commitRound();
        }
        await here.start();
        for (let i = 0; i < 8 || (agents().size < 2 && i < 40); i++) await commitRound();
        await waitFor('everything delivered', () => seqsOf(receiver.accepted()).length >= total, 15_000);
      } finally {
        await child.stop();
      }
      await here.idle();
      assert.equal(receiver.maxConcurrentPerConnection, 1, 'one delivery in flight per endpoint and connection');
      for (const connectionId of [a, b]) {
        const seqs = seqsOf(receiver.accepted().filter((d) => d.body.connection.id === connectionId));
        assert.deepEqual(
          seqs,
          Array.from({ length: total / 2 }, (_, i) => i + 1),
          'each entry once, in order',
        );
      }
      assert.equal(receiver.received.length, receiver.accepted().length, 'no failed attempt');
      const agents = new Set(receiver.received.map((d) => d.headers['user-agent']));
      assert.deepEqual([...agents].sort(), ['child', 'parent'], `both processes delivered: ${child.output()}`);
    });

    test('a dispatcher started after one crashed mid-delivery takes its lease over and catches up from the cursor', async () => {
      const contoso = await w.connection('contoso');
      const { endpoint } = await w.endpoints.add({ url: receiver.url });
      await w.commit(contoso, w.users(12));
      receiver.answer = (_d, n) => (n === 0 ? { hang: true } : { status: 200 });
      const child = await startChildDispatcher(w, { ...FAST_WEBHOOKS, batchSize: 5, leaseTtlMs: 60_000 });
      await waitFor('the first request', () => receiver.received.length === 1);
      await child.crash();
      const cursors = webhookCursorsRepository(w.store);
      const orphan = await cursors.get(endpoint.id, contoso);
      assert.ok(orphan?.lease, 'the dead process still holds the lease');
      assert.equal(orphan.lastSeq, 0);

      const dispatcher = w.dispatcher({ batchSize: 5, leaseTtlMs: 60_000 });
      await dispatcher.start();
      await waitFor('caught up', () => seqsOf(receiver.accepted()).length === 12);
      assert.deepEqual(
        seqsOf(receiver.accepted()),
        Array.from({ length: 12 }, (_, i) => i + 1),
      );
      assert.deepEqual(
        receiver.accepted()[0]!.body.entries,
        receiver.received[0]!.body.entries,
        'the batch in flight is sent again',
      );
      await waitFor('lease released', async () => (await cursors.get(endpoint.id, contoso))?.lease === null);
    });

    test('a disabled endpoint receives nothing until it is enabled; then it catches up', async () => {
      const contoso = await w.connection('contoso');
      const { endpoint } = await w.endpoints.add({ url: receiver.url, enabled: false });
      assert.equal(endpoint.status, 'disabled');
      const dispatcher = w.dispatcher();
      await dispatcher.start();
      await w.commit(contoso, w.users(3));
      dispatcher.committed({ connectionId: contoso });
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(receiver.received.length, 0);
      await w.endpoints.update(endpoint.id, { enabled: true });
      await waitFor('caught up', () => seqsOf(receiver.accepted()).length === 3);
      await w.endpoints.remove(endpoint.id);
      assert.deepEqual(await w.endpoints.list(), []);
    });

    test('a rotated secret signs at once, beside the old one until that expires; a vault rotation keeps both', async () => {
      const contoso = await w.connection('contoso');
      const { endpoint, secret: first } = await w.endpoints.add({ url: receiver.url });
      const dispatcher = w.dispatcher();
      await dispatcher.start();
      /** Commits one user and returns the delivery that carried it. */
      const deliverOne = async (prefix: string) => {
        const before = receiver.accepted().length;
        await w.commit(contoso, w.users(1, prefix));
        dispatcher.committed({ connectionId: contoso });
        await waitFor(`${prefix} delivered`, () => receiver.accepted().length > before);
        return receiver.accepted().at(-1)!;
      };
      const verifies = (d: ReceivedDelivery, secret: string) =>
        verifyWebhookSignature(d.rawBody, d.headers['tenantlink-signature'], secret);
      const signatures = (d: ReceivedDelivery) => String(d.headers['tenantlink-signature']).match(/v1=/g)?.length;

      const plain = await deliverOne('plain');
      assert.equal(signatures(plain), 1);

      const rotated = await w.endpoints.rotateSecret(endpoint.id);
      const second = rotated.secret;
      assert.match(second, /^whsec_/);
      assert.notEqual(second, first);
      const kept = Date.parse(rotated.endpoint.previousSecretExpiresAt ?? '') - Date.now();
      assert.ok(kept > 23.9 * 3_600_000 && kept <= 24 * 3_600_000, `kept for 24 h: ${kept} ms`);
      const during = await deliverOne('during');
      assert.equal(signatures(during), 2);
      assert.ok(verifies(during, second) && verifies(during, first), 'either secret verifies');

      // Both are re-encrypted by a vault rotation and still sign.
      const report = await w.connections.rotateVault();
      assert.deepEqual(report.failed, []);
      const afterVault = await deliverOne('after-vault');
      assert.ok(verifies(afterVault, second) && verifies(afterVault, first));

      // Once the old secret's time is up, only the new one signs.
      await w.store.db
        .updateTable('webhook_endpoints')
        .set({ previous_secret_expires_at: new Date(Date.now() - 1000).toISOString() })
        .where('id', '=', endpoint.id)
        .execute();
      assert.equal((await w.endpoints.show(endpoint.id)).previousSecretExpiresAt, null);
      const expired = await deliverOne('expired');
      assert.equal(signatures(expired), 1);
      assert.ok(verifies(expired, second) && !verifies(expired, first));

      // keepPreviousHours 0: the switch is immediate.
      const third = (await w.endpoints.rotateSecret(endpoint.id, { keepPreviousHours: 0 })).secret;
      assert.equal((await w.endpoints.show(endpoint.id)).previousSecretExpiresAt, null);
      const immediate = await deliverOne('immediate');
      assert.ok(verifies(immediate, third) && !verifies(immediate, second));

      for (const hours of [-1, 1.5, 169])
        await assert.rejects(w.endpoints.rotateSecret(endpoint.id, { keepPreviousHours: hours }), {
          code: 'INVALID_INPUT',
        });
      await assert.rejects(w.endpoints.rotateSecret('nope'), { code: 'WEBHOOK_NOT_FOUND' });
      const row = await w.store.db.selectFrom('webhook_endpoints').selectAll().executeTakeFirstOrThrow();
      for (const secret of [first, second, third])
        assert.ok(!JSON.stringify(row).includes(secret.slice(6, 20)), 'no secret in plaintext');
    });
  });
}

function isGroupsOnly(d: ReceivedDelivery): boolean {
  return d.path.endsWith('?only=groups');
}
