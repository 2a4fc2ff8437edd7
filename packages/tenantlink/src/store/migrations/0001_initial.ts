import { type Kysely, sql } from 'kysely';

// Migrations take `Kysely<any>`: they describe the schema as it was at their time, not as `Database` is today.
// biome-ignore lint/suspicious/noExplicitAny: see above
type AnyDb = Kysely<any>;

function sqlIn(column: string, values: string[]) {
  return sql`${sql.ref(column)} in (${sql.join(values.map((value) => sql.lit(value)))})`;
}

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('connections')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('tenant', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('auth_mode', 'text', (c) =>
      c.notNull().check(sqlIn('auth_mode', ['secret', 'certificate', 'delegated', 'multi-tenant'])),
    )
    .addColumn('cloud', 'text', (c) => c.notNull())
    .addColumn('features', 'text', (c) => c.notNull())
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('certificate_thumbprint', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('connections_name_unique', ['name'])
    .execute();

  await db.schema
    .createTable('secrets')
    .addColumn('connection_id', 'text', (c) => c.notNull().references('connections.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) =>
      c.notNull().check(sqlIn('kind', ['client_secret', 'certificate_key', 'refresh_token', 'token_cache'])),
    )
    .addColumn('ciphertext', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('secrets_pk', ['connection_id', 'kind'])
    .execute();
  await db.schema.createIndex('secrets_key_id_idx').on('secrets').column('key_id').execute();

  // Jobs deliberately have no foreign key to connections: a run's history outlives the connection it served, and the
  // runner must be able to record the end of a job whose connection was deleted meanwhile.
  await db.schema
    .createTable('jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('connection_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('scheduled_at', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text')
    .addColumn('finished_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('jobs_connection_kind_idx').on('jobs').columns(['connection_id', 'kind']).execute();
  await db.schema.createIndex('jobs_status_idx').on('jobs').columns(['status', 'scheduled_at']).execute();

  await db.schema
    .createTable('job_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id').onDelete('cascade'))
    .addColumn('connection_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('scheduled_at', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .execute();
  await db.schema.createIndex('job_runs_job_idx').on('job_runs').column('job_id').execute();
  await db.schema
    .createIndex('job_runs_connection_kind_idx')
    .on('job_runs')
    .columns(['connection_id', 'kind', 'started_at'])
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('job_runs').execute();
  await db.schema.dropTable('jobs').execute();
  await db.schema.dropTable('secrets').execute();
  await db.schema.dropTable('connections').execute();
}
