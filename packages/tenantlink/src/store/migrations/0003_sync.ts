import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was at their time
type AnyDb = Kysely<any>;

function sqlIn(column: string, values: string[]) {
  return sql`${sql.ref(column)} in (${sql.join(values.map((value) => sql.lit(value)))})`;
}

/** The sync engine: synced records (which are also the change feed), feed counters, cursors with leases, runs. */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('sync_records')
    .addColumn('connection_id', 'text', (c) => c.notNull().references('connections.id').onDelete('cascade'))
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('parent_id', 'text')
    .addColumn('ref_id', 'text')
    .addColumn('data', 'text')
    .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('reason', 'text', (c) => c.check(sqlIn('reason', ['deleted', 'softDeleted', 'outOfScope', 'missing'])))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('seen_generation', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('sync_records_pk', ['connection_id', 'model', 'external_id'])
    .execute();
  // The feed: a record shows once, at its latest sequence number; two records never share one.
  await db.schema
    .createIndex('sync_records_feed_idx')
    .unique()
    .on('sync_records')
    .columns(['connection_id', 'seq'])
    .where(sql.ref('seq'), '>', 0)
    .execute();
  await db.schema
    .createIndex('sync_records_model_feed_idx')
    .on('sync_records')
    .columns(['connection_id', 'model', 'seq'])
    .execute();
  await db.schema
    .createIndex('sync_records_parent_idx')
    .on('sync_records')
    .columns(['connection_id', 'model', 'parent_id'])
    .where(sql.ref('parent_id'), 'is not', null)
    .execute();
  await db.schema
    .createIndex('sync_records_ref_idx')
    .on('sync_records')
    .columns(['connection_id', 'model', 'ref_id'])
    .where(sql.ref('ref_id'), 'is not', null)
    .execute();

  await db.schema
    .createTable('sync_sequences')
    .addColumn('connection_id', 'text', (c) => c.primaryKey().references('connections.id').onDelete('cascade'))
    .addColumn('last_seq', 'integer', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('sync_cursors')
    .addColumn('connection_id', 'text', (c) => c.notNull().references('connections.id').onDelete('cascade'))
    .addColumn('dataset', 'text', (c) => c.notNull())
    .addColumn('state', 'text')
    .addColumn('generation', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('lease_run_id', 'text')
    .addColumn('lease_holder', 'text')
    .addColumn('lease_expires_at', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('sync_cursors_pk', ['connection_id', 'dataset'])
    .execute();

  await db.schema
    .createTable('sync_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('connection_id', 'text', (c) => c.notNull().references('connections.id').onDelete('cascade'))
    .addColumn('dataset', 'text', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull().check(sqlIn('trigger', ['manual', 'schedule', 'cli'])))
    .addColumn('requested_full', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('mode', 'text')
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sqlIn('status', ['queued', 'running', 'succeeded', 'failed', 'interrupted'])),
    )
    .addColumn('pages', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('records', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('changes', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('total', 'integer')
    .addColumn('error', 'text')
    .addColumn('holder', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text')
    .addColumn('finished_at', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('sync_runs_connection_idx')
    .on('sync_runs')
    .columns(['connection_id', 'dataset', 'created_at'])
    .execute();
  // At most one run waits per connection and dataset: a second request joins it (a constraint, not only code).
  await db.schema
    .createIndex('sync_runs_one_queued_idx')
    .unique()
    .on('sync_runs')
    .columns(['connection_id', 'dataset'])
    .where(sql.ref('status'), '=', 'queued')
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('sync_runs').execute();
  await db.schema.dropTable('sync_cursors').execute();
  await db.schema.dropTable('sync_sequences').execute();
  await db.schema.dropTable('sync_records').execute();
}
