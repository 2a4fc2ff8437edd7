import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { loadKeyring } from '../src/connections/keyring.js';
import { ConnectionService } from '../src/connections/service.js';
import { Vault, webhookSecretContext } from '../src/connections/vault.js';
import { createApiKey } from '../src/server/auth/api-keys.js';
import { buildServer } from '../src/server/server.js';
import { apiKeysRepository } from '../src/store/api-keys-repository.js';
import { webhookEndpointsRepository } from '../src/store/webhook-endpoints-repository.js';
import { apiCaller } from './helpers/api-calls.js';
import { storeTargets, type TestStore } from './helpers/store-databases.js';
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhook-receiver.js';

const HOSTILE_URLS = [
  'https://169.254.169.254/latest/meta-data/iam',
  'https://10.0.0.1/hook',
  'https://[fd00::1]/hook',
  'https://0x7f000001/hook',
  'https://[::ffff:169.254.169.254]/hook',
  'http://localhost:6379/',
  'https://localhost:5432/',
  'https://100.64.0.1/hook',
  'https://[fe80::1]/hook',
];

for (const target of storeTargets()) {
  describe(`webhooks and the outbound policy on ${target.name}`, () => {
    let store: TestStore;
    let vault: Vault;
    let service: ConnectionService;
    let strict: FastifyInstance;
    let receiver: WebhookReceiver;
    let key: string;

    const call = (app: FastifyInstance, method: string, url: string, payload?: unknown) =>
      apiCaller(app, () => key)(method, url, payload);

    before(async () => {
      store = await target.open();
      vault = new Vault(await loadKeyring({ dataDir: mkdtempSync(join(tmpdir(), 'tl-sec-hooks-')), env: {} }));
      service = new ConnectionService({ store, vault });
      strict = await buildServer({ store, service, consoleDir: null });
      await strict.ready();
      key = (await createApiKey(apiKeysRepository(store), 'hooks')).key;
      receiver = await startWebhookReceiver();
    });
    after(async () => {
      await strict.close();
      await receiver.close();
      await service.close();
      await store.close();
      await target.cleanUp();
    });

    test('URLs on private, loopback and link-local networks are refused when saved, with the opt-in named', async () => {
      for (const url of [...HOSTILE_URLS, receiver.url]) {
        const res = await call(strict, 'POST', '/api/v1/webhooks', { url });
        assert.equal(res.status, 400, `${url}: ${res.text}`);
        assert.equal(res.body.error.code, 'INVALID_INPUT');
        assert.match(res.body.error.fix, /--allow-private-targets/);
      }
      const kept = await call(strict, 'POST', '/api/v1/webhooks', { url: 'https://hooks.vendor.example/in' });
      assert.equal(kept.status, 201);
      const moved = await call(strict, 'PATCH', `/api/v1/webhooks/${kept.body.webhook.id}`, {
        url: 'https://169.254.169.254/',
      });
      assert.equal(moved.status, 400);
      assert.equal((await call(strict, 'DELETE', `/api/v1/webhooks/${kept.body.webhook.id}`)).status, 204);
      assert.equal(receiver.received.length, 0);
    });

    test('a ping to a private target stored earlier is refused at connect time and says only that', async () => {
      // As a row stored before the policy existed: the save-time check never saw it.
      const id = '6f1c2a54-0000-4000-8000-000000000001';
      const ciphertext = vault.encrypt('whsec_old-row-secret', webhookSecretContext(id));
      await webhookEndpointsRepository(store).create({
        id,
        url: receiver.url,
        secret: { ciphertext, keyId: vault.keyIdOf(ciphertext) },
      });
      const pinged = await call(strict, 'POST', `/api/v1/webhooks/${id}/ping`);
      assert.equal(pinged.status, 200, pinged.text);
      assert.deepEqual([pinged.body.ok, pinged.body.result], [false, 'failed: refused by the outbound policy']);
      assert.ok(!('error' in pinged.body) && !('statusCode' in pinged.body));
      assert.equal(receiver.received.length, 0, 'the private service received nothing');
      await webhookEndpointsRepository(store).delete(id);
    });

    test('with the operator opt-in: a query-string token is kept encrypted, shown masked, and delivered whole', async () => {
      const allowing = await buildServer({ store, service, consoleDir: null, outbound: { allowPrivateTargets: true } });
      await allowing.ready();
      try {
        const url = `${receiver.url}?token=s3cret-query-token&tenant=acme`;
        const created = await call(allowing, 'POST', '/api/v1/webhooks', { url });
        assert.equal(created.status, 201, created.text);
        const id = created.body.webhook.id as string;
        assert.equal(created.body.webhook.url, `${receiver.url}?token=***&tenant=***`);
        for (const answer of [
          await call(allowing, 'GET', '/api/v1/webhooks'),
          await call(allowing, 'GET', `/api/v1/webhooks/${id}`),
        ])
          assert.ok(!answer.text.includes('s3cret-query-token'));
        const row = await store.db
          .selectFrom('webhook_endpoints')
          .selectAll()
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
        assert.ok(!JSON.stringify(row).includes('s3cret-query-token'), 'not in clear in the database');

        receiver.answer = () => ({ status: 503 });
        const failed = await call(allowing, 'POST', `/api/v1/webhooks/${id}/ping`);
        assert.deepEqual([failed.body.ok, failed.body.result], [false, 'failed: 5xx']);
        receiver.answer = () => ({ status: 200 });
        const pinged = await call(allowing, 'POST', `/api/v1/webhooks/${id}/ping`);
        assert.deepEqual([pinged.body.ok, pinged.body.result], [true, 'delivered']);
        assert.equal(receiver.received.at(-1)?.path, '/hooks/tenantlink?token=s3cret-query-token&tenant=acme');

        // Changing the URL seals the new one and drops the old.
        const changed = await call(allowing, 'PATCH', `/api/v1/webhooks/${id}`, { url: receiver.url });
        assert.equal(changed.body.webhook.url, receiver.url);
        const after = await store.db
          .selectFrom('webhook_endpoints')
          .selectAll()
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
        assert.equal(after.url_ciphertext, null);
        await call(allowing, 'DELETE', `/api/v1/webhooks/${id}`);
      } finally {
        await allowing.close();
      }
    });

    test('a URL with a query string stored in clear before this release is sealed when the server starts', async () => {
      const id = '6f1c2a54-0000-4000-8000-000000000002';
      const ciphertext = vault.encrypt('whsec_old-row-secret', webhookSecretContext(id));
      await webhookEndpointsRepository(store).create({
        id,
        url: 'https://hooks.vendor.example/in?key=legacy-clear-token',
        secret: { ciphertext, keyId: vault.keyIdOf(ciphertext) },
      });
      const restarted = await buildServer({ store, service, consoleDir: null });
      await restarted.ready();
      try {
        const row = await store.db
          .selectFrom('webhook_endpoints')
          .selectAll()
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
        assert.equal(row.url, 'https://hooks.vendor.example/in?key=***');
        assert.ok(row.url_ciphertext && !row.url_ciphertext.includes('legacy-clear-token'));
        const secrets = await webhookEndpointsRepository(store).deliverySecrets(id);
        assert.ok(secrets?.url);
        // Vault rotation re-encrypts the sealed URL like any other secret.
        await service.rotateVault();
        const rotated = await store.db
          .selectFrom('webhook_endpoints')
          .selectAll()
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
        assert.notEqual(rotated.url_key_id, row.url_key_id);
      } finally {
        await restarted.close();
        await webhookEndpointsRepository(store).delete(id);
      }
    });
  });
}
