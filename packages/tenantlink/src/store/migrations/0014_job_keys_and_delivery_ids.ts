import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was at their time
type AnyDb = Kysely<any>;

/**
 * Webhook deliveries became jobs: a job names what one-at-a-time is about when that is not its connection (an endpoint
 * and a connection), and each logged attempt names the delivery it belongs to (the `tenantlink-delivery` id, the same
 * on every attempt of one batch or event, so that receivers can deduplicate).
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema.alterTable('jobs').addColumn('job_key', 'text').execute();
  for (const table of ['webhook_deliveries', 'webhook_event_deliveries'])
    await db.schema.alterTable(table).addColumn('delivery_id', 'text').execute();
}

export async function down(db: AnyDb): Promise<void> {
  for (const table of ['webhook_deliveries', 'webhook_event_deliveries'])
    await db.schema.alterTable(table).dropColumn('delivery_id').execute();
  await db.schema.alterTable('jobs').dropColumn('job_key').execute();
}
