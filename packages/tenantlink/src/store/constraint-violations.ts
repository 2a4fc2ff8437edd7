/** Recognises constraint violations from both drivers (better-sqlite3 and pg) without depending on their classes. */

interface DriverError {
  code?: unknown;
  constraint?: unknown;
  message?: unknown;
}

/** A unique or primary-key violation, optionally on a given `table.column` (SQLite) / constraint name (PostgreSQL). */
export function isUniqueViolation(
  error: unknown,
  target?: { sqliteColumn: string; postgresConstraint: string },
): boolean {
  const e = (error ?? {}) as DriverError;
  if (e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return !target || String(e.message).includes(target.sqliteColumn);
  }
  if (e.code === '23505') return !target || e.constraint === target.postgresConstraint;
  return false;
}

export function isForeignKeyViolation(error: unknown): boolean {
  const e = (error ?? {}) as DriverError;
  return e.code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || e.code === '23503';
}
