import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../src/cli/run.js';
import { loadKeyring } from '../src/connections/keyring.js';
import { Vault } from '../src/connections/vault.js';
import { jobQueueSchema } from '../src/jobs/choose-runner.js';
import { PgBossJobRunner } from '../src/jobs/pg-boss-runner.js';
import { createApiKey } from '../src/server/auth/api-keys.js';
import { buildServer } from '../src/server/server.js';
import { apiKeysRepository } from '../src/store/api-keys-repository.js';
import { openStore } from '../src/store/database.js';
import { WebhookDispatcher } from '../src/webhooks/dispatcher.js';
import { verifyWebhookSignature } from '../src/webhooks/signature.js';
import { apiCaller } from './helpers/api-calls.js';
import type { Json } from './helpers/graph-sandbox.js';
import { postgresTestUrl, storeTargets } from './helpers/store-databases.js';
import { type SyncSandbox, setUpSync, startSyncSandbox, writeCliSandboxFiles } from './helpers/sync-harness.js';
import {
  type ReceivedDelivery,
  startWebhookReceiver,
  type WebhookReceiver,
  waitFor,
} from './helpers/webhook-receiver.js';
import { FAST_WEBHOOKS, LOOPBACK_TARGETS } from './helpers/webhook-store.js';

let s: SyncSandbox;
let receiver: WebhookReceiver;

before(async () => {
  s = await startSyncSandbox({ users: 30 });
  receiver = await startWebhookReceiver();
});
after(async () => {
  await receiver.close();
  await s.close();
});

/** Record keys (`model/id`) in delivery order; each should appear once per pass. */
const keysOf = (deliveries: ReceivedDelivery[]) =>
  deliveries.flatMap((d) => d.body.entries.map((e) => `${e.model}/${e.id}`));

for (const target of storeTargets()) {
  describe(`webhooks API on ${target.name}`, () => {
    after(() => target.cleanUp());

    test('a directory sync is delivered, signed, to a webhook added through the API; then its changes; deliveries and replay', async () => {
      receiver.received.length = 0;
      const setup = await setUpSync(target, s, { name: 'contoso' });
      const app = await buildServer({
        store: setup.store,
        service: setup.connections,
        consoleDir: null,
        // No polling to speak of: the sync routes' commits must wake the dispatcher themselves.
        webhooks: { ...FAST_WEBHOOKS, pollIntervalMs: 60_000 },
        outbound: { allowPrivateTargets: true },
      });
      const { key } = await createApiKey(apiKeysRepository(setup.store), 'webhook tests');
      const call = apiCaller(app, () => key);
      const waitForRun = async (runId: string) =>
        waitFor('the sync run', async () => {
          const latest = (await call('GET', `/api/v1/connections/${setup.connectionId}/sync/directory`)).body;
          return latest.run.id === runId && latest.run.status === 'succeeded';
        });
      try {
        const created = await call('POST', '/api/v1/webhooks', { url: receiver.url, description: 'the product' });
        assert.equal(created.status, 201, created.text);
        const { webhook, secret } = created.body;
        assert.match(secret, /^whsec_/);
        assert.deepEqual(
          [webhook.connectionId, webhook.models, webhook.enabled, webhook.status],
          [null, null, true, 'active'],
        );
        const listed = await call('GET', '/api/v1/webhooks');
        assert.equal(listed.body.webhooks.length, 1);
        assert.ok(!listed.text.includes(secret) && !listed.text.includes('secret'), 'the secret is never shown again');
        assert.ok(!(await call('GET', `/api/v1/webhooks/${webhook.id}`)).text.includes(secret));

        const run = await call('POST', `/api/v1/connections/${setup.connectionId}/sync/directory`, {});
        await waitForRun(run.body.run.id);
        const stored = await setup.stored();
        await waitFor('the whole feed delivered', async () => {
          const c = (await call('GET', `/api/v1/webhooks/${webhook.id}`)).body.webhook.cursors[0];
          return c !== undefined && c.lastSeq === c.feedLastSeq;
        });
        const firstPass = receiver.accepted();
        const keys = keysOf(firstPass);
        assert.equal(new Set(keys).size, keys.length, 'each record once');
        assert.equal(keys.length, stored.entries, 'every feed entry');
        assert.equal(keys.filter((k) => k.startsWith('users/')).length, 30);
        for (const d of firstPass) {
          assert.equal(verifyWebhookSignature(d.rawBody, d.headers['tenantlink-signature'], secret), true);
          assert.deepEqual(d.body.connection, { id: setup.connectionId, name: 'contoso', tenantId: s.tenantId });
        }

        // A change in the tenant: the next (delta) run's commits arrive after the first pass.
        const [user] = [...stored.users.keys()];
        await s.writer.patch(`/users/${user}`, { jobTitle: 'Webhook tester' });
        const delta = await call('POST', `/api/v1/connections/${setup.connectionId}/sync/directory`, {});
        await waitForRun(delta.body.run.id);
        await waitFor('the change delivered', () =>
          receiver
            .accepted()
            .some((d) => d.body.entries.some((e) => e.id === user && e.data?.jobTitle === 'Webhook tester')),
        );
        const lastSeqBefore = Math.max(...firstPass.map((d) => d.body.toSeq));
        const change = receiver.accepted().slice(firstPass.length);
        assert.ok(change.every((d) => d.body.fromSeq > lastSeqBefore));

        const deliveriesUrl = `/api/v1/webhooks/${webhook.id}/deliveries?limit=500`;
        await waitFor('the change in the delivery log', async () => {
          const c = (await call('GET', `/api/v1/webhooks/${webhook.id}`)).body.webhook.cursors[0];
          return c.lastSeq === c.feedLastSeq;
        });
        const deliveries = await call('GET', deliveriesUrl);
        assert.equal(deliveries.status, 200);
        assert.equal(deliveries.body.deliveries.length, receiver.accepted().length);
        assert.ok(deliveries.body.deliveries.every((d: Json) => d.status === 'succeeded' && d.statusCode === 200));
        assert.equal(
          deliveries.body.deliveries[0].deliveryId,
          receiver.accepted().at(-1)!.headers['tenantlink-delivery'],
        );

        // Replay from a cursor: everything after it comes again, in order.
        const since = lastSeqBefore - 5;
        const before = receiver.accepted().length;
        const replay = await call('POST', `/api/v1/webhooks/${webhook.id}/replay`, { connection: 'contoso', since });
        assert.equal(replay.status, 202, replay.text);
        assert.equal(replay.body.cursor.lastSeq, since);
        await waitFor('replayed', async () => {
          const c = (await call('GET', `/api/v1/webhooks/${webhook.id}`)).body.webhook.cursors[0];
          return receiver.accepted().length > before && c.lastSeq === c.feedLastSeq;
        });
        const again = receiver.accepted().slice(before);
        assert.equal(again[0]!.body.entries[0]!.seq > since, true);
        assert.deepEqual(
          again.flatMap((d) => d.body.entries.map((e) => e.seq)),
          receiver
            .accepted()
            .slice(0, before)
            .flatMap((d) => d.body.entries.map((e) => e.seq))
            .filter((seq) => seq > since),
        );

        // Refusals.
        const refused = async (method: string, url: string, payload: unknown, status: number, code: string) => {
          const res = await call(method, url, payload);
          assert.deepEqual([res.status, res.body?.error?.code], [status, code], `${method} ${url} ${res.text}`);
        };
        await refused('POST', '/api/v1/webhooks', { url: 'http://app.example.com/hook' }, 400, 'INVALID_INPUT');
        await refused('POST', '/api/v1/webhooks', { url: receiver.url, models: ['mailboxes'] }, 400, 'INVALID_INPUT');
        await refused(
          'POST',
          '/api/v1/webhooks',
          { url: receiver.url, connection: 'nope' },
          404,
          'CONNECTION_NOT_FOUND',
        );
        await refused(
          'POST',
          `/api/v1/webhooks/${webhook.id}/replay`,
          { connection: 'contoso', since: 1e9 },
          400,
          'INVALID_INPUT',
        );
        await refused('POST', '/api/v1/webhooks/nope/replay', { connection: 'contoso' }, 404, 'WEBHOOK_NOT_FOUND');
        await refused('GET', '/api/v1/webhooks/nope/deliveries', undefined, 404, 'WEBHOOK_NOT_FOUND');

        // A test event, signed like any delivery, answered at once and not logged.
        const logged = (await call('GET', `/api/v1/webhooks/${webhook.id}/deliveries`)).body.deliveries.length;
        const pinged = await call('POST', `/api/v1/webhooks/${webhook.id}/ping`);
        assert.equal(pinged.status, 200, pinged.text);
        assert.deepEqual(Object.keys(pinged.body).sort(), ['deliveryId', 'durationMs', 'ok', 'result']);
        assert.deepEqual([pinged.body.ok, pinged.body.result], [true, 'delivered']);
        const ping = receiver.received.find((d) => d.headers['tenantlink-delivery'] === pinged.body.deliveryId)!;
        assert.equal(ping.headers['tenantlink-event'], 'ping');
        const pingBody = JSON.parse(ping.rawBody);
        assert.deepEqual([pingBody.type, pingBody.webhook], ['ping', webhook.id]);
        assert.ok(Date.parse(pingBody.sentAt) <= Date.now());
        assert.ok(verifyWebhookSignature(ping.rawBody, ping.headers['tenantlink-signature'], secret));
        assert.equal((await call('GET', `/api/v1/webhooks/${webhook.id}/deliveries`)).body.deliveries.length, logged);
        await refused('POST', '/api/v1/webhooks/nope/ping', undefined, 404, 'WEBHOOK_NOT_FOUND');

        // A new secret, once; the old one keeps signing for the hours asked.
        const rotated = await call('POST', `/api/v1/webhooks/${webhook.id}/rotate-secret`, { keepPreviousHours: 2 });
        assert.equal(rotated.status, 200, rotated.text);
        assert.match(rotated.body.secret, /^whsec_/);
        assert.notEqual(rotated.body.secret, secret);
        const keptFor = Date.parse(rotated.body.webhook.previousSecretExpiresAt) - Date.now();
        assert.ok(keptFor > 1.9 * 3_600_000 && keptFor <= 2 * 3_600_000, `${keptFor} ms`);
        const shown = (await call('GET', `/api/v1/webhooks/${webhook.id}`)).text;
        assert.ok(!shown.includes(rotated.body.secret) && !shown.includes(secret));
        await refused(
          'POST',
          `/api/v1/webhooks/${webhook.id}/rotate-secret`,
          { keepPreviousHours: 500 },
          400,
          'INVALID_INPUT',
        );
        await refused('POST', '/api/v1/webhooks/nope/rotate-secret', {}, 404, 'WEBHOOK_NOT_FOUND');
        const anonymousRotation = await app.inject({
          method: 'POST',
          url: `/api/v1/webhooks/${webhook.id}/rotate-secret`,
        });
        assert.equal(anonymousRotation.statusCode, 401);

        const disabled = await call('PATCH', `/api/v1/webhooks/${webhook.id}`, { enabled: false, models: ['users'] });
        assert.deepEqual([disabled.body.webhook.status, disabled.body.webhook.models], ['disabled', ['users']]);
        assert.equal((await call('DELETE', `/api/v1/webhooks/${webhook.id}`)).status, 204);
        assert.equal((await call('GET', `/api/v1/webhooks/${webhook.id}`)).status, 404);
        const anonymous = await app.inject({ method: 'GET', url: '/api/v1/webhooks' });
        assert.equal(anonymous.statusCode, 401);
      } finally {
        await app.close();
        await setup.close();
      }
    });

    test('commits made by another process reach the server\u2019s dispatcher (PostgreSQL: enqueued with the page, else its sweep)', async () => {
      receiver.received.length = 0;
      const setup = await setUpSync(target, s, { name: 'other-process' });
      const schema = setup.store.options.postgresSchema;
      const queue =
        target.name === 'postgres' && postgresTestUrl && schema
          ? { databaseUrl: postgresTestUrl, schema: jobQueueSchema(schema) }
          : undefined;
      const app = await buildServer({
        store: setup.store,
        service: setup.connections,
        consoleDir: null,
        // On PostgreSQL the sweep is too slow to matter: only the jobs enqueued with each page can deliver in time.
        webhooks: { ...FAST_WEBHOOKS, pollIntervalMs: queue ? 60_000 : 100 },
        outbound: { allowPrivateTargets: true },
        ...(queue ? { jobs: { ...queue, pollingIntervalSeconds: 0.5 } } : {}),
      });
      // The other process: its syncs enqueue their deliveries on the shared queue, and it takes no jobs.
      const other = queue
        ? new PgBossJobRunner({ store: setup.store, ...queue, work: false, maintenanceIntervalSeconds: 60 })
        : undefined;
      const otherWebhooks = other
        ? new WebhookDispatcher({
            store: setup.store,
            vault: setup.connections.vault,
            outbound: LOOPBACK_TARGETS,
            runner: other,
            pollIntervalMs: 60_000,
          })
        : undefined;
      if (otherWebhooks) setup.sync.onCommitting((db, event) => otherWebhooks.committing(db.db, event));
      try {
        await app.ready();
        const { key } = await createApiKey(apiKeysRepository(setup.store), 'webhook tests');
        const created = await app.inject({
          method: 'POST',
          url: '/api/v1/webhooks',
          headers: { authorization: `Bearer ${key}` },
          payload: { url: receiver.url, connection: 'other-process', models: ['groups'] },
        });
        assert.equal(created.statusCode, 201);
        await other?.start();
        // The sync service of the harness is not wired to the server, as if another process ran it.
        await setup.sync.run(setup.connectionId, 'directory');
        const groups = (await setup.stored()).groups.size;
        await waitFor('the groups delivered', () => keysOf(receiver.accepted()).length === groups, 5000);
        assert.ok(keysOf(receiver.accepted()).every((k) => k.startsWith('groups/')));
      } finally {
        await other?.stop();
        await app.close();
        await setup.close();
      }
    });
  });
}

describe('the webhooks commands', () => {
  const work = mkdtempSync(join(tmpdir(), 'tenantlink-webhooks-cli-'));
  after(() => rmSync(work, { recursive: true, force: true }));
  const dataDir = join(work, 'data');

  const cli = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['--data', dataDir, '--sandbox', join(work, 'state.json'), ...args], {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      stdin: process.stdin,
      env: { TENANTLINK_ALLOW_PRIVATE_TARGETS: '1' },
    });
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  };

  /** What `tenantlink serve` would do meanwhile: a dispatcher on the same data folder, until it has caught up. */
  const deliverOnce = async () => {
    const store = await openStore({ dataDir, databaseUrl: undefined });
    const dispatcher = new WebhookDispatcher({
      store,
      vault: new Vault(await loadKeyring({ dataDir, env: {} })),
      outbound: LOOPBACK_TARGETS,
      ...FAST_WEBHOOKS,
    });
    try {
      const before = receiver.accepted().length;
      await dispatcher.start();
      await waitFor('a delivery', () => receiver.accepted().length > before);
      await dispatcher.sweep();
      await dispatcher.idle();
      return receiver.accepted().slice(before);
    } finally {
      await dispatcher.stop();
      await store.close();
    }
  };

  test('add (the secret printed once), list, deliveries, replay, vault rotate, secret rotation, disable and remove', async () => {
    receiver.received.length = 0;
    writeCliSandboxFiles(s, work);
    const added = await cli(
      ...['connections', 'add', '--name', 'contoso', '--tenant', s.tenantId, '--client-id', s.syncApp.appId],
      ...['--client-secret-file', join(work, 'secret.txt'), '--features', 'directory'],
    );
    assert.equal(added.code, 0, added.stderr);

    const hook = await cli('webhooks', 'add', '--url', receiver.url, '--connection', 'contoso', '--models', 'users');
    assert.equal(hook.code, 0, hook.stderr);
    const [secret, about] = hook.stdout.split('\n');
    assert.match(secret!, /^whsec_[A-Za-z0-9_-]{43}$/);
    const id = /^Webhook (\S+) added/.exec(about!)![1]!;
    const list = await cli('--json', 'webhooks', 'list');
    assert.ok(!list.stdout.includes(secret!));
    const [listed] = JSON.parse(list.stdout).webhooks;
    assert.deepEqual([listed.id, listed.models, listed.status], [id, ['users'], 'active']);

    assert.equal((await cli('sync', 'contoso', 'directory')).code, 0);
    const first = await deliverOnce();
    assert.equal(keysOf(first).length, 30);
    assert.ok(first.every((d) => verifyWebhookSignature(d.rawBody, d.headers['tenantlink-signature'], secret!)));

    const log = JSON.parse((await cli('--json', 'webhooks', 'deliveries', id)).stdout).deliveries;
    assert.equal(log.length, first.length);
    assert.match(
      (await cli('webhooks', 'deliveries', id)).stdout,
      /\tsucceeded\t200\tseq \d+-\d+ \(\d+\)\tattempt 1\t/,
    );
    assert.match((await cli('webhooks', 'list')).stdout, /delivered to (\d+) of \1/);

    // The vault's new key re-encrypts the secret; the vendor's copy still verifies.
    const rotated = await cli('--json', 'vault', 'rotate');
    assert.equal(rotated.code, 0, rotated.stdout);
    assert.deepEqual(JSON.parse(rotated.stdout).failed, []);
    const replay = await cli('webhooks', 'replay', id, '--connection', 'contoso', '--since', '0');
    assert.equal(replay.code, 0, replay.stderr);
    assert.match(replay.stdout, /from sequence 1 /);
    const again = await deliverOnce();
    assert.deepEqual(keysOf(again), keysOf(first));
    assert.ok(again.every((d) => verifyWebhookSignature(d.rawBody, d.headers['tenantlink-signature'], secret!)));

    const pinged = await cli('webhooks', 'ping', id);
    assert.equal(pinged.code, 0, pinged.stderr);
    assert.match(pinged.stdout, /The endpoint answered 200 in \d+ ms\./);
    assert.ok(receiver.received.some((d) => d.headers['tenantlink-event'] === 'ping'));

    // A rotated secret, printed once; the old one still signs beside it.
    const rolled = await cli('webhooks', 'rotate-secret', id, '--keep-previous-hours', '1');
    assert.equal(rolled.code, 0, rolled.stderr);
    const [newSecret, rolledAbout] = rolled.stdout.split('\n');
    assert.match(newSecret!, /^whsec_[A-Za-z0-9_-]{43}$/);
    assert.match(rolledAbout!, /has a new signing secret/);
    assert.match((await cli('webhooks', 'show', id)).stdout, /also signed with the previous secret until /);
    assert.equal((await cli('webhooks', 'replay', id, '--connection', 'contoso', '--since', '0')).code, 0);
    const both = await deliverOnce();
    assert.ok(both.every((d) => verifyWebhookSignature(d.rawBody, d.headers['tenantlink-signature'], newSecret!)));
    assert.ok(both.every((d) => verifyWebhookSignature(d.rawBody, d.headers['tenantlink-signature'], secret!)));
    assert.equal((await cli('webhooks', 'rotate-secret', id, '--keep-previous-hours', 'soon')).code, 2);

    assert.equal((await cli('webhooks', 'replay', id, '--connection', 'contoso', '--since', 'x')).code, 2);
    assert.equal((await cli('webhooks', 'add', '--url', 'http://app.example.com/')).code, 2);
    assert.equal((await cli('webhooks', 'add', '--url', receiver.url, '--models', 'mailboxes')).code, 2);
    assert.equal((await cli('webhooks', 'remove', 'nope')).code, 1);
    assert.match((await cli('webhooks', 'disable', id)).stdout, /disabled/);
    assert.match((await cli('webhooks', 'list')).stdout, /\tdisabled\t/);
    assert.equal((await cli('webhooks', 'remove', id)).code, 0);
    assert.match((await cli('webhooks', 'list')).stdout, /No webhooks yet/);
  });
});
