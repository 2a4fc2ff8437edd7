import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was at their time
type AnyDb = Kysely<any>;

const COLUMNS = ['display_name', 'logo_url'] as const;

/**
 * The vendor's brand on an integration, for the page a customer's admin sees before Microsoft's sign-in: the name
 * customers see (null: the integration's name) and an optional https logo URL.
 */
export async function up(db: AnyDb): Promise<void> {
  for (const column of COLUMNS) await db.schema.alterTable('integrations').addColumn(column, 'text').execute();
}

export async function down(db: AnyDb): Promise<void> {
  for (const column of COLUMNS) await db.schema.alterTable('integrations').dropColumn(column).execute();
}
