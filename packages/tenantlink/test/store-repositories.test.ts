import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TenantlinkError } from '../src/errors.js';
import { type ConnectionsRepository, connectionsRepository } from '../src/store/connections-repository.js';
import { type SecretsRepository, type StoredSecret, secretsRepository } from '../src/store/secrets-repository.js';
import { storeTargets, type TestStore } from './helpers/store-databases.js';

for (const target of storeTargets()) {
  describe(`repositories on ${target.name}`, () => {
    let store: TestStore;
    let connections: ConnectionsRepository;
    let secrets: SecretsRepository;
    before(async () => {
      store = await target.open();
      connections = connectionsRepository(store);
      secrets = secretsRepository(store);
    });
    after(async () => {
      await store.close();
      await target.cleanUp();
    });

    test('create, get by id and by name, list, update and delete a connection', async () => {
      const created = await connections.create({
        name: 'contoso',
        tenant: '11111111-1111-1111-1111-111111111111',
        clientId: '22222222-2222-2222-2222-222222222222',
        authMode: 'certificate',
        cloud: { authorityHost: 'https://localhost:8443', graphEndpoint: 'https://localhost:8443' },
        features: ['directory', 'mail'],
        settings: { mailboxes: ['shared@contoso.com'] },
        certificateThumbprint: 'ABCDEF',
      });
      assert.match(created.id, /^[0-9a-f-]{36}$/);
      assert.deepEqual(await connections.get(created.id), created);
      assert.deepEqual(await connections.getByName('contoso'), created);
      assert.equal(await connections.get('missing'), undefined);
      assert.equal(await connections.getByName('missing'), undefined);

      await connections.create({ id: 'fixed-id', name: 'adatum', tenant: 't2', clientId: 'c2', authMode: 'secret' });
      const adatum = await connections.get('fixed-id');
      assert.equal(adatum?.cloud, 'global', 'the cloud defaults to global');
      assert.deepEqual(adatum?.features, []);
      assert.equal(adatum?.certificateThumbprint, null);
      assert.deepEqual(
        (await connections.list()).map((c) => c.name),
        ['adatum', 'contoso'],
      );

      await new Promise((resolve) => setTimeout(resolve, 2));
      const updated = await connections.update(created.id, { features: ['directory'], certificateThumbprint: null });
      assert.deepEqual(updated.features, ['directory']);
      assert.equal(updated.certificateThumbprint, null);
      assert.equal(updated.name, 'contoso', 'untouched fields stay');
      assert.deepEqual(updated.settings, { mailboxes: ['shared@contoso.com'] });
      assert.ok(updated.updatedAt > created.updatedAt, 'updated_at moves forward');
      assert.equal(updated.createdAt, created.createdAt);
      await assert.rejects(connections.update('missing', { name: 'x' }), { code: 'CONNECTION_NOT_FOUND' });

      assert.equal(await connections.delete('fixed-id'), true);
      assert.equal(await connections.delete('fixed-id'), false);
      assert.equal(await connections.get('fixed-id'), undefined);
    });

    test('a duplicate name is CONNECTION_EXISTS, on create and on rename', async () => {
      await connections.create({ name: 'fabrikam', tenant: 't', clientId: 'c', authMode: 'delegated' });
      const other = await connections.create({ name: 'northwind', tenant: 't', clientId: 'c', authMode: 'secret' });
      const onCreate = await caught(
        connections.create({ name: 'fabrikam', tenant: 't', clientId: 'c', authMode: 'secret' }),
      );
      assert.equal(onCreate.code, 'CONNECTION_EXISTS');
      assert.equal(onCreate.status, 409);
      assert.match(onCreate.message, /fabrikam/);
      assert.ok(onCreate.diagnosis?.fix);
      const onRename = await caught(connections.update(other.id, { name: 'fabrikam' }));
      assert.equal(onRename.code, 'CONNECTION_EXISTS');
      const sameId = await caught(
        connections.create({ id: other.id, name: 'unique-name', tenant: 't', clientId: 'c', authMode: 'secret' }),
      );
      assert.equal(sameId.code, 'CONNECTION_EXISTS');
      // The store is still usable after the failed statements (on PostgreSQL nothing was left aborted).
      assert.equal((await connections.getByName('northwind'))?.id, other.id);
    });

    test('an unknown auth mode is refused', async () => {
      const err = await caught(
        connections.create({ name: 'bad-mode', tenant: 't', clientId: 'c', authMode: 'password' as 'secret' }),
      );
      assert.equal(err.code, 'INVALID_AUTH_MODE');
    });

    test('secrets: put, overwrite, get, list, delete; only for existing connections', async () => {
      const c = await connections.create({ name: 'secrets-1', tenant: 't', clientId: 'c', authMode: 'secret' });
      await secrets.put(c.id, 'client_secret', { ciphertext: 'v1:abc', keyId: 'k1' });
      await secrets.put(c.id, 'token_cache', { ciphertext: 'v1:cache', keyId: 'k1' });
      const overwritten = await secrets.put(c.id, 'client_secret', { ciphertext: 'v1:def', keyId: 'k2' });
      assert.equal(overwritten.ciphertext, 'v1:def');
      const got = await secrets.get(c.id, 'client_secret');
      assert.equal(got?.ciphertext, 'v1:def');
      assert.equal(got?.keyId, 'k2');
      assert.deepEqual(
        (await secrets.listForConnection(c.id)).map((s) => s.kind),
        ['client_secret', 'token_cache'],
      );
      assert.equal(await secrets.delete(c.id, 'token_cache'), true);
      assert.equal(await secrets.delete(c.id, 'token_cache'), false);
      assert.equal(await secrets.get(c.id, 'token_cache'), undefined);
      await assert.rejects(secrets.put('no-such-connection', 'client_secret', { ciphertext: 'x', keyId: 'k' }), {
        code: 'CONNECTION_NOT_FOUND',
      });
      await assert.rejects(secrets.put(c.id, 'password' as 'client_secret', { ciphertext: 'x', keyId: 'k' }), {
        code: 'INVALID_SECRET_KIND',
      });
    });

    test('deleting a connection deletes its secrets, and only its secrets', async () => {
      const doomed = await connections.create({ name: 'doomed', tenant: 't', clientId: 'c', authMode: 'secret' });
      const kept = await connections.create({ name: 'kept', tenant: 't', clientId: 'c', authMode: 'secret' });
      for (const id of [doomed.id, kept.id]) {
        await secrets.put(id, 'client_secret', { ciphertext: 'x', keyId: 'k' });
        await secrets.put(id, 'refresh_token', { ciphertext: 'y', keyId: 'k' });
      }
      await connections.delete(doomed.id);
      assert.deepEqual(await secrets.listForConnection(doomed.id), []);
      assert.equal((await secrets.listForConnection(kept.id)).length, 2);
      const orphans = await store.db
        .selectFrom('secrets')
        .select('connection_id')
        .where('connection_id', '=', doomed.id)
        .execute();
      assert.deepEqual(orphans, []);
    });

    test('forEachSecret visits every secret once, in batches, while the callback rewrites them', async () => {
      const before = await secrets.forEachSecret(() => {});
      const ids: string[] = [];
      for (let i = 0; i < 62; i++) {
        const c = await connections.create({ name: `bulk-${i}`, tenant: 't', clientId: 'c', authMode: 'secret' });
        ids.push(c.id);
        await secrets.put(c.id, 'client_secret', { ciphertext: `old-${i}`, keyId: 'old-key' });
        await secrets.put(c.id, 'token_cache', { ciphertext: `cache-${i}`, keyId: 'old-key' });
      }
      const total = before + 124;

      const sizes: number[] = [];
      for await (const batch of secrets.batches({ batchSize: 50 })) sizes.push(batch.length);
      assert.deepEqual(sizes, batchSizes(total, 50));

      const seen = new Set<string>();
      const visited = await secrets.forEachSecret(
        async (secret) => {
          const key = `${secret.connectionId}/${secret.kind}`;
          assert.ok(!seen.has(key), `visited twice: ${key}`);
          seen.add(key);
          await secrets.replaceSecret(secret.connectionId, secret.kind, (current) => ({
            ciphertext: `rotated:${current.ciphertext}`,
            keyId: 'new-key',
          }));
        },
        { batchSize: 7 },
      );
      assert.equal(visited, total);
      assert.equal(seen.size, total);
      const stale = await store.db.selectFrom('secrets').select('key_id').where('key_id', '!=', 'new-key').execute();
      assert.deepEqual(stale, []);
      assert.equal((await secrets.get(ids[3]!, 'client_secret'))?.ciphertext, 'rotated:old-3');
      await assert.rejects(
        secrets.forEachSecret(() => {}, { batchSize: 0 }),
        { code: 'INVALID_ARGUMENT' },
      );
    });

    test('replaceSecret: no-op when the callback returns nothing, undefined for a missing secret, rolls back on error', async () => {
      const c = await connections.create({ name: 'replace-1', tenant: 't', clientId: 'c', authMode: 'secret' });
      await secrets.put(c.id, 'certificate_key', { ciphertext: 'orig', keyId: 'k1' });
      const untouched = await secrets.replaceSecret(c.id, 'certificate_key', () => undefined);
      assert.equal(untouched?.ciphertext, 'orig');
      assert.equal(
        await secrets.replaceSecret(c.id, 'refresh_token', () => ({ ciphertext: 'x', keyId: 'k' })),
        undefined,
      );
      await assert.rejects(
        secrets.replaceSecret(c.id, 'certificate_key', () => {
          throw new Error('decryption failed');
        }),
        /decryption failed/,
      );
      const after = await secrets.get(c.id, 'certificate_key');
      assert.equal(after?.ciphertext, 'orig');
      // The store still works after the rolled-back transaction.
      const replaced = await secrets.replaceSecret(c.id, 'certificate_key', async (current: StoredSecret) => ({
        ciphertext: `${current.ciphertext}+`,
        keyId: 'k2',
      }));
      assert.equal(replaced?.ciphertext, 'orig+');
      assert.equal(replaced?.keyId, 'k2');
    });

    if (target.name === 'postgres') {
      test('concurrent replaceSecret calls on PostgreSQL serialize on the row and lose no write', async () => {
        const c = await connections.create({ name: 'race', tenant: 't', clientId: 'c', authMode: 'secret' });
        await secrets.put(c.id, 'refresh_token', { ciphertext: '0', keyId: 'k' });
        await Promise.all(
          Array.from({ length: 8 }, () =>
            secrets.replaceSecret(c.id, 'refresh_token', async (current) => {
              await new Promise((resolve) => setTimeout(resolve, 5));
              return { ciphertext: String(Number(current.ciphertext) + 1), keyId: 'k' };
            }),
          ),
        );
        assert.equal((await secrets.get(c.id, 'refresh_token'))?.ciphertext, '8');
      });
    }
  });
}

function batchSizes(total: number, size: number): number[] {
  const sizes: number[] = [];
  for (let left = total; left > 0; left -= size) sizes.push(Math.min(size, left));
  return sizes;
}

async function caught(promise: Promise<unknown>): Promise<TenantlinkError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof TenantlinkError, String(err));
    return err;
  }
  assert.fail('expected a rejection');
}
