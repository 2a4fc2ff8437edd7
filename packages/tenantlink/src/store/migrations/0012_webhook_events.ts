import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was at their time
type AnyDb = Kysely<any>;

/**
 * Lifecycle webhook events (`connection.created`, `connect.failed`): an outbox numbered by a one-row counter (as
 * `sync_sequences` numbers the feed, so that events commit in order on PostgreSQL too), one cursor per endpoint with
 * the retry state and lease of a feed cursor, and their delivery log. Endpoints that exist now start at the outbox's
 * head, which is 0.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('webhook_event_sequence')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`${sql.ref('id')} = 1`))
    .addColumn('last_seq', 'integer', (c) => c.notNull())
    .addColumn('pruned_through_seq', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.insertInto('webhook_event_sequence').values({ id: 1, last_seq: 0, pruned_through_seq: 0 }).execute();

  await db.schema
    .createTable('webhook_events')
    .addColumn('seq', 'integer', (c) => c.primaryKey())
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('type', 'text', (c) => c.notNull())
    // No foreign key: a connection's events are delivered even after it is removed.
    .addColumn('connection_id', 'text')
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('webhook_events_created_idx').on('webhook_events').column('created_at').execute();

  await db.schema
    .createTable('webhook_event_cursors')
    .addColumn('endpoint_id', 'text', (c) => c.primaryKey().references('webhook_endpoints.id').onDelete('cascade'))
    .addColumn('last_seq', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('generation', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('retry_to_seq', 'integer')
    .addColumn('failing', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text')
    .addColumn('last_attempt_at', 'text')
    .addColumn('last_delivered_at', 'text')
    .addColumn('last_error', 'text')
    .addColumn('lease_token', 'text')
    .addColumn('lease_holder', 'text')
    .addColumn('lease_expires_at', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db
    .insertInto('webhook_event_cursors')
    .columns(['endpoint_id', 'updated_at'])
    .expression(db.selectFrom('webhook_endpoints').select(['id', sql.lit(new Date().toISOString()).as('updated_at')]))
    .execute();

  await db.schema
    .createTable('webhook_event_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('endpoint_id', 'text', (c) => c.notNull().references('webhook_endpoints.id').onDelete('cascade'))
    .addColumn('event_seq', 'integer', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('connection_id', 'text')
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`${sql.ref('status')} in ('succeeded', 'failed')`))
    .addColumn('status_code', 'integer')
    .addColumn('error', 'text')
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'text')
    .addColumn('attempted_at', 'text', (c) => c.notNull())
    .addColumn('delivered_at', 'text')
    .execute();
  await db.schema
    .createIndex('webhook_event_deliveries_endpoint_idx')
    .on('webhook_event_deliveries')
    .columns(['endpoint_id', 'attempted_at'])
    .execute();
  await db.schema
    .createIndex('webhook_event_deliveries_attempted_idx')
    .on('webhook_event_deliveries')
    .column('attempted_at')
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('webhook_event_deliveries').execute();
  await db.schema.dropTable('webhook_event_cursors').execute();
  await db.schema.dropTable('webhook_events').execute();
  await db.schema.dropTable('webhook_event_sequence').execute();
}
