import assert from 'node:assert/strict';
import { after, afterEach, beforeEach, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { registerErrorHandling } from '../src/server/errors.js';
import { registerWebhooks } from '../src/server/routes/webhooks.js';
import { webhookEventsRepository } from '../src/store/webhook-events-repository.js';
import {
  type ConnectFailedEvent,
  type ConnectionCreatedEvent,
  publishWebhookEvent,
  type WebhookEventBody,
  WebhookEventSignal,
} from '../src/webhooks/events.js';
import { verifyWebhookSignature } from '../src/webhooks/signature.js';
import { storeTargets } from './helpers/store-databases.js';
import {
  type ReceivedDelivery,
  startWebhookReceiver,
  type WebhookReceiver,
  waitFor,
} from './helpers/webhook-receiver.js';
import {
  FAST_WEBHOOKS,
  LOOPBACK_TARGETS,
  setUpWebhookStore,
  startChildDispatcher,
  type WebhookStore,
} from './helpers/webhook-store.js';

const created = (connectionId: string, name: string): ConnectionCreatedEvent => ({
  type: 'connection.created',
  connection: { id: connectionId, name, tenantId: `${name}.onmicrosoft.com`, integration: 'acme-app' },
  session: { id: `session-${name}`, state: `vendor-state-${name}` },
  test: { result: 'ok', warnings: ['The client secret expires in 20 days.'] },
});

const failed = (n: number): ConnectFailedEvent => ({
  type: 'connect.failed',
  integration: 'acme-app',
  session: { id: `session-${n}`, state: null },
  error: { code: 'CONSENT_DECLINED', message: `The administrator declined consent (${n}).` },
});

const bodyOf = (d: ReceivedDelivery) => d.body as unknown as WebhookEventBody;
const idsOf = (deliveries: ReceivedDelivery[]) => deliveries.map((d) => bodyOf(d).id);
const isEvent = (d: ReceivedDelivery) => d.headers['tenantlink-event'] !== 'records.changed';

for (const target of storeTargets()) {
  describe(`lifecycle webhook events on ${target.name}`, () => {
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

    test('published events arrive once each, signed, in order, with the feed’s headers; the log shows them', async () => {
      const contoso = await w.connection('contoso');
      const { endpoint, secret } = await w.endpoints.add({ url: receiver.url });
      const dispatcher = w.dispatcher();
      await dispatcher.start();
      const handle = (trx: typeof w.store.db) => ({ db: trx, dialect: w.store.dialect });

      const first = await publishWebhookEvent(w.store, created(contoso, 'contoso'));
      const second = await w.store.db.transaction().execute((trx) => publishWebhookEvent(handle(trx), failed(1)));
      await assert.rejects(
        w.store.db.transaction().execute(async (trx) => {
          await publishWebhookEvent(handle(trx), failed(99));
          throw new Error('the connect flow failed after publishing');
        }),
        /the connect flow failed/,
      );
      const third = await publishWebhookEvent(w.store, failed(2));
      assert.deepEqual(
        [first.seq, second.seq, third.seq],
        [1, 2, 3],
        'a rolled-back event takes no number and is never sent',
      );
      dispatcher.eventsPublished();
      await waitFor('three events', () => receiver.accepted().length === 3);
      await dispatcher.idle();
      await sleep(150);
      assert.equal(receiver.received.length, 3, 'each event once');

      const accepted = receiver.accepted();
      assert.deepEqual(idsOf(accepted), [first.id, second.id, third.id]);
      assert.deepEqual(bodyOf(accepted[0]!), {
        type: 'connection.created',
        id: first.id,
        occurredAt: first.occurredAt,
        connection: { id: contoso, name: 'contoso', tenantId: 'contoso.onmicrosoft.com', integration: 'acme-app' },
        session: { id: 'session-contoso', state: 'vendor-state-contoso' },
        test: { result: 'ok', warnings: ['The client secret expires in 20 days.'] },
      });
      assert.deepEqual(Object.keys(bodyOf(accepted[0]!)).slice(0, 3), ['type', 'id', 'occurredAt']);
      assert.deepEqual(bodyOf(accepted[1]!), {
        type: 'connect.failed',
        id: second.id,
        occurredAt: second.occurredAt,
        integration: 'acme-app',
        session: { id: 'session-1', state: null },
        error: { code: 'CONSENT_DECLINED', message: 'The administrator declined consent (1).' },
      });
      for (const d of accepted) {
        assert.equal(d.headers['content-type'], 'application/json');
        assert.equal(d.headers['tenantlink-event'], bodyOf(d).type);
        assert.match(String(d.headers['tenantlink-delivery']), /^[0-9a-f-]{36}$/);
        assert.equal(verifyWebhookSignature(d.rawBody, d.headers['tenantlink-signature'], secret), true);
      }

      const log = (await w.endpoints.deliveries(endpoint.id)).reverse();
      assert.deepEqual(
        log.map((d) => [d.kind, d.event?.type, d.event?.id, d.connectionId, d.fromSeq, d.toSeq, d.status, d.attempt]),
        [
          ['event', 'connection.created', first.id, contoso, 1, 1, 'succeeded', 1],
          ['event', 'connect.failed', second.id, null, 2, 2, 'succeeded', 1],
          ['event', 'connect.failed', third.id, null, 3, 3, 'succeeded', 1],
        ],
      );
      assert.deepEqual(
        log.map((d) => d.deliveryId),
        accepted.map((d) => d.headers['tenantlink-delivery']),
      );
      const contosoLog = await w.endpoints.deliveries(endpoint.id, { connection: 'contoso' });
      assert.deepEqual(
        contosoLog.map((d) => d.event?.id),
        [first.id],
      );
      const view = await w.endpoints.show(endpoint.id);
      assert.deepEqual(
        [view.status, view.events.lastSeq, view.events.eventsLastSeq, view.events.attempts, view.cursors],
        ['active', 3, 3, 0, []],
      );
      assert.ok(view.events.lastDeliveredAt);
    });

    test('a failing endpoint gets the same event again with backoff, then the rest in order; the feed is not held up', async () => {
      const contoso = await w.connection('contoso');
      const { endpoint } = await w.endpoints.add({ url: receiver.url });
      let eventAttempts = 0;
      receiver.answer = (d) => (isEvent(d) && eventAttempts++ < 2 ? { status: 500 } : { status: 200 });
      const dispatcher = w.dispatcher({ retry: { maxAttempts: 10, backoff: { initialMs: 300, maxMs: 600 } } });
      await dispatcher.start();
      const events = [];
      for (const n of [1, 2, 3]) events.push(await publishWebhookEvent(w.store, failed(n)));
      dispatcher.eventsPublished();
      await waitFor('the first failure', async () => (await w.endpoints.show(endpoint.id)).status === 'retrying');
      const retrying = (await w.endpoints.show(endpoint.id)).events;
      assert.deepEqual(
        [retrying.lastSeq, retrying.attempts, retrying.failing, retrying.lastError],
        [0, 1, false, 'HTTP 500'],
      );
      assert.ok(retrying.nextAttemptAt && Date.parse(retrying.nextAttemptAt) > Date.now());

      // The feed has lanes of its own: a commit is delivered while the events wait.
      await w.commit(contoso, w.users(2));
      dispatcher.committed({ connectionId: contoso });
      await waitFor('the feed batch', () => receiver.accepted().some((d) => !isEvent(d)));
      assert.equal(receiver.accepted().filter(isEvent).length, 0);

      await waitFor('every event', () => receiver.accepted().filter(isEvent).length === 3, 10_000);
      await dispatcher.idle();
      const sent = receiver.received.filter(isEvent);
      assert.deepEqual(idsOf(sent), [events[0]!.id, events[0]!.id, events[0]!.id, events[1]!.id, events[2]!.id]);
      assert.equal(
        new Set(sent.map((d) => d.headers['tenantlink-delivery'])).size,
        3,
        'each event has its delivery id, the same on every attempt',
      );
      assert.ok(sent[1]!.at - sent[0]!.at >= 150, `backed off: ${sent[1]!.at - sent[0]!.at} ms`);
      assert.ok(sent[2]!.at - sent[1]!.at >= 300, `backed off more: ${sent[2]!.at - sent[1]!.at} ms`);

      const log = (await w.endpoints.deliveries(endpoint.id)).filter((d) => d.kind === 'event').reverse();
      assert.deepEqual(
        log.map((d) => [d.event?.id, d.status, d.statusCode, d.attempt, d.nextAttemptAt !== null]),
        [
          [events[0]!.id, 'failed', 500, 1, true],
          [events[0]!.id, 'failed', 500, 2, true],
          [events[0]!.id, 'succeeded', 200, 3, false],
          [events[1]!.id, 'succeeded', 200, 1, false],
          [events[2]!.id, 'succeeded', 200, 1, false],
        ],
      );
      const view = await w.endpoints.show(endpoint.id);
      assert.deepEqual(
        [view.status, view.events.lastSeq, view.events.attempts, view.events.lastError],
        ['active', 3, 0, null],
      );
    });

    test('when the attempts run out the events read failing; the next event, or a replay, tries again', async () => {
      const { endpoint } = await w.endpoints.add({ url: receiver.url });
      receiver.answer = () => ({ status: 500 });
      const dispatcher = w.dispatcher({ retry: { maxAttempts: 2, backoff: { initialMs: 20, maxMs: 40 } } });
      await dispatcher.start();
      const one = await publishWebhookEvent(w.store, failed(1));
      dispatcher.eventsPublished();
      await waitFor('failing', async () => (await w.endpoints.show(endpoint.id)).status === 'failing');
      await sleep(250);
      assert.equal(receiver.received.length, 2, 'no attempt after the last one, however often the sweep runs');
      const failing = (await w.endpoints.show(endpoint.id)).events;
      assert.deepEqual([failing.attempts, failing.failing, failing.nextAttemptAt, failing.lastSeq], [2, true, null, 0]);

      // The next event tries once more, from the first: still failing, one attempt, no schedule.
      const two = await publishWebhookEvent(w.store, failed(2));
      dispatcher.eventsPublished();
      await waitFor('one more attempt', () => receiver.received.length === 3);
      await sleep(200);
      assert.equal(receiver.received.length, 3);
      assert.equal(bodyOf(receiver.received[2]!).id, one.id);

      // The receiver is fixed; a replay without `since` delivers from where the cursor stands.
      receiver.answer = () => ({ status: 204 });
      const replayed = await w.endpoints.replayEvents(endpoint.id);
      assert.deepEqual([replayed.lastSeq, replayed.eventsLastSeq, replayed.failing], [0, 2, false]);
      await waitFor('delivered', () => receiver.accepted().length === 2);
      assert.deepEqual(idsOf(receiver.accepted()), [one.id, two.id]);

      await assert.rejects(w.endpoints.replayEvents(endpoint.id, { since: 3 }), { code: 'INVALID_INPUT' });
      await assert.rejects(w.endpoints.replayEvents(endpoint.id, { since: -1 }), { code: 'INVALID_INPUT' });
      await assert.rejects(w.endpoints.replayEvents('missing'), { code: 'WEBHOOK_NOT_FOUND' });
    });

    test('a new endpoint starts at the head, without older events; a replay from an earlier sequence sends them', async () => {
      const old = await publishWebhookEvent(w.store, failed(1));
      const { endpoint } = await w.endpoints.add({ url: receiver.url });
      assert.deepEqual([endpoint.events.lastSeq, endpoint.events.eventsLastSeq], [1, 1]);
      const dispatcher = w.dispatcher();
      await dispatcher.start();
      const fresh = await publishWebhookEvent(w.store, failed(2));
      dispatcher.eventsPublished();
      await waitFor('the new event', () => receiver.accepted().length === 1);
      await dispatcher.idle();
      await sleep(150);
      assert.deepEqual(idsOf(receiver.accepted()), [fresh.id]);

      await w.endpoints.replayEvents(endpoint.id, { since: 0 });
      await waitFor('replayed', () => receiver.accepted().length === 3);
      assert.deepEqual(idsOf(receiver.accepted()), [fresh.id, old.id, fresh.id]);
    });

    test('an endpoint for one connection gets only that connection’s connection.created, never connect.failed', async () => {
      const contoso = await w.connection('contoso');
      const fabrikam = await w.connection('fabrikam');
      const everyConnection = await w.endpoints.add({ url: `${receiver.url}?to=all` });
      const forContoso = await w.endpoints.add({ url: `${receiver.url}?to=contoso`, connection: 'contoso' });
      const forFabrikam = await w.endpoints.add({ url: `${receiver.url}?to=fabrikam`, connection: 'fabrikam' });
      const dispatcher = w.dispatcher();
      await dispatcher.start();
      const contosoCreated = await publishWebhookEvent(w.store, created(contoso, 'contoso'));
      const failure = await publishWebhookEvent(w.store, failed(1));
      const fabrikamCreated = await publishWebhookEvent(w.store, created(fabrikam, 'fabrikam'));
      dispatcher.eventsPublished();
      const ids = [everyConnection, forContoso, forFabrikam].map((e) => e.endpoint.id);
      await waitFor('every endpoint at the head', async () =>
        (await Promise.all(ids.map((id) => w.endpoints.show(id)))).every((v) => v.events.lastSeq === 3),
      );
      await dispatcher.idle();
      await sleep(150);
      const to = (who: string) => idsOf(receiver.accepted().filter((d) => d.path.endsWith(`?to=${who}`)));
      assert.deepEqual(to('all'), [contosoCreated.id, failure.id, fabrikamCreated.id]);
      assert.deepEqual(to('contoso'), [contosoCreated.id]);
      assert.deepEqual(to('fabrikam'), [fabrikamCreated.id]);
      assert.equal(receiver.received.length, 5);
    });

    test('a disabled endpoint gets nothing; enabled again, it catches up from its cursor', async () => {
      const { endpoint } = await w.endpoints.add({ url: receiver.url, enabled: false });
      const dispatcher = w.dispatcher();
      await dispatcher.start();
      const one = await publishWebhookEvent(w.store, failed(1));
      dispatcher.eventsPublished();
      await sleep(250);
      await dispatcher.idle();
      assert.equal(receiver.received.length, 0);
      assert.equal((await w.endpoints.show(endpoint.id)).events.lastSeq, 0);

      await w.endpoints.update(endpoint.id, { enabled: true });
      await waitFor('caught up', () => receiver.accepted().length === 1);
      assert.deepEqual(idsOf(receiver.accepted()), [one.id]);
    });

    test('dispatchers in two processes deliver each event once, in order, one at a time per endpoint', async () => {
      const second = await startWebhookReceiver();
      try {
        await w.endpoints.add({ url: receiver.url });
        await w.endpoints.add({ url: second.url });
        receiver.answer = () => ({ status: 200, delayMs: 15 });
        second.answer = () => ({ status: 200, delayMs: 15 });
        const published: string[] = [];
        const publish = async (count: number) => {
          for (let i = 0; i < count; i++)
            published.push((await publishWebhookEvent(w.store, failed(published.length))).id);
        };
        const child = await startChildDispatcher(w, { ...FAST_WEBHOOKS, pollIntervalMs: 10, userAgent: 'child' });
        const here = w.dispatcher({ pollIntervalMs: 10, userAgent: 'parent' });
        try {
          // The child alone first, then both racing for each endpoint's lease, then this process alone.
          await publish(3);
          await waitFor(
            'the child delivered',
            () => receiver.accepted().length === 3 && second.accepted().length === 3,
          );
          await here.start();
          for (let round = 0; round < 8; round++) {
            await publish(3);
            here.eventsPublished();
            await sleep(40);
          }
        } finally {
          await child.stop();
        }
        await publish(2);
        here.eventsPublished();
        for (const r of [receiver, second])
          await waitFor('every event', () => r.accepted().length === published.length, 15_000);
        await here.idle();
        for (const r of [receiver, second]) {
          assert.deepEqual(idsOf(r.accepted()), published, 'each event once, in order');
          assert.equal(r.received.length, r.accepted().length, 'no failed attempt');
          // connect.failed names no connection: the receiver counts all of them as one.
          assert.equal(r.maxConcurrentPerConnection, 1, 'one event in flight per endpoint');
        }
        const agents = new Set([...receiver.received, ...second.received].map((d) => d.headers['user-agent']));
        assert.deepEqual([...agents].sort(), ['child', 'parent'], `both processes delivered: ${child.output()}`);
      } finally {
        await second.close();
      }
    });

    test('pruning removes old events every endpoint has, and keeps any an endpoint has yet to receive', async () => {
      const contoso = await w.connection('contoso');
      const fabrikam = await w.connection('fabrikam');
      const { endpoint } = await w.endpoints.add({ url: receiver.url });
      const waiting = await w.endpoints.add({ url: receiver.url, connection: 'contoso', enabled: false });
      const dispatcher = w.dispatcher();
      await dispatcher.start();
      await publishWebhookEvent(w.store, created(contoso, 'contoso'));
      await publishWebhookEvent(w.store, failed(1));
      await publishWebhookEvent(w.store, created(fabrikam, 'fabrikam'));
      await publishWebhookEvent(w.store, failed(2));
      dispatcher.eventsPublished();
      await waitFor('delivered', async () => (await w.endpoints.show(endpoint.id)).events.lastSeq === 4);
      await w.store.db
        .updateTable('webhook_events')
        .set({ created_at: new Date(Date.now() - 40 * 86_400_000).toISOString() })
        .where('seq', '<=', 3)
        .execute();
      const seqs = async () =>
        (await w.store.db.selectFrom('webhook_events').select('seq').orderBy('seq').execute()).map((r) =>
          Number(r.seq),
        );

      const events = webhookEventsRepository(w.store);
      const thirtyDaysAgo = () => new Date(Date.now() - 30 * 86_400_000).toISOString();
      assert.deepEqual(await events.prune(thirtyDaysAgo()), { pruned: 2, prunedThrough: 3 });
      // 1: the disabled contoso endpoint has yet to receive it; 4: younger than the retention.
      assert.deepEqual(await seqs(), [1, 4]);
      await assert.rejects(w.endpoints.replayEvents(endpoint.id, { since: 2 }), {
        code: 'WEBHOOK_EVENTS_PRUNED',
        status: 410,
      });
      assert.equal((await w.endpoints.replayEvents(endpoint.id, { since: 3 })).lastSeq, 3);

      // Enabled, it receives its event; a dispatcher's hourly pruning (the first at its start) then removes it.
      await w.endpoints.update(waiting.endpoint.id, { enabled: true });
      await waitFor('the waiting endpoint caught up', async () => {
        const view = await w.endpoints.show(waiting.endpoint.id);
        return view.events.lastSeq === 4;
      });
      assert.equal(receiver.accepted().filter((d) => bodyOf(d).type === 'connection.created').length, 3);
      await w.dispatcher({ eventRetentionDays: 30 }).start();
      await waitFor('pruned by the dispatcher', async () => (await seqs()).length === 1);
      assert.deepEqual(await seqs(), [4]);
    });
  });

  describe(`lifecycle webhook events through the API on ${target.name}`, () => {
    after(() => target.cleanUp());

    test('the server’s signal wakes the dispatcher; the log and the endpoint show events; replay-events', async () => {
      const w = await setUpWebhookStore(target);
      const receiver = await startWebhookReceiver();
      const signal = new WebhookEventSignal();
      const app: FastifyInstance = Fastify().withTypeProvider<ZodTypeProvider>();
      app.setValidatorCompiler(validatorCompiler);
      app.setSerializerCompiler(serializerCompiler);
      registerErrorHandling(app);
      try {
        // Polling far apart: only the signal can wake the dispatcher in time.
        const dispatcher = w.dispatcher({ pollIntervalMs: 60_000 });
        signal.listen(() => dispatcher.eventsPublished());
        await registerWebhooks(app, {
          store: w.store,
          service: w.connections,
          outbound: LOOPBACK_TARGETS,
          dispatcher,
        });
        await app.ready();
        await dispatcher.start();
        const call = async (method: 'GET' | 'POST', url: string, payload?: object) => {
          const res = await app.inject({ method, url, ...(payload ? { payload } : {}) });
          return { status: res.statusCode, body: res.json() };
        };
        const added = await call('POST', '/api/v1/webhooks', { url: receiver.url });
        assert.equal(added.status, 201);
        const id = added.body.webhook.id as string;
        assert.deepEqual(added.body.webhook.events, {
          lastSeq: 0,
          eventsLastSeq: 0,
          attempts: 0,
          failing: false,
          nextAttemptAt: null,
          lastAttemptAt: null,
          lastDeliveredAt: null,
          lastError: null,
        });
        // Let the dispatcher's first sweep, at start, end before publishing.
        await sleep(200);

        const event = await publishWebhookEvent(w.store, failed(1));
        signal.published();
        await waitFor('woken by the signal', () => receiver.accepted().length === 1, 3000);
        const deliveries = () => call('GET', `/api/v1/webhooks/${id}/deliveries`);
        await waitFor('logged', async () => (await deliveries()).body.deliveries.length === 1);
        const log = await deliveries();
        assert.equal(log.status, 200);
        const { id: attemptId, deliveryId, attemptedAt, deliveredAt, durationMs, ...delivery } = log.body.deliveries[0];
        assert.equal(deliveryId, receiver.accepted()[0]!.headers['tenantlink-delivery']);
        assert.notEqual(attemptId, deliveryId);
        assert.ok(attemptedAt && deliveredAt && typeof durationMs === 'number');
        assert.deepEqual(delivery, {
          kind: 'event',
          connectionId: '',
          fromSeq: 1,
          toSeq: 1,
          entries: 1,
          event: { id: event.id, type: 'connect.failed' },
          attempt: 1,
          status: 'succeeded',
          statusCode: 200,
          error: null,
          nextAttemptAt: null,
        });

        const replay = await call('POST', `/api/v1/webhooks/${id}/replay-events`, { since: 0 });
        assert.equal(replay.status, 202);
        assert.deepEqual([replay.body.events.lastSeq, replay.body.events.eventsLastSeq], [0, 1]);
        await waitFor('replayed', () => receiver.accepted().length === 2);
        assert.deepEqual(idsOf(receiver.accepted()), [event.id, event.id]);
        const beyond = await call('POST', `/api/v1/webhooks/${id}/replay-events`, { since: 2 });
        assert.deepEqual([beyond.status, beyond.body.error.code], [400, 'INVALID_INPUT']);
        const missing = await call('POST', '/api/v1/webhooks/nope/replay-events', {});
        assert.deepEqual([missing.status, missing.body.error.code], [404, 'WEBHOOK_NOT_FOUND']);
        const listed = await call('GET', '/api/v1/webhooks');
        assert.equal(listed.body.webhooks[0].events.lastSeq, 1);
      } finally {
        await app.close();
        signal.published(); // a closed server no longer listens
        await receiver.close();
        await w.close();
      }
    });
  });
}
