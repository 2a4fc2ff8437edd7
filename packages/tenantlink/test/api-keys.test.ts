import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Migrator, sql } from 'kysely';
import { loadKeyring } from '../src/connections/keyring.js';
import { ConnectionService } from '../src/connections/service.js';
import { Vault } from '../src/connections/vault.js';
import { createApiKey } from '../src/server/auth/api-keys.js';
import { buildServer } from '../src/server/server.js';
import { apiKeysRepository } from '../src/store/api-keys-repository.js';
import { MIGRATIONS, migrateToLatest } from '../src/store/migrations/index.js';
import { startCliProcess } from './helpers/cli-process.js';
import { storeTargets, type TestStore } from './helpers/store-databases.js';

for (const target of storeTargets()) {
  describe(`API key scopes in the store on ${target.name}`, () => {
    after(() => target.cleanUp());

    test('the migration makes keys created before scopes existed admin keys, and accepts only known scopes', async () => {
      const store = await target.open();
      try {
        const migrator = new Migrator({
          db: store.db,
          provider: { getMigrations: async () => MIGRATIONS },
          ...(store.options.postgresSchema ? { migrationTableSchema: store.options.postgresSchema } : {}),
        });
        const { error } = await migrator.migrateTo('0007_integration_secret_expiry');
        assert.equal(error, undefined);
        await sql`insert into api_keys (id, name, prefix, key_hash, created_at)
          values ('old-id', 'old key', 'tlk_abcdef', 'old-hash', '2025-01-31T09:15:00.000Z')`.execute(store.db);

        assert.ok((await migrateToLatest(store.db, store.options.postgresSchema)).includes('0008_api_key_scopes'));
        const [old] = await apiKeysRepository(store).list();
        assert.equal(old?.name, 'old key');
        assert.equal(old?.scope, 'admin');
        const { apiKey } = await createApiKey(apiKeysRepository(store), 'scraper', 'metrics');
        assert.equal((await apiKeysRepository(store).findByHash(await hashOf(store, apiKey.id)))?.scope, 'metrics');
        await assert.rejects(sql`update api_keys set scope = 'owner' where id = 'old-id'`.execute(store.db));
      } finally {
        await store.close();
      }
    });
  });

  describe(`the API key routes on ${target.name}`, () => {
    let store: TestStore;
    let app: FastifyInstance;
    let service: ConnectionService;
    let adminKey: string;
    const call = async (method: string, url: string, key: string, payload?: Record<string, unknown>) => {
      const res = await app.inject({
        method: method as 'GET',
        url,
        headers: { authorization: `Bearer ${key}` },
        ...(payload === undefined ? {} : { payload }),
      });
      return { status: res.statusCode, text: res.body, body: res.body ? res.json() : null };
    };

    before(async () => {
      store = await target.open();
      service = new ConnectionService({
        store,
        vault: new Vault(await loadKeyring({ dataDir: mkdtempSync(join(tmpdir(), 'tl-api-keys-')), env: {} })),
      });
      app = await buildServer({ store, service, consoleDir: null });
      adminKey = (await createApiKey(apiKeysRepository(store), 'bootstrap')).key;
    });
    after(async () => {
      await app.close();
      await service.close();
      await store.close();
      await target.cleanUp();
    });

    test('create answers the key once; it works; the list shows scopes but never a key or a hash; revoke ends it', async () => {
      const created = await call('POST', '/api/v1/api-keys', adminKey, { name: ' ci pipeline ' });
      assert.equal(created.status, 201, created.text);
      const { apiKey, key } = created.body;
      assert.match(key, /^tlk_/);
      assert.deepEqual([apiKey.name, apiKey.scope, apiKey.lastUsedAt], ['ci pipeline', 'admin', null]);
      assert.ok(key.startsWith(apiKey.prefix));

      const read = await call('POST', '/api/v1/api-keys', adminKey, { name: 'dashboard', scope: 'read' });
      assert.equal(read.status, 201, read.text);
      assert.equal(read.body.apiKey.scope, 'read');

      const listed = await call('GET', '/api/v1/api-keys', key);
      assert.equal(listed.status, 200, 'the new key authenticates');
      assert.deepEqual(
        listed.body.apiKeys.map((k: { name: string; scope: string }) => `${k.name}:${k.scope}`),
        ['bootstrap:admin', 'ci pipeline:admin', 'dashboard:read'],
      );
      assert.deepEqual(Object.keys(listed.body.apiKeys[0]).sort(), [
        'createdAt',
        'id',
        'lastUsedAt',
        'name',
        'prefix',
        'scope',
      ]);
      for (const secret of [key, read.body.key, adminKey, await hashOf(store, apiKey.id)])
        assert.ok(!listed.text.includes(secret), 'no key and no hash in the list');

      const revoked = await call('DELETE', `/api/v1/api-keys/${apiKey.id}`, adminKey);
      assert.equal(revoked.status, 204, revoked.text);
      const refused = await call('GET', '/api/v1/api-keys', key);
      assert.equal(refused.status, 401);
      assert.equal(refused.body.error.code, 'UNAUTHENTICATED');
      assert.equal((await call('DELETE', '/api/v1/api-keys/dashboard', adminKey)).status, 204, 'revoked by name');

      const again = await call('DELETE', `/api/v1/api-keys/${apiKey.id}`, adminKey);
      assert.equal(again.status, 404);
      assert.equal(again.body.error.code, 'API_KEY_NOT_FOUND');
      assert.match(again.body.error.fix, /apikeys list/);
    });

    test('a taken name is 409; a bad name or an unknown scope is 400 naming the field', async () => {
      const before = (await apiKeysRepository(store).list()).length;
      const taken = await call('POST', '/api/v1/api-keys', adminKey, { name: 'bootstrap', scope: 'read' });
      assert.equal(taken.status, 409);
      assert.equal(taken.body.error.code, 'API_KEY_EXISTS');

      for (const name of ['', '-leading-dash', 'semi;colon', 'x'.repeat(101)]) {
        const bad = await call('POST', '/api/v1/api-keys', adminKey, { name });
        assert.equal(bad.status, 400, name);
        assert.equal(bad.body.error.code, 'INVALID_INPUT');
        assert.equal(bad.body.error.details[0].path, 'name');
      }
      const scope = await call('POST', '/api/v1/api-keys', adminKey, { name: 'ok name', scope: 'owner' });
      assert.equal(scope.status, 400);
      assert.equal(scope.body.error.details[0].path, 'scope');
      assert.equal((await apiKeysRepository(store).list()).length, before, 'nothing was created');
    });
  });
}

describe('tenantlink apikeys with scopes', () => {
  const work = mkdtempSync(join(tmpdir(), 'tenantlink-apikeys-cli-'));
  const cli = (args: string[]) => startCliProcess(args, { work }).done;

  test('create takes each scope (admin by default); list shows it, as text and JSON', async () => {
    const byDefault = await cli(['apikeys', 'create', '--name', 'deploy', '--json']);
    assert.equal(byDefault.code, 0, byDefault.stderr);
    const created = JSON.parse(byDefault.stdout);
    assert.match(created.key, /^tlk_/);
    assert.deepEqual([created.name, created.scope], ['deploy', 'admin']);
    // The first run made the data folder and its key file: the others may run side by side.
    const scopes = ['admin', 'read', 'metrics'];
    const runs = await Promise.all(
      scopes.map((scope) => cli(['apikeys', 'create', '--name', `${scope} key`, '--scope', scope])),
    );
    for (const [i, run] of runs.entries()) {
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`^tlk_\\S+\\nAPI key '${scopes[i]} key' \\(scope ${scopes[i]}: `));
    }

    const [text, json] = await Promise.all([cli(['apikeys', 'list']), cli(['apikeys', 'list', '--json'])]);
    assert.equal(text.code, 0, text.stderr);
    const rows = text.stdout.trim().split('\n');
    assert.deepEqual(
      rows.map((row) => row.split('\t').slice(0, 2).join(':')),
      ['admin key:admin', 'deploy:admin', 'metrics key:metrics', 'read key:read'],
    );
    const { apiKeys } = JSON.parse(json.stdout);
    assert.deepEqual(
      apiKeys.map((k: { name: string; scope: string }) => `${k.name}:${k.scope}`),
      ['admin key:admin', 'deploy:admin', 'metrics key:metrics', 'read key:read'],
    );
    assert.ok(!json.stdout.includes(created.key) && !json.stdout.includes('keyHash'), 'no key and no hash listed');
  });

  test('an unknown --scope exits 2 and names the allowed scopes', async () => {
    const run = await cli(['apikeys', 'create', '--name', 'owner key', '--scope', 'owner']);
    assert.equal(run.code, 2);
    assert.match(
      run.stderr,
      /'--scope <scope>' argument 'owner' is invalid\. Allowed choices are admin, read, metrics/,
    );
    assert.equal(run.stdout, '');
  });
});

async function hashOf(store: TestStore, id: string): Promise<string> {
  const row = await store.db.selectFrom('api_keys').select('key_hash').where('id', '=', id).executeTakeFirstOrThrow();
  return row.key_hash;
}
