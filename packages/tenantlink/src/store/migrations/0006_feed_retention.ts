import type { Kysely } from 'kysely';

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
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.alterTable('sync_sequences').dropColumn('pruned_through_seq').execute();
}
