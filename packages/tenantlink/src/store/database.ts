import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { CompiledQuery, type Driver, Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { TenantlinkError } from '../errors.js';
import { isPostgresUrl, redactDatabaseUrl, withoutPassword } from './database-url.js';
import { migrateToLatest } from './migrations/index.js';
import type { Database } from './schema.js';

export type StoreDialect = 'sqlite' | 'postgres';

export interface StoreOptions {
  /** Folder of the embedded SQLite database. Default: `TENANTLINK_DATA`, else `./.tenantlink`. */
  dataDir?: string;
  /** `postgres://` or `postgresql://` URL. Default: `TENANTLINK_DATABASE_URL`; when neither is set, SQLite. */
  databaseUrl?: string;
  /**
   * PostgreSQL schema to keep tenantlink's tables in, created when missing. Default: `TENANTLINK_DATABASE_SCHEMA`,
   * else the connection's own search path (usually `public`).
   */
  postgresSchema?: string;
  /** How long to wait for PostgreSQL to accept a connection. Default 10 s. */
  connectTimeoutMs?: number;
  /** Most PostgreSQL connections this process opens. Default 10. */
  maxConnections?: number;
}

export interface Store {
  db: Kysely<Database>;
  dialect: StoreDialect;
  /** Where the data lives, safe to show: a file path, or the URL with its password redacted. */
  location: string;
  /** Names of migrations applied by this open (empty when the schema was already current). */
  appliedMigrations: string[];
  close(): Promise<void>;
}

/** Opens tenantlink's database and brings its schema up to date. */
export async function openStore(options: StoreOptions = {}): Promise<Store> {
  const databaseUrl = options.databaseUrl ?? nonEmpty(process.env['TENANTLINK_DATABASE_URL']);
  if (databaseUrl !== undefined) return openPostgres(databaseUrl, options);
  const dataDir = options.dataDir ?? nonEmpty(process.env['TENANTLINK_DATA']) ?? './.tenantlink';
  return openSqlite(resolve(dataDir));
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

async function openSqlite(dataDir: string): Promise<Store> {
  const file = resolve(dataDir, 'tenantlink.db');
  let database: SqliteDatabase.Database;
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    makeDataFolderPrivate(dataDir);
    database = new SqliteDatabase(file);
    chmodSync(file, 0o600);
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma('foreign_keys = ON');
    database.pragma('busy_timeout = 5000');
  } catch (err) {
    throw new TenantlinkError(
      'STORE_OPEN_FAILED',
      `Cannot open the SQLite database ${file}: ${(err as Error).message}`,
      {
        diagnosis: {
          meaning: 'tenantlink keeps connections and encrypted secrets in this file and cannot start without it.',
          fix: 'Make sure the data folder (--data or TENANTLINK_DATA) exists or can be created and is writable by the user running tenantlink.',
        },
      },
    );
  }
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database }) });
  return finishOpening(db, 'sqlite', file, undefined, (migrate) => inSqliteWriteTransaction(database, migrate));
}

/**
 * Tightens the data folder to 0700 when it is open to group or others (mkdir's mode only applies to a new folder): it
 * holds the database and the master key. Only a folder we own is changed, and a refused chmod (another owner's
 * folder, a read-only or Windows file system) is not an error: the files inside are 0600 either way.
 */
export function makeDataFolderPrivate(dataDir: string): void {
  if (process.platform === 'win32') return;
  try {
    const st = statSync(dataDir);
    if (!st.isDirectory() || (st.mode & 0o077) === 0) return;
    if (process.getuid !== undefined && st.uid !== process.getuid()) return;
    chmodSync(dataDir, 0o700);
  } catch {
    // left as it is: see above
  }
}

/**
 * Kysely begins SQLite transactions DEFERRED: one that reads and then writes fails with SQLITE_BUSY_SNAPSHOT, which no
 * busy timeout waits out, when another process (a second server, a CLI sync, a webhook dispatcher) committed in
 * between. BEGIN IMMEDIATE takes the write lock first, waiting for it under busy_timeout, so the transaction sees and
 * writes one consistent state.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  override createDriver(): Driver {
    const driver = super.createDriver();
    driver.beginTransaction = async (connection) => {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    };
    return driver;
  }
}

/**
 * Kysely runs SQLite migrations without a transaction or lock (it assumes one connection), so two processes opening
 * a new data folder at once would both migrate. We run them inside `BEGIN IMMEDIATE`, which takes SQLite's write
 * lock; Kysely's statements go through the same connection and so join the transaction. The lock is polled with the
 * event loop free, because a blocking busy wait would also stall any other opener in this process.
 */
async function inSqliteWriteTransaction<T>(database: SqliteDatabase.Database, work: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 15_000;
  database.pragma('busy_timeout = 0');
  try {
    for (;;) {
      try {
        database.exec('BEGIN IMMEDIATE');
        break;
      } catch (err) {
        if (!String((err as { code?: string }).code).startsWith('SQLITE_BUSY') || Date.now() > deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
  } finally {
    database.pragma('busy_timeout = 5000');
  }
  try {
    const result = await work();
    database.exec('COMMIT');
    return result;
  } catch (err) {
    if (database.inTransaction) database.exec('ROLLBACK');
    throw err;
  }
}

async function openPostgres(databaseUrl: string, options: StoreOptions): Promise<Store> {
  const location = redactDatabaseUrl(databaseUrl);
  if (!isPostgresUrl(databaseUrl) || !parses(databaseUrl)) {
    throw new TenantlinkError(
      'STORE_URL_INVALID',
      `The database URL ${location} is not a valid PostgreSQL URL (postgres://user:password@host:5432/database).`,
      {
        diagnosis: {
          meaning:
            'tenantlink only stores its data in PostgreSQL or, when no database URL is set, in an embedded SQLite file.',
          fix: 'Set TENANTLINK_DATABASE_URL (or --database-url) to postgres://user:password@host:port/database with special characters in the password percent-encoded, or unset it to use SQLite.',
        },
      },
    );
  }
  const schema = options.postgresSchema ?? nonEmpty(process.env['TENANTLINK_DATABASE_SCHEMA']);
  if (schema !== undefined && !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) {
    throw new TenantlinkError(
      'STORE_SCHEMA_INVALID',
      `The PostgreSQL schema name '${schema}' must be letters, digits and underscores (at most 63), not starting with a digit.`,
    );
  }
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    max: options.maxConnections ?? 10,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle connection dropped by the server must not crash the process; the next query opens a new one.
  pool.on('error', () => {});

  let migrationSchema: string;
  try {
    const client = await pool.connect();
    try {
      if (schema) await createSchemaIfMissing(client, schema);
      const result = await client.query<{ schema: string | null }>('SELECT current_schema() AS schema');
      const current = result.rows[0]?.schema;
      if (!current) throw Object.assign(new Error('no schema on the search path'), { code: '3F000' });
      migrationSchema = current;
    } finally {
      client.release();
    }
  } catch (err) {
    await pool.end().catch(() => {});
    throw postgresConnectError(err, databaseUrl, location);
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return finishOpening(db, 'postgres', location, migrationSchema);
}

async function finishOpening(
  db: Kysely<Database>,
  dialect: StoreDialect,
  location: string,
  migrationSchema: string | undefined,
  serialize: <T>(work: () => Promise<T>) => Promise<T> = (work) => work(),
): Promise<Store> {
  let appliedMigrations: string[];
  try {
    appliedMigrations = await serialize(() => migrateToLatest(db, migrationSchema));
  } catch (err) {
    await db.destroy().catch(() => {});
    throw err;
  }
  let closed: Promise<void> | undefined;
  return {
    db,
    dialect,
    location,
    appliedMigrations,
    close: () => {
      closed ??= db.destroy();
      return closed;
    },
  };
}

async function createSchemaIfMissing(client: pg.PoolClient, schema: string): Promise<void> {
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  } catch (err) {
    // IF NOT EXISTS is not atomic: a concurrent opener may create it between the check and the insert.
    const code = (err as { code?: string }).code;
    if (code !== '23505' && code !== '42P06') throw err;
  }
}

function parses(url: string): boolean {
  try {
    const parsed = new URL(url.trim());
    return parsed.hostname !== '' || parsed.searchParams.has('host');
  } catch {
    return false;
  }
}

/** Turns a driver's connection failure into an error that names the cause and never the password. */
function postgresConnectError(err: unknown, databaseUrl: string, location: string): TenantlinkError {
  const code = (err as { code?: string }).code;
  const raw = err instanceof Error && err.message ? err.message : (code ?? String(err));
  const detail = withoutPassword(raw, databaseUrl);
  const unreachable = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH'];
  if ((code && unreachable.includes(code)) || /timeout|terminated/i.test(raw)) {
    return new TenantlinkError('STORE_UNREACHABLE', `Cannot reach PostgreSQL at ${location}: ${detail}.`, {
      diagnosis: {
        meaning: 'No PostgreSQL server answered at that host and port.',
        fix: 'Check the host and port in TENANTLINK_DATABASE_URL, that the server is running, and that a firewall lets this machine connect.',
      },
    });
  }
  if (code === '28P01' || code === '28000') {
    return new TenantlinkError('STORE_AUTH_FAILED', `PostgreSQL at ${location} refused the sign-in: ${detail}.`, {
      diagnosis: {
        meaning: 'The user name or password in the database URL is wrong, or pg_hba.conf does not admit this client.',
        fix: 'Correct the user and password in TENANTLINK_DATABASE_URL (percent-encode special characters) or add this client to pg_hba.conf.',
      },
    });
  }
  if (code === '3D000') {
    return new TenantlinkError('STORE_DATABASE_MISSING', `PostgreSQL at ${location}: ${detail}.`, {
      diagnosis: {
        meaning: 'The database named in the URL does not exist on that server.',
        fix: 'Create it (CREATE DATABASE ...) or correct the database name at the end of TENANTLINK_DATABASE_URL.',
      },
    });
  }
  return new TenantlinkError('STORE_OPEN_FAILED', `Cannot use PostgreSQL at ${location}: ${detail}.`, {
    diagnosis: {
      meaning: 'tenantlink connected to PostgreSQL but could not prepare its schema.',
      fix: 'Check that the database user may create schemas and tables in this database.',
    },
  });
}
