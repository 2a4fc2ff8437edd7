import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was at their time
type AnyDb = Kysely<any>;

/**
 * When an integration's client secret expires, as the vendor recorded it: every connection made through the
 * integration shares that secret, so the date is copied to them and their tests warn ahead of it.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema.alterTable('integrations').addColumn('secret_expires_at', 'text').execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.alterTable('integrations').dropColumn('secret_expires_at').execute();
}
