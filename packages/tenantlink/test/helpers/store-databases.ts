import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openStore, type Store, type StoreOptions } from '../../src/store/database.js';

/** A database to run store tests on: SQLite always, PostgreSQL when TENANTLINK_TEST_DATABASE_URL is set. */
export interface StoreTarget {
  name: 'sqlite' | 'postgres';
  /** Options that open a fresh, empty database (a temp folder, or a new PostgreSQL schema). */
  freshOptions(): Promise<StoreOptions>;
  /** Opens a fresh database; `dispose` closes it and removes its folder or schema. */
  open(): Promise<TestStore>;
  /** Removes every folder and schema this target made. */
  cleanUp(): Promise<void>;
}

export interface TestStore extends Store {
  options: StoreOptions;
}

export const postgresTestUrl = process.env['TENANTLINK_TEST_DATABASE_URL'] || undefined;

export function storeTargets(): StoreTarget[] {
  const targets = [sqliteTarget()];
  if (postgresTestUrl) targets.push(postgresTarget(postgresTestUrl));
  return targets;
}

function sqliteTarget(): StoreTarget {
  const dirs: string[] = [];
  const freshOptions = async (): Promise<StoreOptions> => {
    const dir = mkdtempSync(join(tmpdir(), 'tenantlink-store-test-'));
    dirs.push(dir);
    return { dataDir: dir, databaseUrl: undefined };
  };
  return {
    name: 'sqlite',
    freshOptions,
    open: async () => withOptions(await freshOptions()),
    cleanUp: async () => {
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}

function postgresTarget(url: string): StoreTarget {
  const schemas: string[] = [];
  const freshOptions = async (): Promise<StoreOptions> => {
    // openStore creates the schema; the name is unique per call so parallel test runs never share tables.
    const schema = `tl_test_${randomBytes(6).toString('hex')}`;
    schemas.push(schema);
    return { databaseUrl: url, postgresSchema: schema };
  };
  return {
    name: 'postgres',
    freshOptions,
    open: async () => withOptions(await freshOptions()),
    cleanUp: async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        for (const schema of schemas.splice(0)) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

async function withOptions(options: StoreOptions): Promise<TestStore> {
  const store = await openStore(options);
  return Object.assign(store, { options });
}
