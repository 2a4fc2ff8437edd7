import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was at their time
type AnyDb = Kysely<any>;

/**
 * Feed retention: the highest sequence number of a deletion pruned from a connection's feed. A reader whose cursor is
 * below it may have missed a deletion, so it is told to read the feed again from the start.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .alterTable('sync_sequences')
    .addColumn('pruned_through_seq', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  // Pruning looks for old deletions after every run: a partial index keeps that from reading every live record.
  await db.schema
    .createIndex('sync_records_deletions_idx')
    .on('sync_records')
    .columns(['connection_id', 'updated_at'])
    .where(sql.ref('deleted'), '=', 1)
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropIndex('sync_records_deletions_idx').execute();
  await db.schema.alterTable('sync_sequences').dropColumn('pruned_through_seq').execute();
}
