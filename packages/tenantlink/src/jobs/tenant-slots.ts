import pg from 'pg';

/**
 * At most `limit` jobs per tenant at once across every process on one PostgreSQL: a running job holds one of the
 * tenant's `limit` session-level advisory locks on a connection of its own. PostgreSQL frees the lock when that
 * session ends, so a process killed with kill -9 gives its slots back at once.
 */
export class TenantSlots {
  readonly #pool: pg.Pool;

  constructor(
    databaseUrl: string,
    readonly limit: number,
    maxHeld: number,
  ) {
    this.#pool = new pg.Pool({
      connectionString: databaseUrl,
      max: Math.max(1, maxHeld),
      application_name: 'tenantlink-slots',
    });
    // An idle session that breaks holds no lock; a held one that breaks is seen when its release fails.
    this.#pool.on('error', () => {});
  }

  /** Takes a free slot of the tenant, or answers null when all `limit` are taken. The release must be called once. */
  async tryAcquire(tenant: string): Promise<(() => Promise<void>) | null> {
    const lock = `tenantlink:tenant:${tenant.toLowerCase()}`;
    const client = await this.#pool.connect();
    try {
      for (let slot = 0; slot < this.limit; slot++) {
        const { rows } = await client.query<{ taken: boolean }>(
          'SELECT pg_try_advisory_lock(hashtext($1), $2) AS taken',
          [lock, slot],
        );
        if (rows[0]?.taken) {
          let released = false;
          return async () => {
            if (released) return;
            released = true;
            try {
              await client.query('SELECT pg_advisory_unlock(hashtext($1), $2)', [lock, slot]);
              client.release();
            } catch (err) {
              // A session that cannot unlock is dropped, which frees the lock too.
              client.release(err as Error);
            }
          };
        }
      }
    } catch (err) {
      client.release(err as Error);
      throw err;
    }
    client.release();
    return null;
  }

  close(): Promise<void> {
    return this.#pool.end();
  }
}
