import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { sql } from 'kysely';
import { TenantlinkError } from '../src/errors.js';
import { openStore } from '../src/store/database.js';
import { redactDatabaseUrl } from '../src/store/database-url.js';
import { MIGRATIONS } from '../src/store/migrations/index.js';
import { postgresTestUrl, storeTargets } from './helpers/store-databases.js';

for (const target of storeTargets()) {
  describe(`store on ${target.name}`, () => {
    after(() => target.cleanUp());

    test('opening applies every migration once; reopening and migrating again is a no-op', async () => {
      const options = await target.freshOptions();
      const first = await openStore(options);
      assert.deepEqual(first.appliedMigrations, Object.keys(MIGRATIONS));
      assert.equal(first.dialect, target.name);
      await first.db.insertInto('connections').values(connectionRow('c1', 'kept')).execute();
      await first.close();
      await first.close(); // closing twice is harmless

      const second = await openStore(options);
      try {
        assert.deepEqual(second.appliedMigrations, []);
        const rows = await second.db.selectFrom('connections').select('name').execute();
        assert.deepEqual(rows, [{ name: 'kept' }], 'data survives reopening');
        const tables = (await second.db.introspection.getTables()).map((t) => t.name).sort();
        for (const table of ['connections', 'job_runs', 'jobs', 'secrets']) assert.ok(tables.includes(table), table);
      } finally {
        await second.close();
      }
    });

    test('two processes opening the same fresh database at once apply the migrations exactly once', async () => {
      const options = await target.freshOptions();
      // SQLite allows one writer, so a concurrent opener waits on busy_timeout; PostgreSQL takes an advisory lock.
      const stores = await Promise.all([openStore(options), openStore(options)]);
      try {
        const applied = stores.map((s) => s.appliedMigrations.length).sort();
        assert.deepEqual(applied, [0, Object.keys(MIGRATIONS).length]);
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    });

    test('foreign keys are enforced', async () => {
      const store = await target.open();
      try {
        await assert.rejects(
          store.db
            .insertInto('secrets')
            .values({ connection_id: 'nope', kind: 'client_secret', ciphertext: 'x', key_id: 'k', updated_at: '' })
            .execute(),
        );
      } finally {
        await store.close();
      }
    });
  });
}

describe('SQLite specifics', () => {
  const [sqlite] = storeTargets();
  after(() => sqlite!.cleanUp());

  test('the default database is <dataDir>/tenantlink.db in WAL mode with foreign keys on, readable by its owner only', async () => {
    const options = await sqlite!.freshOptions();
    const dataDir = join(options.dataDir!, 'nested', 'data'); // a missing folder is created
    const store = await openStore({ dataDir });
    try {
      assert.equal(store.location, join(dataDir, 'tenantlink.db'));
      assert.equal(statSync(store.location).mode & 0o777, 0o600);
      const journal = await sql<{ journal_mode: string }>`PRAGMA journal_mode`.execute(store.db);
      assert.equal(journal.rows[0]?.journal_mode, 'wal');
      const fk = await sql<{ foreign_keys: number }>`PRAGMA foreign_keys`.execute(store.db);
      assert.equal(fk.rows[0]?.foreign_keys, 1);
    } finally {
      await store.close();
    }
  });

  test('TENANTLINK_DATA chooses the folder when no option is given', async () => {
    const { dataDir } = await sqlite!.freshOptions();
    const saved = { data: process.env['TENANTLINK_DATA'], url: process.env['TENANTLINK_DATABASE_URL'] };
    process.env['TENANTLINK_DATA'] = dataDir!;
    delete process.env['TENANTLINK_DATABASE_URL'];
    try {
      const store = await openStore();
      assert.equal(store.location, join(dataDir!, 'tenantlink.db'));
      await store.close();
    } finally {
      restore('TENANTLINK_DATA', saved.data);
      restore('TENANTLINK_DATABASE_URL', saved.url);
    }
  });
});

describe('database URL errors never show the password', () => {
  const password = 'Sup3r-S3cret!pw';

  test('an unreachable server', async () => {
    const url = `postgres://tenantlink:${password}@127.0.0.1:1/tenantlink`;
    const err = await rejection(openStore({ databaseUrl: url, connectTimeoutMs: 2000 }));
    assert.equal(err.code, 'STORE_UNREACHABLE');
    assert.match(err.message, /127\.0\.0\.1:1/);
    assert.match(err.diagnosis!.fix, /TENANTLINK_DATABASE_URL/);
    assertNoPassword(err, password);
  });

  test('a host that does not resolve', async () => {
    const url = `postgresql://tenantlink:${password}@no-such-host.invalid:5432/tenantlink`;
    const err = await rejection(openStore({ databaseUrl: url, connectTimeoutMs: 2000 }));
    assert.equal(err.code, 'STORE_UNREACHABLE');
    assertNoPassword(err, password);
  });

  test('a URL that is not a PostgreSQL URL, or not a URL at all', async () => {
    for (const url of [`mysql://root:${password}@db/x`, `postgres://root:${password}@[::1/x`, `postgres://`]) {
      const err = await rejection(openStore({ databaseUrl: url }));
      assert.equal(err.code, 'STORE_URL_INVALID', url);
      assert.match(err.diagnosis!.fix, /postgres:\/\//);
      assertNoPassword(err, password);
    }
  });

  test('redaction keeps host, port and database, drops the password and query', () => {
    assert.equal(
      redactDatabaseUrl(`postgres://u:${encodeURIComponent(password)}@db.example:6432/app?sslkey=/k&password=x`),
      'postgres://u:***@db.example:6432/app',
    );
    assert.equal(redactDatabaseUrl(`postgres://u:${password}@[broken`), 'postgres://<unparseable>');
  });

  test('an invalid schema name is refused before connecting', async () => {
    const err = await rejection(openStore({ databaseUrl: 'postgres://u@127.0.0.1:1/x', postgresSchema: 'x; drop' }));
    assert.equal(err.code, 'STORE_SCHEMA_INVALID');
  });

  if (postgresTestUrl) {
    test('a database that does not exist, and a user that does not exist', async () => {
      const base = new URL(postgresTestUrl!);
      base.password = password;
      base.pathname = '/tl_no_such_database';
      const missing = await rejection(openStore({ databaseUrl: base.toString() }));
      assert.match(missing.code, /STORE_DATABASE_MISSING|STORE_AUTH_FAILED/);
      assertNoPassword(missing, password);
    });
  }
});

async function rejection(promise: Promise<unknown>): Promise<TenantlinkError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof TenantlinkError, `expected a TenantlinkError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a rejection');
}

function assertNoPassword(err: TenantlinkError, password: string): void {
  const everything = `${err.message} ${JSON.stringify(err)} ${err.stack} ${String(err.cause ?? '')}`;
  assert.ok(!everything.includes(password), `password leaked: ${err.message}`);
  assert.ok(!everything.includes(encodeURIComponent(password)), `encoded password leaked: ${err.message}`);
}

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

function connectionRow(id: string, name: string) {
  const now = new Date().toISOString();
  return {
    id,
    name,
    tenant: 't',
    client_id: 'c',
    auth_mode: 'secret' as const,
    cloud: '"global"',
    features: '[]',
    settings: '{}',
    certificate_thumbprint: null,
    created_at: now,
    updated_at: now,
  };
}
