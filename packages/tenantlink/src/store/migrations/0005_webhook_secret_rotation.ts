import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was at their time
type AnyDb = Kysely<any>;

const COLUMNS = ['previous_secret_ciphertext', 'previous_secret_key_id', 'previous_secret_expires_at'] as const;

/**
 * A webhook endpoint's previous signing secret, kept for a while after a rotation: deliveries carry a signature with
 * each secret until it expires, so the receiver can switch to the new one without missing a delivery.
 */
export async function up(db: AnyDb): Promise<void> {
  for (const column of COLUMNS) await db.schema.alterTable('webhook_endpoints').addColumn(column, 'text').execute();
}

export async function down(db: AnyDb): Promise<void> {
  for (const column of COLUMNS) await db.schema.alterTable('webhook_endpoints').dropColumn(column).execute();
}
