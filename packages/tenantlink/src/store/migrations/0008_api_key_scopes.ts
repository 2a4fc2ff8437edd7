import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was at their time
type AnyDb = Kysely<any>;

/**
 * What each API key may do (`admin`, `read` or `metrics`). Keys made before scopes existed could do everything, so
 * they become `admin`: nothing that worked stops working.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .alterTable('api_keys')
    .addColumn('scope', 'text', (c) =>
      c
        .notNull()
        .defaultTo('admin')
        .check(sql`${sql.ref('scope')} in ('admin', 'read', 'metrics')`),
    )
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.alterTable('api_keys').dropColumn('scope').execute();
}
