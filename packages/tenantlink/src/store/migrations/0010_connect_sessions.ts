import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was at their time
type AnyDb = Kysely<any>;

const STATUSES = ['pending', 'opened', 'connected', 'failed'];

/**
 * Connect sessions get a table of their own, with a public id the vendor's server can ask about, the browser that
 * opened the link (so that reopening it there resumes), and how the connecting ended. Each leg of a browser flow
 * names its session. Links made before (rows of kind `session` in connect_flows) stop working: they lived 15 minutes.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('connect_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('integration_id', 'text', (c) => c.notNull().references('integrations.id').onDelete('cascade'))
    .addColumn('vendor_state', 'text')
    .addColumn('return_url', 'text')
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`${sql.ref('status')} in (${sql.join(STATUSES.map((s) => sql.lit(s)))})`),
    )
    .addColumn('browser_hash', 'text')
    .addColumn('connection_id', 'text')
    .addColumn('tenant_id', 'text')
    .addColumn('error', 'text')
    .addColumn('test', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('opened_at', 'text')
    .addColumn('finished_at', 'text')
    .addUniqueConstraint('connect_sessions_token_hash_unique', ['token_hash'])
    .execute();
  await db.schema.createIndex('connect_sessions_expires_idx').on('connect_sessions').column('expires_at').execute();
  await db.schema.alterTable('connect_flows').addColumn('session_id', 'text').execute();
  await db.deleteFrom('connect_flows').where('kind', '=', 'session').execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.alterTable('connect_flows').dropColumn('session_id').execute();
  await db.schema.dropTable('connect_sessions').execute();
}
