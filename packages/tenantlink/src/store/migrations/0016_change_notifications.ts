import { type Kysely, SqliteAdapter, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was at their time
type AnyDb = Kysely<any>;

const TRIGGERS_BEFORE = ['manual', 'schedule', 'cli'];
const TRIGGERS = [...TRIGGERS_BEFORE, 'notification'];

function sqlIn(column: string, values: string[]) {
  return sql`${sql.ref(column)} in (${sql.join(values.map((value) => sql.lit(value)))})`;
}

/**
 * Change notifications: the Microsoft Graph subscriptions each connection keeps (its `clientState` sealed by the vault),
 * and `notification` as what may start a sync run.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('graph_subscriptions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('connection_id', 'text', (c) => c.notNull().references('connections.id').onDelete('cascade'))
    .addColumn('feature', 'text', (c) => c.notNull())
    .addColumn('resource', 'text', (c) => c.notNull())
    .addColumn('change_type', 'text', (c) => c.notNull())
    .addColumn('graph_id', 'text')
    .addColumn('client_state_ciphertext', 'text', (c) => c.notNull())
    .addColumn('client_state_key_id', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) =>
      c.notNull().check(sqlIn('state', ['pending', 'active', 'reauthorize', 'removed', 'failed'])),
    )
    .addColumn('expires_at', 'text')
    .addColumn('notifications', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_notification_at', 'text')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('graph_subscriptions_resource_idx')
    .unique()
    .on('graph_subscriptions')
    .columns(['connection_id', 'feature', 'resource'])
    .execute();
  await db.schema.createIndex('graph_subscriptions_graph_idx').on('graph_subscriptions').column('graph_id').execute();
  await setTriggers(db, TRIGGERS);
}

export async function down(db: AnyDb): Promise<void> {
  await db.deleteFrom('sync_runs').where('trigger', '=', 'notification').execute();
  await setTriggers(db, TRIGGERS_BEFORE);
  await db.schema.dropTable('graph_subscriptions').execute();
}

/** The check on `sync_runs.trigger`: PostgreSQL alters it; SQLite cannot, so the table is rebuilt with it. */
async function setTriggers(db: AnyDb, triggers: string[]): Promise<void> {
  if (!(db.getExecutor().adapter instanceof SqliteAdapter)) {
    await sql`alter table sync_runs drop constraint if exists sync_runs_trigger_check`.execute(db);
    await sql`alter table sync_runs add constraint sync_runs_trigger_check check (${sqlIn('trigger', triggers)})`.execute(
      db,
    );
    return;
  }
  await db.schema
    .createTable('sync_runs_next')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('connection_id', 'text', (c) => c.notNull().references('connections.id').onDelete('cascade'))
    .addColumn('dataset', 'text', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull().check(sqlIn('trigger', triggers)))
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
  await sql`insert into sync_runs_next select id, connection_id, dataset, trigger, requested_full, mode, status, pages, records, changes, total, error, holder, created_at, started_at, finished_at, updated_at from sync_runs`.execute(
    db,
  );
  await db.schema.dropTable('sync_runs').execute();
  await sql`alter table sync_runs_next rename to sync_runs`.execute(db);
  await db.schema
    .createIndex('sync_runs_connection_idx')
    .on('sync_runs')
    .columns(['connection_id', 'dataset', 'created_at'])
    .execute();
  await db.schema
    .createIndex('sync_runs_one_queued_idx')
    .unique()
    .on('sync_runs')
    .columns(['connection_id', 'dataset'])
    .where(sql.ref('status'), '=', 'queued')
    .execute();
}
