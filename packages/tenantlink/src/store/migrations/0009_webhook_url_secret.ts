import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was at their time
type AnyDb = Kysely<any>;

const COLUMNS = ['url_ciphertext', 'url_key_id'] as const;

/**
 * A webhook URL with a query string (`?token=…`) is kept whole only encrypted by the vault; the `url` column then holds
 * it with the query's values masked, which is all that lists and logs show.
 */
export async function up(db: AnyDb): Promise<void> {
  for (const column of COLUMNS) await db.schema.alterTable('webhook_endpoints').addColumn(column, 'text').execute();
}

export async function down(db: AnyDb): Promise<void> {
  for (const column of COLUMNS) await db.schema.alterTable('webhook_endpoints').dropColumn(column).execute();
}
