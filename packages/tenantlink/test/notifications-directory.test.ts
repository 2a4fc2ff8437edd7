import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { SubscriptionManager } from '../src/notifications/subscription-manager.js';
import { createApiKey } from '../src/server/auth/api-keys.js';
import { buildServer } from '../src/server/server.js';
import { apiKeysRepository } from '../src/store/api-keys-repository.js';
import { runCliHere } from './helpers/cli-in-process.js';
import type { Json } from './helpers/graph-sandbox.js';
import { storeTargets } from './helpers/store-databases.js';
import { type SyncSandbox, type SyncSetup, setUpSync, startSyncSandbox } from './helpers/sync-harness.js';

async function until<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  ms = 15_000,
  explain?: () => Promise<string>,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}${explain ? `: ${await explain()}` : ''}`);
    await sleep(100);
  }
}

/**
 * Change notifications for the directory against the sandbox: a server on HTTPS (the sandbox's own certificate for
 * localhost) is the notification URL; the sandbox validates it, posts changes and lifecycle events to it, and expires
 * subscriptions by its clock.
 */
for (const target of storeTargets()) {
  describe(`change notifications for the directory on ${target.name}`, () => {
    let s: SyncSandbox;
    let setup: SyncSetup;
    let app: FastifyInstance;
    let base: string;
    let call: (method: string, url: string, payload?: unknown) => Promise<{ status: number; body: Json }>;

    before(async () => {
      s = await startSyncSandbox({ users: 30 });
      setup = await setUpSync(target, s, { name: 'notified' });
      app = await buildServer({
        store: setup.store,
        service: setup.connections,
        consoleDir: null,
        https: { key: s.sandbox.localhostTls.keyPem, cert: s.sandbox.localhostTls.certPem },
      });
      base = (await app.listen({ port: 0, host: '127.0.0.1' })).replace('127.0.0.1', 'localhost');
      const { key } = await createApiKey(apiKeysRepository(setup.store), 'notifications');
      call = async (method, url, payload) => {
        const res = await app.inject({
          method: method as 'GET',
          url,
          headers: { authorization: `Bearer ${key}` },
          ...(payload === undefined ? {} : { payload: payload as Json }),
        });
        return { status: res.statusCode, body: res.body ? (res.json() as Json) : null };
      };
    });
    after(async () => {
      await s?.control('DELETE', '/clock').catch(() => {});
      await app?.close();
      await setup?.close();
      await s?.close();
      await target.cleanUp();
    });

    const subscriptions = async () =>
      (await call('GET', `/api/v1/connections/${setup.connectionId}/subscriptions`)).body;
    const activeGraphIds = async () =>
      ((await subscriptions()).subscriptions as Json[]).filter((x) => x.state === 'active').map((x) => x.resource);

    test('subscribed through the validation handshake; a change starts a delta round within seconds; forgeries are ignored', async () => {
      const view = await until('both subscriptions active', async () => {
        const v = await subscriptions();
        return v.subscriptions.length === 2 && v.subscriptions.every((x: Json) => x.state === 'active') && v;
      });
      assert.equal(view.mode, 'notifications');
      assert.equal(view.reason, null);
      assert.equal(view.notificationUrl, `${base.replace('localhost', '127.0.0.1')}/notifications/microsoft`);
      assert.deepEqual(view.subscriptions.map((x: Json) => [x.feature, x.resource, x.changeType]).sort(), [
        ['directory', 'groups', 'updated,deleted'],
        ['directory', 'users', 'updated,deleted'],
      ]);
      const atSandbox = (await s.control('GET', '/subscriptions')) as Json[];
      assert.equal(atSandbox.length, 2);
      assert.ok(atSandbox.every((x) => x.notificationUrl.endsWith('/notifications/microsoft') && x.clientState));

      // A first full sync, then a change in the tenant: the notification starts a delta round, no schedule needed.
      const first = await call('POST', `/api/v1/connections/${setup.connectionId}/sync/directory`, {});
      assert.equal(first.status, 202);
      await until('the first sync', async () => {
        const run = (await call('GET', `/api/v1/connections/${setup.connectionId}/sync/directory`)).body.run;
        return run?.status === 'succeeded';
      });
      const [user] = (await s.reader.get<{ value: { id: string }[] }>('/users', { query: { $top: 1 } })).value;
      const changedAt = Date.now();
      await s.writer.patch(`/users/${user!.id}`, { displayName: 'Changed by a notification test' });
      const current = await until('the change in the feed', async () => {
        const res = await call(
          'GET',
          `/api/v1/connections/${setup.connectionId}/records/users/current?ids=${user!.id}`,
        );
        const record = res.body.records?.[0];
        return record?.data?.displayName === 'Changed by a notification test' && record;
      });
      assert.ok(current);
      const tookMs = Date.now() - changedAt;
      const run = (await call('GET', `/api/v1/connections/${setup.connectionId}/sync/directory`)).body.run;
      assert.equal(run.trigger, 'notification');
      assert.equal(run.mode, 'delta');
      assert.ok(tookMs < 10_000, `reached the feed ${tookMs} ms after the change`);
      const notified = (await subscriptions()).subscriptions.find((x: Json) => x.resource === 'users');
      assert.ok(notified.notifications >= 1 && notified.lastNotificationAt);

      // Anyone may post to the public endpoint; only a subscription's own client state counts.
      const graphId = atSandbox.find((x) => x.resource === 'users')!.id as string;
      const runsBefore = (await setup.store.db.selectFrom('sync_runs').select('id').execute()).length;
      const post = (path: string, payload: unknown) =>
        app.inject({ method: 'POST', url: path, payload: payload as Json });
      const forged = await post('/notifications/microsoft', {
        value: [{ subscriptionId: graphId, clientState: 'not-the-secret', changeType: 'updated', resource: 'users/x' }],
      });
      assert.equal(forged.statusCode, 202);
      const unknown = await post('/notifications/microsoft', {
        value: [{ subscriptionId: 'no-such-subscription', clientState: 'x' }],
      });
      assert.equal(unknown.statusCode, 202);
      await sleep(300);
      assert.equal((await setup.store.db.selectFrom('sync_runs').select('id').execute()).length, runsBefore);
      assert.equal((await post('/notifications/microsoft', { value: 'nope' })).statusCode, 400);
      const text = await app.inject({
        method: 'POST',
        url: '/notifications/microsoft',
        headers: { 'content-type': 'text/plain' },
        payload: 'plain text, no token',
      });
      assert.equal(text.statusCode, 400);
      const echo = await app.inject({
        method: 'POST',
        url: '/notifications/microsoft/lifecycle?validationToken=Validation%3A%20a%20token',
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        payload: '',
      });
      assert.deepEqual(
        [echo.statusCode, echo.headers['content-type'], echo.body],
        [200, 'text/plain; charset=utf-8', 'Validation: a token'],
      );
      const tooLong = await app.inject({
        method: 'POST',
        url: `/notifications/microsoft?validationToken=${'x'.repeat(2000)}`,
      });
      assert.equal(tooLong.statusCode, 400);
    });

    test('lifecycle events: reauthorized when asked, made again when removed; renewed and recreated by the sandbox clock', async () => {
      await until('active', async () => (await activeGraphIds()).length === 2);
      const graphSubs = async () => (await s.control('GET', '/subscriptions')) as Json[];
      const users = async () => (await graphSubs()).find((x) => x.resource === 'users')!;

      const before = await users();
      // Graph's clock counts whole seconds: let one pass, so that a renewal shows in the expiry.
      await sleep(1100);
      await s.control('POST', `/subscriptions/${before.id}/lifecycle`, { event: 'reauthorizationRequired' });
      // Reauthorized and renewed: the same subscription, a later expiry.
      await until(
        'renewed after reauthorization',
        async () => {
          const now = await users();
          return now.id === before.id && Date.parse(now.expirationDateTime) > Date.parse(before.expirationDateTime);
        },
        15_000,
        async () => JSON.stringify({ ours: await subscriptions(), graph: await graphSubs() }),
      );

      await s.control('POST', `/subscriptions/${before.id}/lifecycle`, { event: 'subscriptionRemoved' });
      const remade = await until('made again after removal', async () => {
        const now = (await graphSubs()).find((x) => x.resource === 'users');
        return now && now.id !== before.id && now;
      });
      await until('active again', async () => {
        const mine = (await subscriptions()).subscriptions.find((x: Json) => x.resource === 'users');
        return mine.state === 'active';
      });

      // Two days pass on the sandbox clock: past half their lifetime, so the upkeep renews them by Graph's clock.
      const manager = new SubscriptionManager({
        store: setup.store,
        connections: setup.connections,
        publicUrl: () => base,
      });
      await s.control('POST', '/clock', { advanceSeconds: 2 * 86_400 });
      await manager.maintain(setup.connectionId);
      const clock = Date.parse((await s.control('GET', '/clock')).now);
      const renewed = await users();
      assert.equal(renewed.id, remade.id, 'renewed, not made again');
      assert.ok(Date.parse(renewed.expirationDateTime) - clock > 2.5 * 86_400_000, renewed.expirationDateTime);

      // Five more days: Graph let them expire; the upkeep makes them again.
      await s.control('POST', '/clock', { advanceSeconds: 5 * 86_400 });
      await manager.maintain(setup.connectionId);
      const later = await users();
      assert.notEqual(later.id, remade.id);
      assert.ok(Date.parse(later.expirationDateTime) > Date.parse((await s.control('GET', '/clock')).now));
      assert.equal((await activeGraphIds()).length, 2);
      await s.control('DELETE', '/clock');
    });
  });
}

describe('change notifications without a public HTTPS URL', () => {
  test('the features are polled, and the API says why', async () => {
    const target = storeTargets()[0]!;
    const s = await startSyncSandbox({ users: 5 });
    const setup = await setUpSync(target, s, { name: 'polled' });
    const app = await buildServer({ store: setup.store, service: setup.connections, consoleDir: null });
    try {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const { key } = await createApiKey(apiKeysRepository(setup.store), 'notifications');
      const res = await app.inject({
        url: `/api/v1/connections/${setup.connectionId}/subscriptions`,
        headers: { authorization: `Bearer ${key}` },
      });
      assert.equal(res.statusCode, 200);
      const body = res.json();
      assert.equal(body.mode, 'polling');
      assert.match(body.reason, /HTTPS/);
      assert.deepEqual(body.subscriptions, []);
      await sleep(300);
      assert.deepEqual(await s.control('GET', '/subscriptions'), []);
      const missing = await app.inject({
        url: '/api/v1/connections/nobody/subscriptions',
        headers: { authorization: `Bearer ${key}` },
      });
      assert.equal(missing.statusCode, 404);
      const anonymous = await app.inject({ url: `/api/v1/connections/${setup.connectionId}/subscriptions` });
      assert.equal(anonymous.statusCode, 401);
    } finally {
      await app.close();
      await setup.close();
      await s.close();
      await target.cleanUp();
    }
  });
});

describe('serve --tls-cert and --tls-key', () => {
  test('both or neither, readable, PEM: anything else is a usage error before the server starts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tl-tls-'));
    const notPem = join(dir, 'not.pem');
    writeFileSync(notPem, 'hello');
    const alone = await runCliHere(['serve', '--tls-cert', notPem]);
    assert.equal(alone.code, 2);
    assert.match(alone.stderr, /--tls-cert and --tls-key go together/);
    const missing = await runCliHere(['serve', '--tls-cert', join(dir, 'missing.pem'), '--tls-key', notPem]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--tls-cert: cannot read .*missing\.pem \(ENOENT\)/);
    const garbage = await runCliHere(['serve', '--tls-cert', notPem, '--tls-key', notPem]);
    assert.equal(garbage.code, 2);
    assert.match(garbage.stderr, /--tls-cert: .* is not a PEM certificate/);
  });
});
