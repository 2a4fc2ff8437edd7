import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was at their time
type AnyDb = Kysely<any>;

/**
 * Graph throttling budgets shared by the processes of one database: a row per slot held in flight against a resource
 * (a mailbox of an app in a tenant), with a lease that its holder renews, and a row per resource fenced (paused) by a 429's
 * Retry-After. Created on both dialects like every table; only the PostgreSQL deployment (several processes) uses them.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('graph_budget_slots')
    .addColumn('resource_key', 'text', (c) => c.notNull())
    .addColumn('slot', 'integer', (c) => c.notNull())
    .addColumn('token', 'text', (c) => c.notNull())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('graph_budget_slots_pk', ['resource_key', 'slot'])
    .execute();
  await db.schema.createIndex('graph_budget_slots_token_idx').on('graph_budget_slots').column('token').execute();

  await db.schema
    .createTable('graph_budget_fences')
    .addColumn('resource_key', 'text', (c) => c.primaryKey())
    .addColumn('until', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('graph_budget_fences').execute();
  await db.schema.dropTable('graph_budget_slots').execute();
}
