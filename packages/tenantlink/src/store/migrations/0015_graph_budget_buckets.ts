import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was at their time
type AnyDb = Kysely<any>;

/**
 * Graph throttling budgets counted in units rather than slots: a row per token bucket (the directory's resource units
 * of an app in a tenant), holding the units left and when they were last refilled, in epoch ms so that one statement
 * can refill and spend. Created on both dialects like every table; only the PostgreSQL deployment (several processes)
 * uses it.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('graph_budget_buckets')
    .addColumn('resource_key', 'text', (c) => c.primaryKey())
    .addColumn('tokens', 'double precision', (c) => c.notNull())
    .addColumn('refilled_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('graph_budget_buckets').execute();
}
