import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import { TenantlinkError } from '../../errors.js';
import type { Database } from '../schema.js';
import * as m0001 from './0001_initial.js';
import * as m0002 from './0002_server.js';
import * as m0003 from './0003_sync.js';
import * as m0004 from './0004_webhooks.js';
import * as m0005 from './0005_webhook_secret_rotation.js';
import * as m0006 from './0006_feed_retention.js';
import * as m0007 from './0007_integration_secret_expiry.js';
import * as m0008 from './0008_api_key_scopes.js';
import * as m0009 from './0009_webhook_url_secret.js';
import * as m0010 from './0010_connect_sessions.js';
import * as m0011 from './0011_integration_branding.js';
import * as m0012 from './0012_webhook_events.js';
import * as m0013 from './0013_graph_budgets.js';
import * as m0014 from './0014_job_keys_and_delivery_ids.js';
import * as m0015 from './0015_graph_budget_buckets.js';
import * as m0016 from './0016_change_notifications.js';

/**
 * Every migration, in order. A static list rather than a folder scan: it survives bundling and `tsx`, and a migration
 * cannot be skipped by a file that failed to copy. Add `0002_...` here when you add its file.
 */
export const MIGRATIONS: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_server': m0002,
  '0003_sync': m0003,
  '0004_webhooks': m0004,
  '0005_webhook_secret_rotation': m0005,
  '0006_feed_retention': m0006,
  '0007_integration_secret_expiry': m0007,
  '0008_api_key_scopes': m0008,
  '0009_webhook_url_secret': m0009,
  '0010_connect_sessions': m0010,
  '0011_integration_branding': m0011,
  '0012_webhook_events': m0012,
  '0013_graph_budgets': m0013,
  '0014_job_keys_and_delivery_ids': m0014,
  '0015_graph_budget_buckets': m0015,
  '0016_change_notifications': m0016,
};

const staticMigrations: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};

/**
 * Brings the schema to the latest migration; a no-op when it is already there. On PostgreSQL, Kysely takes an
 * advisory lock, so several processes starting at once apply each migration exactly once.
 *
 * `migrationTableSchema` must name the PostgreSQL schema we work in: without it Kysely would see a `kysely_migration`
 * table in any other schema of the database and believe ours exists.
 */
export async function migrateToLatest(db: Kysely<Database>, migrationTableSchema?: string): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: staticMigrations,
    ...(migrationTableSchema ? { migrationTableSchema } : {}),
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) {
    const failed = results.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new TenantlinkError('STORE_MIGRATION_FAILED', `Database migration ${failed} failed: ${describe(error)}`, {
      diagnosis: {
        meaning: 'tenantlink could not bring its database schema up to date, so it will not start on it.',
        fix: 'Check that the database user may create tables and indexes, then start tenantlink again. Nothing was half-applied on PostgreSQL; on SQLite restore the data folder from a backup if the error repeats.',
      },
    });
  }
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
